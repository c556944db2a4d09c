"""Frequency modes and schedules: (allowed, reason) tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from server.targeting import (
    CompiledGuide,
    EvalContext,
    GuideStateView,
    compile_schedule,
    frequency_allows,
    partition_eligible,
    schedule_allows,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
NEVER = GuideStateView()
SEEN = GuideStateView(times_seen=1, last_seen_at=NOW - 2 * DAY)
COMPLETED = GuideStateView(times_seen=1, last_seen_at=NOW - 2 * DAY, completed_at=NOW - 2 * DAY)
DISMISSED = GuideStateView(times_seen=1, last_seen_at=NOW - 2 * DAY, dismissed_at=NOW - 2 * DAY)
MID_TOUR = GuideStateView(times_seen=1, last_seen_at=NOW - DAY, current_step=2)
MID_TOUR_DISMISSED = GuideStateView(times_seen=1, current_step=2, dismissed_at=NOW - DAY)
SNOOZED = GuideStateView(snoozed_until=NOW + DAY)
SNOOZE_OVER = GuideStateView(times_seen=1, last_seen_at=NOW - 9 * DAY, snoozed_until=NOW - DAY)

ONCE = {"mode": "once"}
UNTIL = {"mode": "until_completed"}
WEEKLY = {"mode": "every_days", "days": 7}
THRICE = {"mode": "max_times", "times": 3}


@pytest.mark.parametrize(
    "freq,state,allowed",
    [
        (ONCE, None, True),
        (ONCE, NEVER, True),
        (ONCE, SEEN, False),
        (ONCE, COMPLETED, False),
        (ONCE, DISMISSED, False),
        (ONCE, MID_TOUR, True),
        (ONCE, MID_TOUR_DISMISSED, False),
        (ONCE, SNOOZED, False),
        (UNTIL, None, True),
        (UNTIL, SEEN, True),
        (UNTIL, DISMISSED, True),
        (UNTIL, COMPLETED, False),
        (UNTIL, SNOOZED, False),
        (UNTIL, SNOOZE_OVER, True),
        (WEEKLY, None, True),
        (WEEKLY, SEEN, False),
        (WEEKLY, COMPLETED, False),
        (WEEKLY, GuideStateView(times_seen=4, last_seen_at=NOW - 7 * DAY), True),
        (
            WEEKLY,
            GuideStateView(times_seen=4, last_seen_at=NOW - 7 * DAY + timedelta(seconds=1)),
            False,
        ),
        (
            WEEKLY,
            GuideStateView(times_seen=1, completed_at=NOW - 30 * DAY, last_seen_at=NOW - 30 * DAY),
            True,
        ),  # completion doesn't block
        (WEEKLY, SNOOZE_OVER, True),
        (WEEKLY, MID_TOUR, True),
        (THRICE, None, True),
        (THRICE, GuideStateView(times_seen=2), True),
        (THRICE, GuideStateView(times_seen=3), False),
        (THRICE, COMPLETED, True),
        (THRICE, GuideStateView(times_seen=1, snoozed_until=NOW + timedelta(minutes=1)), False),
        (None, None, True),
        (None, SEEN, False),  # no frequency means once
    ],
)
def test_frequency_modes(freq: Any, state: GuideStateView | None, allowed: bool) -> None:
    ok, reason = frequency_allows(freq, state, NOW)
    assert ok is allowed, reason
    assert reason


def test_frequency_reasons_name_the_cause() -> None:
    assert "snoozed until 2026-11-24" in frequency_allows(ONCE, SNOOZED, NOW)[1]
    assert "may resume" in frequency_allows(ONCE, MID_TOUR, NOW)[1]
    assert "completed" in frequency_allows(UNTIL, COMPLETED, NOW)[1]
    assert "less than 7 days ago" in frequency_allows(WEEKLY, SEEN, NOW)[1]
    assert "maximum is 3" in frequency_allows(THRICE, GuideStateView(times_seen=3), NOW)[1]


def test_frequency_accepts_naive_state_datetimes_as_utc() -> None:
    naive = GuideStateView(times_seen=1, last_seen_at=datetime(2026, 11, 20, 8, 0))
    assert frequency_allows(WEEKLY, naive, NOW)[0] is False
    assert frequency_allows(WEEKLY, naive, datetime(2026, 11, 27, 8, 0))[0] is True


@pytest.mark.parametrize(
    "freq",
    [
        "once",
        {"mode": "sometimes"},
        {"mode": "every_days"},
        {"mode": "every_days", "days": 0},
        {"mode": "max_times", "times": "3"},
        {"mode": "max_times", "times": 1.5},
        {},
    ],
)
def test_malformed_frequency_is_not_allowed_and_never_raises(freq: Any) -> None:
    ok, reason = frequency_allows(freq, None, NOW)
    assert ok is False and reason


def test_odd_state_types_do_not_raise() -> None:
    weird = GuideStateView(times_seen="many")  # type: ignore[arg-type]
    assert frequency_allows(THRICE, weird, NOW)[0] is False


@pytest.mark.parametrize(
    "schedule,now,allowed",
    [
        (None, NOW, True),
        ({}, NOW, True),
        ({"start": "2026-12-01"}, datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), False),
        ({"start": "2026-12-01"}, datetime(2026, 12, 1, tzinfo=UTC), True),
        ({"end": "2027-01-31"}, datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC), True),
        ({"end": "2027-01-31"}, datetime(2027, 2, 1, tzinfo=UTC), False),
        ({"start": "2026-12-01", "end": "2026-12-01"}, datetime(2026, 12, 1, 12, tzinfo=UTC), True),
        (
            {"start": date(2026, 12, 1), "end": date(2027, 1, 31)},
            datetime(2027, 1, 31, 12, tzinfo=UTC),
            True,
        ),  # YAML dates
        ({"start": "2026-12-01T09:00:00+09:00"}, datetime(2026, 12, 1, 0, 0, tzinfo=UTC), True),
        ({"start": "2026-12-01T09:00:00+09:00"}, datetime(2026, 11, 30, 23, 59, tzinfo=UTC), False),
        ({"end": "2026-12-01T12:00:00Z"}, datetime(2026, 12, 1, 12, 0, tzinfo=UTC), False),
        ({"end": datetime(2026, 12, 1, 12)}, datetime(2026, 12, 1, 11, 0, tzinfo=UTC), True),
        ({"start": "2026-12-01"}, datetime(2026, 12, 1, 9, 0), True),  # naive now is UTC
    ],
)
def test_schedule_windows(schedule: Any, now: datetime, allowed: bool) -> None:
    ok, reason = schedule_allows(schedule, now)
    assert ok is allowed, reason
    assert reason
    # The hot path: the compiled check, and the window partition_eligible compares inline.
    assert compile_schedule(schedule)(now) is allowed
    guide = CompiledGuide.build(key="g", schedule=schedule)
    shown = partition_eligible([guide], EvalContext("u", {}, None, {}, now), {}, now).shown
    assert bool(shown) is allowed


@pytest.mark.parametrize(
    "schedule",
    [
        "2026-12-01",
        {"start": "soon"},
        {"end": 20261201},
        {"start": "2026-13-01"},
    ],
)
def test_malformed_schedule_is_closed_and_says_why(schedule: Any) -> None:
    ok, reason = schedule_allows(schedule, NOW)
    assert ok is False and reason


def test_every_days_lets_a_snoozed_showing_return_when_the_snooze_ends():
    from datetime import UTC, datetime, timedelta

    from server.targeting.frequency import GuideStateView, compile_frequency, frequency_allows

    now = datetime(2026, 11, 23, tzinfo=UTC)
    freq = {"mode": "every_days", "days": 90}
    snoozed_over = GuideStateView(times_seen=1, last_seen_at=now - timedelta(days=8),
                                  snoozed_until=now - timedelta(days=1))
    snoozed_now = GuideStateView(times_seen=1, last_seen_at=now - timedelta(days=3),
                                 snoozed_until=now + timedelta(days=4))
    seen_later = GuideStateView(times_seen=2, last_seen_at=now - timedelta(hours=1),
                                snoozed_until=now - timedelta(days=1))
    check = compile_frequency(freq)
    for state, allowed in ((snoozed_over, True), (snoozed_now, False), (seen_later, False)):
        assert frequency_allows(freq, state, now)[0] is allowed
        assert check(state, now) is allowed

"""The bootstrap response memo: how long a remembered answer stays the answer.

`_remember` must stop serving an answer at the first instant time alone could change it:
a schedule bound, a snooze ending, an every_days interval or the fatigue budget's
cooldown/day passing since a showing, a last-seen write falling due, the audience memo's
tolerance for time-relative trait rules. Each case below moves exactly one of those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.delivery.bootstrap import (
    Snapshot,
    _person_due,
    _remember,
    memoised_response,
)
from server.delivery.cache import AUDIENCE_MEMO_SECONDS, EnvironmentEntry
from server.segments.budget import budget_plan
from server.targeting.eligibility import CompiledGuide
from server.targeting.frequency import GuideStateView

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
KEY = ("user-1", None, b"[{},{}]")


def _guide(key: str, **over) -> CompiledGuide:  # type: ignore[no-untyped-def]
    fields = {"priority": 0, "audience": lambda ctx: True, "frequency": {"mode": "once"},
              "payload": {"key": key}}
    fields.update(over)
    return CompiledGuide(key=key, **fields)


def _entry(*guides: CompiledGuide, throttle=None) -> EnvironmentEntry:  # type: ignore[no-untyped-def]
    return EnvironmentEntry(
        environment_id=1, version=1, allowed_origins=frozenset(), identity_verification=False,
        identity_secrets=[], guides=list(guides),
        guide_prefix={g.key: b'{"key":"%s"' % g.key.encode() for g in guides},
        budget=budget_plan(payloads=[(g.key, g.payload) for g in guides], throttle=throttle),
    )


def _snapshot(user_last_seen: datetime | None = None) -> Snapshot:
    seen = (user_last_seen or NOW).isoformat()
    return Snapshot(environment_id=1, version=1, user=("{}", "h", seen), account=None,
                    states=[], members=[], fingerprint=("user-1", "{}", "h", seen))


def _until(entry: EnvironmentEntry, states=None, snapshot=None) -> datetime:  # type: ignore[no-untyped-def]
    snap = snapshot or _snapshot()
    far = NOW + timedelta(days=365)
    _remember(entry, KEY, snap, [b"x"], states or {}, NOW, far)
    return entry.response_memo[KEY][1]


def test_an_answer_with_nothing_time_bound_lives_until_the_given_limit():
    assert _until(_entry(_guide("a"))) == NOW + timedelta(days=365)


def test_the_next_schedule_bound_ends_it():
    entry = _entry(_guide("a", schedule={"start": "2026-12-07"}),
                   _guide("b", schedule={"start": "2020-01-01", "end": "2026-12-31"}))
    assert _until(entry) == datetime(2026, 12, 7, tzinfo=UTC)


def test_a_snooze_ending_ends_it():
    states = {"a": GuideStateView(times_seen=1, snoozed_until=NOW + timedelta(minutes=5))}
    assert _until(_entry(_guide("a")), states) == NOW + timedelta(minutes=5)


def test_an_every_days_interval_passing_ends_it():
    entry = _entry(_guide("a", frequency={"mode": "every_days", "days": 3}))
    states = {"a": GuideStateView(times_seen=1, last_seen_at=NOW - timedelta(days=1))}
    assert _until(entry, states) == NOW + timedelta(days=2)


def test_the_budget_cooldown_and_its_day_end_it():
    interrupt = {"key": "m", "interrupt": True}
    entry = _entry(_guide("m", payload=interrupt, frequency={"mode": "max_times", "times": 9}),
                   throttle={"cooldown_minutes": 30, "max_per_day": 2})
    states = {"m": GuideStateView(times_seen=1, last_seen_at=NOW - timedelta(minutes=10))}
    assert _until(entry, states) == NOW + timedelta(minutes=20)
    states = {"m": GuideStateView(times_seen=1, last_seen_at=NOW - timedelta(hours=23))}
    assert _until(entry, states) == NOW + timedelta(hours=1)


def test_a_last_seen_write_falling_due_ends_it():
    snap = _snapshot(user_last_seen=NOW - timedelta(seconds=250))
    due = _person_due(snap, NOW, last_seen_every=300)
    assert due == NOW + timedelta(seconds=50)
    fresh = _person_due(_snapshot(), NOW, last_seen_every=3600)
    assert fresh == NOW + timedelta(seconds=AUDIENCE_MEMO_SECONDS)  # never past the tolerance


def test_a_remembered_answer_is_served_only_for_the_same_snapshot_and_in_time():
    entry = _entry(_guide("a"))
    snap = _snapshot()
    _remember(entry, KEY, snap, [b'{"key":"a"}'], {}, NOW, NOW + timedelta(seconds=30))
    body = memoised_response(entry, KEY, snap, NOW + timedelta(seconds=29))
    assert body is not None and body.startswith(b'{"user":{"id":"user-1"},"guides":[{"key":"a"}]')
    assert memoised_response(entry, KEY, snap, NOW + timedelta(seconds=30)) is None
    changed = _snapshot()
    changed.fingerprint = (*snap.fingerprint[:-1], "another last-seen")
    assert memoised_response(entry, KEY, changed, NOW) is None
    assert memoised_response(entry, ("user-2", None, KEY[2]), snap, NOW) is None

"""survey_allowed: the one pure pacing decision (METRICS.md "Surveys" — survey pacing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.surveys.pacing import UserSurveyState, sample_bucket, survey_allowed

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVERYONE = {"sample_percent": 100, "min_page_views": 5, "reask_days": 90, "snooze_days": 7}


def test_a_fresh_user_with_enough_page_views_is_asked() -> None:
    ok, why = survey_allowed(EVERYONE, None, 5, NOW, "u1", "nps")
    assert ok, why


def test_too_few_page_views_hold_the_survey_back() -> None:
    ok, why = survey_allowed(EVERYONE, None, 4, NOW, "u1", "nps")
    assert not ok and "4 page views" in why


def test_an_answer_inside_the_reask_interval_blocks_and_after_it_allows() -> None:
    state = UserSurveyState(last_answered_at=NOW - timedelta(days=89, hours=23))
    ok, why = survey_allowed(EVERYONE, state, 50, NOW, "u1", "nps")
    assert not ok and "re-ask" in why
    state = UserSurveyState(last_answered_at=NOW - timedelta(days=90))
    assert survey_allowed(EVERYONE, state, 50, NOW, "u1", "nps")[0]


def test_a_showing_without_answer_counts_for_the_reask_interval_too() -> None:
    # Dismissed or ignored: the user was asked, so they are not asked again for 90 days.
    state = UserSurveyState(last_seen_at=NOW - timedelta(days=3))
    ok, why = survey_allowed(EVERYONE, state, 50, NOW, "u1", "nps")
    assert not ok and why.startswith("asked")


def test_snooze_blocks_until_it_ends() -> None:
    state = UserSurveyState(snoozed_until=NOW + timedelta(minutes=1))
    ok, why = survey_allowed(EVERYONE, state, 50, NOW, "u1", "nps")
    assert not ok and "snoozed" in why
    assert survey_allowed(EVERYONE, UserSurveyState(snoozed_until=NOW), 50, NOW, "u1", "nps")[0]


def test_the_daily_sample_is_stable_within_a_day_and_redrawn_the_next() -> None:
    pacing = {**EVERYONE, "sample_percent": 50, "min_page_views": 0}
    users = [f"user-{i}" for i in range(200)]
    today = [survey_allowed(pacing, None, 0, NOW, u, "nps")[0] for u in users]
    later = [survey_allowed(pacing, None, 0, NOW + timedelta(hours=11), u, "nps")[0]
             for u in users]
    tomorrow = [survey_allowed(pacing, None, 0, NOW + timedelta(days=1), u, "nps")[0]
                for u in users]
    assert today == later
    assert today != tomorrow
    # Different surveys draw independently.
    other = [survey_allowed(pacing, None, 0, NOW, u, "ces")[0] for u in users]
    assert today != other


def test_defaults_apply_when_pacing_is_missing_and_malformed_pacing_never_asks() -> None:
    assert not survey_allowed(None, None, 4, NOW, "u1", "nps")[0]  # default 5 page views
    assert survey_allowed(None, None, 5, NOW, "u1", "nps")[0]
    ok, why = survey_allowed({"reask_days": "soon"}, None, 5, NOW, "u1", "nps")
    assert not ok and "reask_days" in why


def test_sample_bucket_is_in_range_and_deterministic() -> None:
    b = sample_bucket("u1", "nps", NOW.date())
    assert 0 <= b < 100 and b == sample_bucket("u1", "nps", NOW.date())


moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC))
maybe_moment = st.none() | moments


@settings(max_examples=400, deadline=None)
@given(
    reask=st.integers(min_value=1, max_value=3650),
    sample=st.floats(min_value=0.01, max_value=100),
    min_views=st.integers(min_value=0, max_value=50),
    views=st.integers(min_value=0, max_value=100),
    answered=maybe_moment, seen=maybe_moment, snoozed=maybe_moment, now=moments,
    user=st.text(min_size=1, max_size=20), survey=st.text(min_size=1, max_size=20),
)
def test_never_asks_inside_the_reask_interval_nor_while_snoozed_nor_below_page_views(
    reask: int, sample: float, min_views: int, views: int, answered: datetime | None,
    seen: datetime | None, snoozed: datetime | None, now: datetime, user: str, survey: str,
) -> None:
    pacing = {"sample_percent": sample, "min_page_views": min_views, "reask_days": reask}
    state = UserSurveyState(last_answered_at=answered, last_seen_at=seen, snoozed_until=snoozed)
    ok, _ = survey_allowed(pacing, state, views, now, user, survey)
    if ok:
        # A showing answered with "ask me later" counts through its snooze, not the interval.
        snoozed_showing = seen is not None and snoozed is not None and snoozed >= seen
        for last in (answered, None if snoozed_showing else seen):
            assert last is None or now - last >= timedelta(days=reask)
        assert snoozed is None or snoozed <= now
        assert views >= min_views


@settings(max_examples=25, deadline=None)
@given(sample=st.sampled_from([1, 5, 10, 25, 50, 90]), seed=st.integers(0, 10**6))
def test_the_share_asked_over_many_days_matches_the_sample_percent(sample: int, seed: int) -> None:
    # 300 eligible users (never asked before: a fresh draw each day) over 60 simulated
    # days = 18,000 decisions. With p = sample/100 the share's standard error is
    # √(p(1−p)/18000) ≤ 0.37 points; a tolerance of 1.5 points is ≥ 4 standard errors.
    pacing = {"sample_percent": sample, "min_page_views": 0, "reask_days": 90}
    users = [f"user-{seed}-{i}" for i in range(300)]
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    asked = sum(
        survey_allowed(pacing, None, 0, start + timedelta(days=d), u, f"survey-{seed}")[0]
        for d in range(60) for u in users
    )
    share = 100 * asked / (60 * len(users))
    assert abs(share - sample) < 1.5, (share, sample)


def test_with_reask_a_simulated_user_is_never_asked_twice_inside_the_interval() -> None:
    # One user over two years, 10% sampled, asked (and answering) whenever allowed.
    pacing = {"sample_percent": 10, "min_page_views": 0, "reask_days": 90}
    state = UserSurveyState()
    asked: list[datetime] = []
    day = datetime(2025, 1, 1, 10, tzinfo=UTC)
    for _ in range(730):
        if survey_allowed(pacing, state, 10, day, "u-7", "nps")[0]:
            asked.append(day)
            state = UserSurveyState(last_answered_at=day, last_seen_at=day)
        day += timedelta(days=1)
    assert len(asked) >= 4
    assert all(b - a >= timedelta(days=90) for a, b in zip(asked, asked[1:], strict=False))

"""select_eligible / partition_eligible, holdouts and explain_guide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.targeting import (
    CompiledGuide,
    EvalContext,
    GuideStateView,
    explain_guide,
    holdout_bucket,
    in_holdout,
    partition_eligible,
    select_eligible,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PRO = {"attr": "user.plan", "op": "eq", "value": "pro"}


def make_ctx(user_id: str = "user-42", **traits: Any) -> EvalContext:
    return EvalContext(user_id, traits or {"plan": "pro"}, None, {}, NOW)


def guide(key: str, priority: int = 0, **kw: Any) -> CompiledGuide:
    return CompiledGuide.build(key=key, priority=priority, **kw)


def test_eligible_guides_are_ordered_by_priority_then_key() -> None:
    guides = [guide("b", 1), guide("a", 1), guide("z", 10), guide("m", -5)]
    keys = [g.key for g in select_eligible(guides, make_ctx(), {}, NOW)]
    assert keys == ["z", "a", "b", "m"]


def test_each_check_can_exclude_a_guide() -> None:
    guides = [
        guide("audience-miss", audience={"attr": "user.plan", "op": "eq", "value": "team"}),
        guide("already-seen", frequency={"mode": "once"}),
        guide("not-started", schedule={"start": "2027-01-01"}),
        guide("ended", schedule={"end": "2026-11-22"}),
        guide("shown", audience=PRO, frequency={"mode": "until_completed"}),
    ]
    states = {"already-seen": GuideStateView(times_seen=1, last_seen_at=NOW - timedelta(days=1))}
    assert [g.key for g in select_eligible(guides, make_ctx(), states, NOW)] == ["shown"]


def test_holdout_users_are_not_shown_but_are_reported() -> None:
    everyone_held = guide("control", holdout_percent=100)
    nobody_held = guide("treatment", holdout_percent=0)
    result = partition_eligible([everyone_held, nobody_held], make_ctx(), {}, NOW)
    assert [g.key for g in result.shown] == ["treatment"]
    assert [g.key for g in result.held_out] == ["control"]


def test_holdout_only_applies_to_otherwise_eligible_users() -> None:
    held = guide(
        "control", audience={"attr": "user.plan", "op": "eq", "value": "team"}, holdout_percent=100
    )
    assert partition_eligible([held], make_ctx(), {}, NOW).held_out == []


@pytest.mark.parametrize("percent", [5, 10, 50])
def test_holdout_share_matches_percent_and_is_stable(percent: int) -> None:
    ids = [f"user-{i}" for i in range(10_000)]
    held = [in_holdout(user_id, "welcome-tour", percent) for user_id in ids]
    share = sum(held) / len(ids) * 100
    assert abs(share - percent) < 1.5, share  # ~5 standard errors at 50%
    assert held == [in_holdout(user_id, "welcome-tour", percent) for user_id in ids]


def test_holdout_is_nested_across_percentages_and_independent_across_guides() -> None:
    ids = [f"user-{i}" for i in range(2_000)]
    at_10 = {u for u in ids if in_holdout(u, "tour", 10)}
    at_20 = {u for u in ids if in_holdout(u, "tour", 20)}
    assert at_10 <= at_20  # raising the holdout never releases someone already held
    other = {u for u in ids if in_holdout(u, "other-guide", 10)}
    assert len(at_10 & other) < len(at_10) / 3


def test_holdout_bucket_is_the_documented_hash() -> None:
    import hashlib

    digest = hashlib.sha256(b"welcome-tour:user-42").digest()
    expected = int.from_bytes(digest[:8], "big") * 100 / 2**64
    assert holdout_bucket("user-42", "welcome-tour") == expected


@pytest.mark.parametrize("percent", [0, -5, float("nan"), "10", None, True])
def test_odd_holdout_percentages_hold_nobody_out(percent: Any) -> None:
    assert not any(in_holdout(f"u{i}", "g", percent) for i in range(200))


def test_full_holdout_holds_everyone_out() -> None:
    assert all(in_holdout(f"u{i}", "g", 100) for i in range(200))
    assert all(in_holdout(f"u{i}", "g", 250) for i in range(200))


def test_explain_guide_lists_every_check_with_what_it_saw() -> None:
    g = guide(
        "welcome",
        audience={"all": [PRO, {"attr": "user.seats", "op": "gte", "value": 3}]},
        frequency={"mode": "max_times", "times": 2},
        schedule={"end": "2027-01-31"},
    )
    state = GuideStateView(times_seen=2, last_seen_at=NOW - timedelta(days=1))
    checks = explain_guide(g, make_ctx(plan="pro", seats=1), state, NOW)
    by_name = {c["check"]: c for c in checks}
    assert [c["check"] for c in checks] == ["schedule", "frequency", "audience", "holdout"]
    assert by_name["schedule"]["passed"] is True
    assert by_name["frequency"]["passed"] is False
    assert by_name["frequency"]["seen"]["times_seen"] == 2
    assert "maximum is 2" in by_name["frequency"]["reason"]
    audience = by_name["audience"]
    assert audience["passed"] is False
    assert audience["tree"]["children"][1]["reason"] == (
        "user.seats is 1, not greater than or equal to 3"
    )
    assert by_name["holdout"]["passed"] is True
    assert 0 <= by_name["holdout"]["seen"] < 100


def test_explain_guide_agrees_with_select_eligible() -> None:
    guides = [guide(f"g{i}", audience=PRO, holdout_percent=50) for i in range(40)]
    ctx = make_ctx()
    shown = {g.key for g in select_eligible(guides, ctx, {}, NOW)}
    for g in guides:
        all_passed = all(c["passed"] for c in explain_guide(g, ctx, None, NOW))
        assert all_passed is (g.key in shown)

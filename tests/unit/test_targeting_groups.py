"""Groups, segment and event rules, malformed rules, and the explanation tree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.targeting import EvalContext, compile_rule, evaluate, explain_rule

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PRO = {"attr": "user.plan", "op": "eq", "value": "pro"}
FREE = {"attr": "user.plan", "op": "eq", "value": "free"}
DETRACTOR = {"segment": "nps-detractors", "op": "member"}


def make_ctx(traits: dict[str, Any] | None = None, **kw: Any) -> EvalContext:
    return EvalContext(
        "user-42",
        traits if traits is not None else {"plan": "pro"},
        None,
        {},
        kw.pop("now", NOW),
        **kw,
    )


@pytest.mark.parametrize(
    "rule,expected",
    [
        (None, True),
        ({"all": []}, True),
        ({"any": []}, False),
        ({"all": [PRO]}, True),
        ({"all": [PRO, FREE]}, False),
        ({"any": [FREE, PRO]}, True),
        ({"any": [FREE]}, False),
        ({"not": FREE}, True),
        ({"not": {"not": PRO}}, True),
        ({"all": [PRO, {"any": [FREE, {"not": FREE}]}]}, True),
        ({"not": {"all": []}}, False),
        ({"not": {"any": []}}, True),
    ],
)
def test_groups(rule: Any, expected: bool) -> None:
    ctx = make_ctx()
    assert evaluate(rule, ctx) is expected
    assert explain_rule(rule, ctx)["passed"] is expected


@pytest.mark.parametrize(
    "segments,op,expected",
    [
        (frozenset({"nps-detractors"}), "member", True),
        (frozenset({"nps-detractors"}), "not_member", False),
        (frozenset(), "member", False),
        (frozenset(), "not_member", True),
        (None, "member", False),
        (None, "not_member", False),  # not available: fails closed both ways
    ],
)
def test_segment_membership(segments: frozenset[str] | None, op: str, expected: bool) -> None:
    rule = {"segment": "nps-detractors", "op": op}
    ctx = make_ctx(segments=segments)
    assert evaluate(rule, ctx) is expected
    tree = explain_rule(rule, ctx)
    assert tree["passed"] is expected
    if segments is None:
        assert "segment membership not available" in tree["reason"]
        assert tree["unknown"] is True


def test_negating_unavailable_data_still_fails_closed() -> None:
    ctx = make_ctx(segments=None)
    assert not evaluate({"not": DETRACTOR}, ctx)
    assert not evaluate({"not": {"not": DETRACTOR}}, ctx)
    # ...but a definite answer elsewhere still decides the group.
    assert evaluate({"any": [PRO, DETRACTOR]}, ctx)
    assert not evaluate({"all": [FREE, {"not": DETRACTOR}]}, ctx)
    tree = explain_rule({"not": DETRACTOR}, ctx)
    assert "could not be evaluated" in tree["reason"]


def _counter(counts: dict[tuple[str, int | None], int]) -> Any:
    calls: list[tuple[str, int | None]] = []

    def count(name: str, within_days: int | None) -> int | None:
        calls.append((name, within_days))
        return counts.get((name, within_days), 0)

    count.calls = calls  # type: ignore[attr-defined]
    return count


@pytest.mark.parametrize(
    "op,value,count,expected",
    [
        ("count_gte", 3, 3, True),
        ("count_gte", 3, 2, False),
        ("count_gt", 3, 3, False),
        ("count_lt", 1, 0, True),
        ("count_lt", 1, 1, False),
        ("count_lte", 1, 1, True),
        ("count_eq", 0, 0, True),
        ("count_eq", 2, 3, False),
    ],
)
def test_event_counts(op: str, value: int, count: int, expected: bool) -> None:
    counter = _counter({("report_created", 7): count})
    rule = {"event": "report_created", "op": op, "value": value, "within_days": 7}
    ctx = make_ctx(event_count=counter)
    assert evaluate(rule, ctx) is expected
    assert counter.calls == [("report_created", 7)]
    tree = explain_rule(rule, ctx)
    assert tree["passed"] is expected and tree["seen"] == count
    assert "in the last 7 days" in tree["reason"]


def test_event_history_unavailable_or_broken_fails_closed() -> None:
    rule = {"event": "report_created", "op": "count_lt", "value": 1}

    def broken(name: str, within_days: int | None) -> int | None:
        raise RuntimeError("database is down")

    for ctx in (make_ctx(), make_ctx(event_count=lambda n, d: None), make_ctx(event_count=broken)):
        assert not evaluate(rule, ctx)
        assert not evaluate({"not": rule}, ctx)
        assert "event history not available" in explain_rule(rule, ctx)["reason"]


def test_fractional_event_window_rounds_up() -> None:
    counter = _counter({})
    evaluate(
        {"event": "e", "op": "count_eq", "value": 0, "within_days": 1.5},
        make_ctx(event_count=counter),
    )
    assert counter.calls == [("e", 2)]


def test_cheap_conditions_run_before_event_queries() -> None:
    counter = _counter({})
    rule = {"all": [{"event": "e", "op": "count_gte", "value": 1}, FREE]}
    assert not evaluate(rule, make_ctx(event_count=counter))
    assert counter.calls == []  # plan != free decided it without a query


@pytest.mark.parametrize(
    "rule",
    [
        "pro",
        42,
        [],
        {},
        {"all": "x"},
        {"any": None},
        {"attr": "plan", "op": "eq", "value": 1},
        {"attr": "user.", "op": "eq", "value": 1},
        {"attr": "user..x", "op": "eq", "value": 1},
        {"attr": "user.x", "op": "like", "value": "a"},
        {"attr": "user.x", "op": "eq", "value": [1]},
        {"attr": "user.x", "op": "in", "value": "pro"},
        {"attr": "user.x", "op": "in", "value": [[1]]},
        {"attr": "user.x", "op": "within_days", "value": -1},
        {"attr": "user.x", "op": "within_days", "value": True},
        {"attr": "user.x", "op": "before", "value": "soon"},
        {"attr": "user.x", "op": "gt", "value": []},
        {"segment": "", "op": "member"},
        {"segment": "s", "op": "maybe"},
        {"event": "e", "op": "count_gte", "value": -1},
        {"event": "e", "op": "count_gte"},
        {"event": "e", "op": "count_gte", "value": 1, "within_days": "7"},
        {"attr": "user.x", "op": "exists", "segment": "s"},
    ],
)
def test_malformed_rules_match_nobody_and_say_why(rule: Any) -> None:
    ctx = make_ctx({"x": 1, "plan": "pro"}, segments=frozenset({"s"}))
    assert compile_rule(rule)(ctx) is False
    assert not evaluate({"not": rule}, ctx)  # malformed anywhere poisons the whole rule
    tree = explain_rule({"not": rule}, ctx)
    assert tree["passed"] is False and tree["reason"].startswith("malformed rule")


def test_explain_tree_reports_every_condition_with_values() -> None:
    rule = {
        "all": [
            {"attr": "user.plan", "op": "in", "value": ["pro", "team"]},
            {"attr": "user.created_at", "op": "within_days", "value": 14},
            {"not": {"attr": "user.role", "op": "eq", "value": "guest"}},
            {"attr": "user.seats", "op": "gt", "value": 5},
        ]
    }
    ctx = make_ctx({"plan": "free", "created_at": "2026-11-20", "seats": "ten"})
    tree = explain_rule(rule, ctx)
    assert tree["passed"] is False
    assert tree["reason"] == "2 of 4 conditions failed"
    plan, created, role, seats = tree["children"]
    assert plan == {
        "rule": rule["all"][0],
        "passed": False,
        "seen": "free",
        "reason": "user.plan is 'free', not in ['pro', 'team']",
        "children": [],
    }
    assert created["passed"] and "3.3 days ago" in created["reason"]
    assert role["passed"] and role["children"][0]["reason"] == "user.role is not set"
    assert seats["seen"] == "ten" and "not a number" in seats["reason"]


def test_explain_never_short_circuits_but_evaluate_does() -> None:
    counter = _counter({})
    ctx = make_ctx(event_count=counter)
    rule = {"any": [PRO, {"event": "e", "op": "count_gte", "value": 1}]}
    assert evaluate(rule, ctx) and counter.calls == []
    assert len(explain_rule(rule, ctx)["children"]) == 2 and counter.calls == [("e", None)]


def test_explain_of_no_rule_says_everyone() -> None:
    tree = explain_rule(None, make_ctx())
    assert tree["passed"] is True and "everyone" in tree["reason"]


def test_rules_dumped_by_the_pydantic_models_evaluate_as_documented() -> None:
    from datetime import date

    from server.targeting.rules import parse_rule

    rule = parse_rule(
        {
            "all": [
                {"attr": "user.plan", "op": "in", "value": ["pro", "team"]},
                {"attr": "user.created_at", "op": "within_days", "value": 14},
                {"attr": "user.created_at", "op": "before", "value": date(2026, 12, 1)},
                {"attr": "user.email", "op": "exists"},
                {"segment": "nps-detractors", "op": "not_member"},
                {"event": "report_created", "op": "count_lt", "value": 1, "within_days": 30},
                {"not": {"attr": "user.role", "op": "eq", "value": "guest"}},
            ]
        }
    )
    traits = {"plan": "team", "created_at": "2026-11-20T10:00:00+09:00", "email": "a@b.jp"}
    ctx = make_ctx(traits, segments=frozenset(), event_count=lambda name, days: 0)
    assert evaluate(rule, ctx) is True
    assert explain_rule(rule, ctx)["reason"] == "all 7 conditions passed"
    assert evaluate(rule, make_ctx({**traits, "role": "guest"}, segments=frozenset())) is False


def test_absurdly_deep_rules_fail_closed_instead_of_raising() -> None:
    rule: dict[str, Any] = PRO
    for _ in range(5_000):
        rule = {"not": {"not": rule}}
    assert evaluate(rule, make_ctx()) is False
    assert explain_rule(rule, make_ctx())["passed"] is False

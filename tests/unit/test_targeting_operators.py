"""Attribute operators, one table per operator, each row checked by evaluate and explain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.targeting import EvalContext, compile_rule, evaluate, explain_rule

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
EPOCH_S = int((NOW - timedelta(days=3)).timestamp())
EPOCH_MS = EPOCH_S * 1000


def make_ctx(traits: dict[str, Any] | None = None, **kw: Any) -> EvalContext:
    return EvalContext(
        user_id=kw.pop("user_id", "user-42"),
        user_traits=traits if traits is not None else {},
        account_id=kw.pop("account_id", None),
        account_traits=kw.pop("account_traits", {}),
        now=kw.pop("now", NOW),
        **kw,
    )


def check(
    traits: dict[str, Any], op: str, value: Any, expected: bool, attr: str = "user.x"
) -> None:
    rule = {"attr": attr, "op": op, "value": value}
    ctx = make_ctx(traits)
    assert evaluate(rule, ctx) is expected, rule
    tree = explain_rule(rule, ctx)
    assert tree["passed"] is expected, tree
    assert tree["reason"]


def rows(*items: tuple[Any, ...]) -> Any:
    return pytest.mark.parametrize(
        "trait,value,expected",
        [i[:3] for i in items],
        ids=[i[3] if len(i) > 3 else repr(i[:2]) for i in items],
    )


class _Missing:
    """Marks an absent trait; a stable repr keeps test ids equal across xdist workers."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _traits(trait: Any) -> dict[str, Any]:
    return {} if trait is MISSING else {"x": trait}


@rows(
    ("pro", "pro", True),
    ("Pro", "pro", False, "case-sensitive"),
    ("ぷろ", "ぷろ", True, "unicode"),
    (1, 1.0, True, "int equals float"),
    (1.5, 1.5, True),
    (2, 1, False),
    (True, True, True),
    (True, 1, False, "bool is not a number"),
    (1, True, False),
    ("1", 1, False, "text is not a number"),
    (MISSING, "pro", False, "missing"),
    (None, "pro", False, "null is missing"),
    (["pro"], "pro", False, "list is not equal"),
)
def test_eq(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "eq", value, expected)


@rows(
    ("pro", "pro", False),
    ("free", "pro", True),
    (1.0, 1, False, "numeric"),
    (MISSING, "pro", True, "missing passes"),
    (None, "pro", True, "null passes"),
    (True, 1, True, "bool differs from number"),
    ({"a": 1}, "pro", True, "object differs"),
)
def test_neq(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "neq", value, expected)


@rows(
    ("pro", ["pro", "team"], True),
    ("free", ["pro", "team"], False),
    (3, [1, 3.0], True),
    (True, [1, 2], False, "bool not in numbers"),
    (1, [True], False, "number not in bools"),
    (False, [False], True),
    ("1", [1], False),
    (MISSING, ["pro"], False, "missing"),
    (["pro"], ["pro"], False, "list trait"),
    ({"k": 1}, ["k"], False, "unhashable trait"),
)
def test_in(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "in", value, expected)


@rows(
    ("pro", ["pro", "team"], False),
    ("free", ["pro", "team"], True),
    (MISSING, ["pro"], True, "missing passes"),
    (2.0, [2], False),
)
def test_not_in(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "not_in", value, expected)


@rows(
    ("hello@acme.co.jp", "@acme", True),
    ("hello", "HELLO", False, "case-sensitive"),
    ("東京都港区", "港区", True, "unicode substring"),
    (["admin", "dev"], "dev", True),
    (["admin"], "ad", False, "list membership is exact"),
    ([1, 2], 2.0, True),
    ([True], 1, False, "bool in list is not 1"),
    (12345, "23", False, "number is not text"),
    ("12345", 23, False),
    (MISSING, "a", False),
    ({"dev": 1}, "dev", False, "object"),
)
def test_contains(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "contains", value, expected)


@pytest.mark.parametrize(
    "op,trait,value,expected",
    [
        ("gt", 10, 5, True),
        ("gt", 5, 5, False),
        ("gte", 5, 5.0, True),
        ("lt", 4.5, 5, True),
        ("lte", 5, 5, True),
        ("lte", 6, 5, False),
        ("gt", "10", 5, False),
        ("gt", True, 0, False),
        ("gt", "2026-12-02", "2026-12-01", True),
        ("gte", "2026-12-01", "2026-12-01", True),
        ("lt", "2026-11-30T23:59:59Z", "2026-12-01", True),
        ("gt", "2026-12-01T00:00:01", "2026-12-01", True),  # naive datetime is UTC
        ("gt", "2026-12-01T08:00:00+09:00", "2026-12-01", False),  # 2026-11-30T23:00Z
        ("gt", EPOCH_S, "2026-01-01", False),  # epochs are not ISO dates for gt
        ("gt", "banana", "apple", False),  # strings that are not dates never compare
        ("lt", "not a date", "2026-12-01", False),
        ("gt", None, 1, False),
        ("lt", [1], 5, False),
    ],
)
def test_ordering(op: str, trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), op, value, expected)


@pytest.mark.parametrize(
    "op,trait,expected",
    [
        ("exists", "x", True),
        ("exists", 0, True),
        ("exists", False, True),
        ("exists", "", True),
        ("exists", None, False),
        ("exists", MISSING, False),
        ("exists", [], True),
        ("not_exists", MISSING, True),
        ("not_exists", None, True),
        ("not_exists", 0, False),
    ],
)
def test_exists(op: str, trait: Any, expected: bool) -> None:
    rule = {"attr": "user.x", "op": op}  # exists has no value once dumped
    assert evaluate(rule, make_ctx(_traits(trait))) is expected


@rows(
    ("2026-11-20", 14, True, "date 3 days ago"),
    ("2026-11-01", 14, False, "22 days ago"),
    ("2026-11-09T08:00:00Z", 14, True, "exactly 14 days"),
    ("2026-11-09T07:59:59Z", 14, False),
    ("2026-11-23T20:00:00", 1, True, "naive, 12 hours ahead"),
    ("2026-11-25", 30, False, "more than a day in the future"),
    (EPOCH_S, 7, True, "epoch s"),
    (EPOCH_MS, 7, True, "epoch ms"),
    (EPOCH_MS, 2, False),
    ("yesterday", 7, False),
    (True, 7, False, "bool is not a date"),
    (MISSING, 7, False),
    (1.5e300, 7, False, "overflow"),
    ("2026-11-23", 0, False, "zero days: midnight is 8h ago"),
    ("2026-11-23T08:00Z", 0, True),
)
def test_within_days(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "within_days", value, expected)


@rows(
    ("2026-11-01", 14, True),
    ("2026-11-20", 14, False),
    ("2026-11-09T07:59:59Z", 14, True),
    ("2027-01-01", 0, False, "future"),
    (EPOCH_MS, 2, True),
    (MISSING, 1, False),
    ("garbage", 1, False),
    (float("nan"), 1, False, "nan"),
)
def test_older_than_days(trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), "older_than_days", value, expected)


@pytest.mark.parametrize(
    "op,trait,value,expected",
    [
        ("before", "2026-11-30", "2026-12-01", True),
        ("before", "2026-12-01", "2026-12-01", False),
        ("before", "2026-11-30T23:59:59", "2026-12-01", True),
        ("after", "2026-12-01T00:00:01Z", "2026-12-01", True),
        ("after", "2026-12-01T08:00:00+09:00", "2026-12-01", False),
        ("after", EPOCH_MS, "2026-11-01", True),
        ("before", EPOCH_S, "2026-11-01", False),
        ("after", "2026-12-02", "2026-12-01T12:00:00+00:00", True),
        ("before", 7, "x", False),
        ("after", MISSING, "2026-01-01", False),
        ("after", "nope", "2026-01-01", False),
    ],
)
def test_before_after(op: str, trait: Any, value: Any, expected: bool) -> None:
    check(_traits(trait), op, value, expected)


def test_nested_paths_and_account_traits() -> None:
    ctx = make_ctx(
        {"company": {"size": 50, "geo": {"city": "大阪"}}, "plan": "pro"},
        account_id="acct-7",
        account_traits={"billing": {"mrr": 1200}},
    )
    assert evaluate({"attr": "user.company.size", "op": "gte", "value": 50}, ctx)
    assert evaluate({"attr": "user.company.geo.city", "op": "eq", "value": "大阪"}, ctx)
    assert evaluate({"attr": "account.billing.mrr", "op": "gt", "value": 1000}, ctx)
    assert not evaluate({"attr": "user.plan.tier", "op": "exists"}, ctx)  # through a string
    assert evaluate({"attr": "user.company.nope.x", "op": "not_exists"}, ctx)
    assert not evaluate({"attr": "account.billing", "op": "eq", "value": 1}, ctx)


def test_external_ids_come_from_the_context_not_traits() -> None:
    ctx = make_ctx({"id": "spoofed"}, account_id="acct-7", account_traits={"id": "nope"})
    assert evaluate({"attr": "user.id", "op": "eq", "value": "user-42"}, ctx)
    assert evaluate({"attr": "account.id", "op": "in", "value": ["acct-7"]}, ctx)
    no_account = make_ctx({})
    assert evaluate({"attr": "account.id", "op": "not_exists"}, no_account)
    assert not evaluate({"attr": "account.id", "op": "eq", "value": "acct-7"}, no_account)


def test_negated_operators_are_exact_complements() -> None:
    pairs = [("eq", "neq", "pro"), ("in", "not_in", ["pro"]), ("exists", "not_exists", None)]
    for trait in ("pro", "free", 1, True, None, ["pro"], {"a": 1}):
        ctx = make_ctx({"x": trait})
        for positive, negative, value in pairs:
            pos = evaluate({"attr": "user.x", "op": positive, "value": value}, ctx)
            neg = evaluate({"attr": "user.x", "op": negative, "value": value}, ctx)
            assert pos is not neg, (trait, positive)


def test_naive_now_is_treated_as_utc() -> None:
    ctx = make_ctx({"x": "2026-11-20"}, now=datetime(2026, 11, 23, 8, 0))
    assert ctx.now.tzinfo is UTC
    assert evaluate({"attr": "user.x", "op": "within_days", "value": 7}, ctx)


def test_compiled_rule_is_reusable_across_users() -> None:
    predicate = compile_rule({"attr": "user.plan", "op": "in", "value": ["pro", "team"]})
    assert [predicate(make_ctx({"plan": p})) for p in ("pro", "free", "team")] == [
        True,
        False,
        True,
    ]


def test_every_operator_is_documented() -> None:
    from pathlib import Path

    from server.targeting.operators import ATTR_OPS, EVENT_OPS, SEGMENT_OPS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "targeting.md").read_text("utf-8")
    for op in (*ATTR_OPS, *EVENT_OPS, *SEGMENT_OPS):
        assert f"`{op}`" in doc, op

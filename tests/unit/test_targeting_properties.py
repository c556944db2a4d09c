"""Property tests: the evaluator never raises, and explain agrees with evaluate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.targeting import EvalContext, compile_rule, evaluate, explain_rule
from server.targeting.operators import ATTR_OPS, EVENT_OPS

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
KEYS = ["plan", "x", "created_at", "company", "size", "tags", "名前"]

dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.sampled_from([None, UTC])).map(lambda d: d.isoformat()),
    st.integers(min_value=-(10**13), max_value=10**14),  # epoch s and ms
    st.sampled_from(["2026-11-20", "2026-11-23T07:00:00Z", "2026-13-45", "Z", "2026-11-20T25:00"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["pro", "free", "team", "ぷろ"]),
    dates,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
traits = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
GOOD_ATTRS = [
    "user.plan",
    "user.x",
    "user.created_at",
    "user.company.size",
    "user.id",
    "account.id",
    "account.size",
    "account.company.x",
    "user.tags",
]
non_null = scalars.filter(lambda v: v is not None)


def _value_for(op: str) -> st.SearchStrategy[Any]:
    if op in ("in", "not_in"):
        return st.lists(non_null, min_size=1, max_size=5)
    if op in ("gt", "gte", "lt", "lte"):
        return st.one_of(st.integers(), st.floats(allow_nan=False), dates, st.text(max_size=5))
    if op in ("within_days", "older_than_days"):
        return st.one_of(st.integers(0, 400), st.floats(0, 1e6))
    if op in ("before", "after"):
        return st.one_of(
            st.dates().map(lambda d: d.isoformat()),
            st.sampled_from(["2026-11-20", "2026-11-23T07:00:00+09:00", "2026-11-23T09:00:00Z"]),
        )
    return non_null


valid_attr_rules = st.sampled_from([op for op in ATTR_OPS if "exists" not in op]).flatmap(
    lambda op: st.fixed_dictionaries(
        {"attr": st.sampled_from(GOOD_ATTRS), "op": st.just(op), "value": _value_for(op)}
    )
)
exists_rules = st.fixed_dictionaries(
    {"attr": st.sampled_from(GOOD_ATTRS), "op": st.sampled_from(["exists", "not_exists"])}
)
valid_segment_rules = st.fixed_dictionaries(
    {"segment": st.sampled_from(["a", "b", "c"]), "op": st.sampled_from(["member", "not_member"])}
)
valid_event_rules = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["e1", "e2"]),
        "op": st.sampled_from(EVENT_OPS),
        "value": st.integers(0, 5),
    },
    optional={"within_days": st.integers(0, 30)},
)
# Garbage of every kind: unknown ops, wrong value types, bad paths, non-dict rules.
garbage = st.one_of(
    st.fixed_dictionaries(
        {
            "attr": st.one_of(st.sampled_from(GOOD_ATTRS), st.text(max_size=10)),
            "op": st.one_of(st.sampled_from(ATTR_OPS), st.text(max_size=4)),
        },
        optional={"value": st.one_of(json_values, st.lists(scalars, max_size=5))},
    ),
    st.fixed_dictionaries(
        {"segment": st.one_of(st.just(""), json_values), "op": st.sampled_from(["member", "nope"])}
    ),
    st.fixed_dictionaries(
        {
            "event": st.sampled_from(["e1", ""]),
            "op": st.sampled_from([*EVENT_OPS, "count_xx"]),
            "value": st.one_of(st.integers(-2, 5), st.floats(), st.text(max_size=2)),
        },
        optional={"within_days": st.one_of(st.none(), st.integers(-1, 30), st.floats())},
    ),
    json_values,
)
leaves = st.one_of(
    valid_attr_rules,
    valid_attr_rules,
    valid_attr_rules,
    exists_rules,
    valid_segment_rules,
    valid_event_rules,
    garbage,
)
rules = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.fixed_dictionaries({"all": st.lists(inner, max_size=4)}),
        st.fixed_dictionaries({"any": st.lists(inner, max_size=4)}),
        st.fixed_dictionaries({"not": inner}),
        st.fixed_dictionaries({"all": st.lists(inner, max_size=4)}),
        st.fixed_dictionaries({"any": st.lists(inner, max_size=4)}),
        st.dictionaries(st.sampled_from(["all", "any", "not", "attr"]), inner, max_size=2),
    ),
    max_leaves=8,
)
counts = st.one_of(st.none(), st.integers(-1, 6), st.just("3"), st.just(True), st.just("raise"))


@st.composite
def contexts(draw: st.DrawFn) -> EvalContext:
    count = draw(st.dictionaries(st.sampled_from(["e1", "e2"]), counts))

    def event_count(name: str, within_days: int | None) -> Any:
        result = count.get(name, 0)
        if result == "raise":
            raise RuntimeError("history store down")
        return result

    return EvalContext(
        user_id=draw(st.sampled_from(["user-42", "", "ユーザー"])),
        user_traits=draw(traits),
        account_id=draw(st.sampled_from([None, "acct-7", ""])),
        account_traits=draw(traits),
        now=NOW,
        segments=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(["a", "b", "c"])))),
        event_count=draw(st.sampled_from([None, event_count])),
    )


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rule=rules, ctx=contexts())
def test_evaluator_never_raises_and_explain_agrees(rule: Any, ctx: EvalContext) -> None:
    verdict = compile_rule(rule)(ctx)
    assert verdict is True or verdict is False
    tree = explain_rule(rule, ctx)
    assert tree["passed"] is verdict
    assert isinstance(tree["reason"], str) and tree["reason"]


@SETTINGS
@given(rule=rules, ctx=contexts())
def test_every_explained_subtree_agrees_with_evaluating_that_subtree(
    rule: Any, ctx: EvalContext
) -> None:
    def walk(node: dict[str, Any]) -> None:
        if node.get("unknown"):
            assert node["passed"] is False
        else:
            assert node["passed"] is evaluate(node["rule"], ctx), node
        for child in node["children"]:
            walk(child)

    walk(explain_rule(rule, ctx))


@SETTINGS
@given(value=scalars.filter(lambda v: v is not None), trait=json_values, ctx=contexts())
def test_negated_operators_are_complements(value: Any, trait: Any, ctx: EvalContext) -> None:
    ctx.user_traits = {"x": trait}
    for positive, negative in (("eq", "neq"), ("in", "not_in"), ("exists", "not_exists")):
        arg = [value] if positive == "in" else value
        pos = evaluate({"attr": "user.x", "op": positive, "value": arg}, ctx)
        neg = evaluate({"attr": "user.x", "op": negative, "value": arg}, ctx)
        assert pos is not neg


@SETTINGS
@given(rule=rules, ctx=contexts())
def test_double_negation_is_identity_and_not_flips_known_results(
    rule: Any, ctx: EvalContext
) -> None:
    if rule is None:  # None means "everyone" only at the top; nested it is malformed
        return
    plain = evaluate(rule, ctx)
    assert evaluate({"not": {"not": rule}}, ctx) is plain
    if plain:
        assert evaluate({"not": rule}, ctx) is False

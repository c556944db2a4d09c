"""The evaluator's fast paths agree with the explainer's slow ones.

The evaluator runs fused leaf closures, plain boolean groups, a per-context date cache,
compiled schedules and frequencies; the explainer runs ``Leaf.fetch``/``Leaf.test`` and
``frequency_allows``/``schedule_allows``.  These properties hold them together.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.targeting import (
    CompiledGuide,
    EvalContext,
    GuideStateView,
    compile_rule,
    explain_guide,
    frequency_allows,
    frequency_ok,
    operators,
    partition_eligible,
    schedule_allows,
)
from server.targeting.evaluate import Node, compile_tree, evaluate_node, run_leaf
from server.targeting.explain import explain_rule
from server.targeting.frequency import compile_frequency, compile_schedule
from server.targeting.operators import ATTR_OPS, EVENT_OPS
from tests.unit.test_targeting_properties import contexts, dates, rules

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKYO = timezone(timedelta(hours=9))

# Leaves on every path shape the fused compiler specialises: one part (user and account),
# two and three parts, and the external ids.
ATTRS = [
    "user.x",
    "user.plan",
    "account.x",
    "user.company.size",
    "account.company.x",
    "user.company.geo.x",
    "user.id",
    "account.id",
]
KEYS = ["x", "plan", "company", "size", "geo"]
trait_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["pro", "team", "", "pro ", "@acme", "kei@acme.jp", "beta"]),
        st.text(max_size=8),
        dates,
        st.sampled_from([date(2026, 11, 20), datetime(2026, 11, 20, 9), NOW]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=10,
)
trait_dicts = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), trait_values, max_size=5),
    st.sampled_from([None, [], "traits"]),  # not a dict at all: every path is missing
)
scalar_values = st.one_of(
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.sampled_from(["pro", "team", "@acme", "beta", "", "2026-11-20"]),
    st.text(max_size=4),
)


def _value_for(op: str) -> st.SearchStrategy[Any]:
    if op in ("in", "not_in"):
        return st.one_of(
            st.lists(st.sampled_from(["pro", "team", "beta", ""]), min_size=1, max_size=3),
            st.lists(scalar_values, min_size=1, max_size=4),
        )
    if op in ("gt", "gte", "lt", "lte"):
        return st.one_of(st.integers(-3, 3), st.floats(allow_nan=False), dates, st.text(max_size=3))
    if op in ("within_days", "older_than_days"):
        return st.one_of(st.integers(0, 400), st.floats(0, 1e6), st.sampled_from([0.5, 1e9]))
    if op in ("before", "after"):
        return st.one_of(
            st.dates().map(lambda d: d.isoformat()),
            st.sampled_from(["2026-11-20", "2026-11-23T07:00:00+09:00", "2026-11-23T09:00:00Z"]),
        )
    return scalar_values


attr_leaves = st.sampled_from(ATTR_OPS).flatmap(
    lambda op: st.fixed_dictionaries(
        {"attr": st.sampled_from(ATTRS), "op": st.just(op), "value": _value_for(op)}
    )
)
segment_leaves = st.fixed_dictionaries(
    {"segment": st.sampled_from(["a", "b"]), "op": st.sampled_from(["member", "not_member"])}
)
event_leaves = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["e1", "e2"]),
        "op": st.sampled_from(EVENT_OPS),
        "value": st.integers(0, 3),
    },
    optional={"within_days": st.one_of(st.integers(0, 30), st.floats(0, 30))},
)


@st.composite
def leaf_contexts(draw: st.DrawFn) -> EvalContext:
    ctx = draw(contexts())
    ctx.user_traits = draw(trait_dicts)  # type: ignore[assignment]
    ctx.account_traits = draw(trait_dicts)  # type: ignore[assignment]
    ctx.user_id = draw(st.sampled_from(["user-42", "", "2026-11-20"]))
    ctx.account_id = draw(st.sampled_from([None, "", "acct-7", "1"]))
    return ctx


def _walk(node: Node, tree: dict[str, Any], ctx: EvalContext) -> None:
    """Every compiled node evaluates (fused) to what the explainer says about it."""
    result = evaluate_node(node, ctx)
    if not node.unknowable:
        assert result is True or result is False, (node.rule, result)
    expected = None if tree.get("unknown") else tree["passed"]
    assert result is expected, (node.rule, result, tree)
    for child, child_tree in zip(node.children, tree["children"], strict=True):
        _walk(child, child_tree, ctx)


@SETTINGS
@given(rule=st.one_of(attr_leaves, segment_leaves, event_leaves), ctx=leaf_contexts())
def test_fused_leaf_agrees_with_leaf_fetch_and_test(rule: dict[str, Any], ctx: EvalContext) -> None:
    try:
        node = compile_tree(rule)
    except operators.Malformed:
        assert compile_rule(rule)(ctx) is False
        return
    assert node.leaf is not None
    _seen, expected = run_leaf(node.leaf, ctx)
    # Twice on one context: the second run reads dates from the context's cache.
    assert evaluate_node(node, ctx) is expected
    assert evaluate_node(node, ctx) is expected
    assert compile_rule(rule)(ctx) is (expected is True)


# Every op × a pool of rule values × a pool of traits chosen to sit on the edges: equal
# numbers of other types (1, 1.0, True), dates exactly at a limit, epoch seconds and
# milliseconds, text that is almost a date, lists mixing types.
_AT = NOW - timedelta(days=30)
EDGE_TRAITS: list[Any] = [
    None, True, False, 0, 1, 1.0, -1, 2.5, 3, 100, float("nan"), float("inf"), "", "pro",
    "Pro", "1", "true", "@acme", "kei@acme.jp", "beta", ["beta"], ["pro", 1], [1, True],
    [True], [1.0], ("beta",), [["pro"]], {"size": 3}, {},
    _AT.isoformat(), (_AT + timedelta(microseconds=1)).isoformat(),
    (_AT - timedelta(microseconds=1)).isoformat(), _AT.date().isoformat(),
    (NOW + timedelta(days=1)).isoformat(), (NOW + timedelta(days=1, seconds=1)).isoformat(),
    "2026-11-20", "2026-11-20T10:00:00+09:00", "2026-11-01", "2027-01-01T00:00:00Z",
    "2026-13-45", "Z", int(_AT.timestamp()), int(_AT.timestamp()) * 1000,
    _AT.timestamp() + 0.5, 10**11, 10**11 - 1, date(2026, 11, 20), _AT,
]  # fmt: skip
EDGE_VALUES: dict[str, list[Any]] = {
    "eq": ["pro", 1, 1.0, True, False, 0, "1", "", 2.5],
    "in": [["pro", "team"], [1, "pro"], [True], [1.0, False], ["1", 1], [""], [0]],
    "contains": ["beta", "@acme", 1, True, 1.0, "", "pro"],
    "gt": [0, 1, 2.5, -1, "2026-11-01", "2026-10-24T08:00:00Z", "abc", True],
    "exists": [None],
    "within_days": [0, 1, 30, 0.5, 1e6, 1e9],
    "before": ["2026-11-20", _AT.isoformat(), "2026-10-24T17:00:00+09:00"],
}
for _op, _base in (("neq", "eq"), ("not_in", "in"), ("gte", "gt"), ("lt", "gt"), ("lte", "gt"),
                   ("not_exists", "exists"), ("older_than_days", "within_days"),
                   ("after", "before")):  # fmt: skip
    EDGE_VALUES[_op] = EDGE_VALUES[_base]


def test_fused_leaves_agree_with_leaf_fetch_and_test_on_edge_values() -> None:
    assert set(EDGE_VALUES) == set(ATTR_OPS)
    checked = 0
    for op, values in EDGE_VALUES.items():
        for value in values:
            for attr in ("user.x", "account.x", "user.company.x", "user.company.geo.x"):
                try:
                    node = compile_tree({"attr": attr, "op": op, "value": value})
                except operators.Malformed:
                    continue
                assert node.leaf is not None
                for trait in EDGE_TRAITS:
                    nested = {"company": {"x": trait, "geo": {"x": trait}}, "x": trait}
                    ctx = EvalContext("u", nested, "a", nested, NOW)
                    expected = run_leaf(node.leaf, ctx)[1]
                    got = (evaluate_node(node, ctx), evaluate_node(node, ctx))
                    assert got == (expected, expected), (attr, op, value, trait)
                    checked += 1
    assert checked > 10_000


@SETTINGS
@given(
    rule=st.recursive(
        st.one_of(attr_leaves, attr_leaves, segment_leaves, event_leaves),
        lambda inner: st.one_of(
            st.fixed_dictionaries({"all": st.lists(inner, max_size=4)}),
            st.fixed_dictionaries({"any": st.lists(inner, max_size=4)}),
            st.fixed_dictionaries({"not": inner}),
        ),
        max_leaves=10,
    ),
    ctx=leaf_contexts(),
)
def test_every_fused_node_agrees_with_the_explained_node(
    rule: dict[str, Any], ctx: EvalContext
) -> None:
    try:
        node = compile_tree(rule)
    except operators.Malformed:
        return
    _walk(node, explain_rule(rule, ctx), ctx)


@SETTINGS
@given(rule=rules, ctx=contexts())
def test_fused_nodes_agree_on_the_general_rule_strategy(rule: Any, ctx: EvalContext) -> None:
    try:
        node = compile_tree(rule)
    except Exception:
        return
    _walk(node, explain_rule(rule, ctx), ctx)


@SETTINGS
@given(
    leaves=st.lists(attr_leaves, min_size=2, max_size=6),
    ctx=leaf_contexts(),
)
def test_a_shared_context_gives_the_same_answers_as_fresh_ones(
    leaves: list[dict[str, Any]], ctx: EvalContext
) -> None:
    """The date cache lives on the context: reusing it across rules changes nothing."""
    predicates = [compile_rule(leaf) for leaf in leaves]
    shared = [p(ctx) for p in predicates]
    fresh = []
    for p in predicates:
        ctx.date_cache = None
        fresh.append(p(ctx))
    assert shared == fresh


def test_each_date_trait_is_parsed_once_per_context(monkeypatch: Any) -> None:
    calls: list[Any] = []
    real = operators.parse_datetime

    def counting(value: Any, *, epoch: bool = True) -> Any:
        calls.append(value)
        return real(value, epoch=epoch)

    monkeypatch.setattr(operators, "parse_datetime", counting)
    rule = {
        "all": [
            {"attr": "user.created_at", "op": "within_days", "value": 30},
            {"attr": "user.created_at", "op": "older_than_days", "value": 1},
            {"attr": "user.created_at", "op": "after", "value": "2026-01-01"},
            {"attr": "user.created_at", "op": "gte", "value": "2026-01-01"},
            {"attr": "user.signup", "op": "before", "value": "2027-01-01"},
        ]
    }
    predicates = [compile_rule(rule) for _ in range(20)]
    calls.clear()  # the rule side was parsed when compiling
    ctx = EvalContext("u", {"created_at": "2026-11-10", "signup": 1_763_000_000_000}, None, {}, NOW)
    assert all(p(ctx) for p in predicates)
    assert sorted(map(str, calls)) == ["1763000000000", "2026-11-10"]


def test_the_date_cache_never_mistakes_a_boolean_for_an_epoch_number() -> None:
    # True == 1 and hash(True) == hash(1): a cache keyed naively would answer for both.
    old = {"attr": "user.a", "op": "older_than_days", "value": 1}
    ctx = EvalContext("u", {"a": 1, "b": True}, None, {}, NOW)
    assert compile_rule(old)(ctx) is True  # epoch second 1 is in 1970
    assert compile_rule({**old, "attr": "user.b"})(ctx) is False  # a boolean is not a date
    ctx = EvalContext("u", {"a": 1, "b": True}, None, {}, NOW)
    assert compile_rule({**old, "attr": "user.b"})(ctx) is False
    assert compile_rule(old)(ctx) is True


# --- frequency and schedule ----------------------------------------------------------------

instants = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
        timezones=st.sampled_from([None, UTC, TOKYO]),
    ),
    st.sampled_from(
        [NOW, NOW - timedelta(days=7), NOW + timedelta(days=1), NOW.replace(tzinfo=None)]
    ),
)  # fmt: skip
states = st.one_of(
    st.none(),
    st.builds(
        GuideStateView,
        times_seen=st.one_of(st.integers(0, 4), st.just("many")),
        last_seen_at=instants,
        completed_at=instants,
        dismissed_at=instants,
        snoozed_until=instants,
        current_step=st.integers(0, 3),
    ),
)
counts = st.one_of(
    st.integers(-1, 10), st.floats(allow_nan=True), st.just("3"), st.none(), st.just(10**12)
)
frequencies = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"mode": st.sampled_from(["once", "until_completed", "every_days", "max_times", "x"])},
        optional={"days": counts, "times": counts},
    ),
    st.sampled_from(["once", {}, {"mode": ["once"]}, {"mode": None}]),
)
nows = st.one_of(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
        timezones=st.sampled_from([None, UTC, TOKYO]),
    ),
    st.just(NOW),
)  # fmt: skip


@SETTINGS
@given(freq=frequencies, state=states, now=nows)
def test_frequency_ok_agrees_with_frequency_allows(freq: Any, state: Any, now: datetime) -> None:
    expected = frequency_allows(freq, state, now)[0]
    assert frequency_ok(freq, state, now) is expected
    assert compile_frequency(freq)(state, now) is expected


def test_frequency_ok_agrees_with_frequency_allows_on_edge_values() -> None:
    week = timedelta(days=7)
    moments = [None, NOW, NOW - week, NOW - week + timedelta(microseconds=1), NOW - 2 * week,
               (NOW - week).replace(tzinfo=None), (NOW - week).astimezone(TOKYO),
               NOW + timedelta(microseconds=1)]  # fmt: skip
    freqs: list[Any] = [
             None, {"mode": "once"}, {"mode": "until_completed"},
             {"mode": "every_days", "days": 7}, {"mode": "every_days", "days": 7.0},
             {"mode": "every_days", "days": 10**12},
             {"mode": "every_days"}, {"mode": "max_times", "times": 2},
             {"mode": "max_times", "times": 1.5}, {"mode": "x"}, "once"]  # fmt: skip
    checked = 0
    for freq in freqs:
        for times_seen in (0, 1, 2, 3):
            for step in (0, 2):
                for last in moments:
                    for other in moments:
                        for field in ("completed_at", "dismissed_at", "snoozed_until"):
                            state = GuideStateView(times_seen=times_seen, current_step=step,
                                                   last_seen_at=last, **{field: other})  # fmt: skip
                            expected = frequency_allows(freq, state, NOW)[0]
                            assert frequency_ok(freq, state, NOW) is expected, (freq, state)
                            checked += 1
    assert checked > 10_000


@SETTINGS
@given(freq=frequencies, now=nows)
def test_a_guide_knows_whether_a_user_without_state_passes_its_frequency(
    freq: Any, now: datetime
) -> None:
    guide = CompiledGuide.build(key="g", frequency=freq)
    if freq is not None:  # build() turns None into once; the constructor keeps it
        assert CompiledGuide(key="g", priority=0, audience=compile_rule(None),
                             frequency=freq).fresh_ok is guide.fresh_ok  # fmt: skip
    assert guide.fresh_ok is frequency_allows(freq, None, now)[0]


bounds = st.one_of(
    st.none(),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 1, 1)),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 1, 1)).map(date.isoformat),
    instants.filter(lambda v: v is not None),
    instants.filter(lambda v: v is not None).map(lambda d: d.isoformat()),  # type: ignore[union-attr]
    st.sampled_from(["soon", "2026-13-01", "", 20261201, "9999-12-31", date(9999, 12, 31)]),
)
schedules = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"start": bounds, "end": bounds}),
    st.sampled_from(["2026-12-01", [], {"start": None, "end": None}]),
)


@SETTINGS
@given(schedule=schedules, now=nows)
def test_compiled_schedule_agrees_with_schedule_allows(schedule: Any, now: datetime) -> None:
    expected = schedule_allows(schedule, now)[0]
    assert compile_schedule(schedule)(now) is expected
    # partition_eligible compares the guide's window inline
    guide = CompiledGuide.build(key="g", schedule=schedule)
    ctx = EvalContext("u", {}, None, {}, now)
    assert bool(partition_eligible([guide], ctx, {}, now).shown) is expected


@settings(SETTINGS, max_examples=100)
@given(
    specs=st.lists(
        st.tuples(
            st.one_of(st.none(), attr_leaves),
            frequencies,
            schedules,
            st.sampled_from([0, 0, 30, 100]),
            states,
        ),
        max_size=6,
    ),
    ctx=leaf_contexts(),
    now=nows,
)
def test_partition_eligible_agrees_with_explain_guide(
    specs: list[tuple[Any, ...]], ctx: EvalContext, now: datetime
) -> None:
    guides, state_map = [], {}
    for i, (audience, freq, schedule, holdout, state) in enumerate(specs):
        key = f"g{i}"
        guides.append(
            CompiledGuide.build(
                key=key, priority=i % 2, audience=audience, frequency=freq,
                schedule=schedule, holdout_percent=holdout,
            )
        )  # fmt: skip
        if state is not None:
            state_map[key] = state
    result = partition_eligible(guides, ctx, state_map, now)
    offered, held = set(), set()
    for guide in guides:
        checks = explain_guide(guide, ctx, state_map.get(guide.key), now)
        if all(c["passed"] for c in checks):
            offered.add(guide.key)
        elif all(c["passed"] for c in checks if c["check"] != "holdout"):
            held.add(guide.key)
    assert {g.key for g in result.shown} == offered
    assert {g.key for g in result.held_out} == held
    assert [g.key for g in result.shown] == [
        g.key for g in sorted(result.shown, key=lambda g: (-g.priority, g.key))
    ]


def test_compiled_guide_keeps_its_keyword_constructor_and_compiles_the_schedule() -> None:
    # server/delivery/cache.py builds guides this way.
    guide = CompiledGuide(
        key="welcome", priority=3, audience=compile_rule(None), frequency={"mode": "once"},
        schedule={"start": "2026-12-01"}, holdout_percent=0, payload={"k": 1},
    )  # fmt: skip
    assert guide.schedule_check is not None
    assert guide.schedule_check(datetime(2026, 12, 1, tzinfo=UTC)) is True
    assert guide.schedule_check(NOW) is False
    assert CompiledGuide.build(key="always").schedule_check is None
    assert guide.fresh_ok is True
    assert CompiledGuide.build(key="bad", frequency={"mode": "every_days"}).fresh_ok is False

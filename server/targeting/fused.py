"""Leaf rules as one closure each, for the evaluator's hot path.

A :class:`~server.targeting.leaves.Leaf` keeps ``fetch`` and ``test`` apart so the
explainer can show what it saw; here the same three steps (read the trait, the missing
check, the operator) run in one closure, specialised at compile time on the path shape,
the op and the rule value's type.  A one-part path (``user.plan``) reads its trait dict
directly; ``user.id`` and deeper paths call the leaf's ``fetch``.  Each closure returns
``True``/``False`` (segments and events also ``None``: not available) and, like
``run_leaf``, turns an unexpected error into ``False``.

Property tests (tests/unit/test_targeting_properties.py) run every closure against its
``Leaf`` on random rules, traits and contexts; keep them passing when adding a case here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from server.targeting.context import EvalContext
from server.targeting.leaves import COUNT_OPS, Leaf, attr_path
from server.targeting.operators import (
    COMPARE,
    FUTURE_SLACK,
    NOT_CACHED,
    PASS_WHEN_MISSING,
    cached_date,
    contains_test,
    eq_kind,
    in_sets,
    order_bound,
    present_test,
    value_date,
    value_days,
)

Traits = dict[str, Any]
# Every closure takes (ctx, ut, at): the context and its user and account trait dicts,
# read once per rule by the caller (non-dicts replaced by an empty mapping), so a leaf
# neither reads them from ctx nor checks their type.
Check = Callable[[EvalContext, Traits, Traits], bool]
_SEQUENCE: Final = (list, tuple)  # not `list | tuple`: that builds a union on every call
_PAST_SLACK: Final = -FUTURE_SLACK
TriCheck = Callable[[EvalContext, Traits, Traits], "bool | None"]


def _constant(result: bool) -> Check:
    return (lambda ctx, ut, at: True) if result else (lambda ctx, ut, at: False)


def fuse_leaf(leaf: Leaf) -> TriCheck:
    """The evaluator's closure for ``leaf``: ``True``, ``False`` or ``None`` (unknown)."""
    if leaf.kind == "segment":
        return _segment(leaf)
    if leaf.kind == "event":
        return _event(leaf)
    return fuse_attr(leaf)


def fuse_attr(leaf: Leaf) -> Check:
    """One closure for an attribute leaf: read, missing check and operator together."""
    user, parts = attr_path(leaf.subject)
    op, value = leaf.op, leaf.value
    if len(parts) != 1 or parts == ("id",):
        return _composed(leaf)
    key = parts[0]
    neg = op in PASS_WHEN_MISSING
    if op in ("eq", "neq"):
        return _eq(user, key, value, neg)
    if op in ("in", "not_in"):
        return _in(user, key, value, op, neg)
    if op == "contains":
        return _contains(user, key, value)
    if op in COMPARE:
        return _order(user, key, op, value)
    if op in ("exists", "not_exists"):
        return _exists(user, key, op == "exists")
    if op in ("within_days", "older_than_days", "before", "after"):
        return _date(user, key, op, value)
    return _composed(leaf)  # pragma: no cover - every op is handled above


def _composed(leaf: Leaf) -> Check:
    """Read, then the operator (two calls): for ``user.id`` and nested paths."""
    user, parts = attr_path(leaf.subject)
    present = present_test(leaf.op, leaf.value)
    neg = leaf.op in PASS_WHEN_MISSING

    if parts == ("id",):

        def run_id(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = ctx.user_id if user else ctx.account_id
                if not seen:
                    return neg
                return present(seen, ctx)
            except Exception:
                return False

        return run_id
    if len(parts) == 2:
        outer, inner = parts

        def run_two(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                found = (ut if user else at).get(outer)
                seen = found.get(inner) if isinstance(found, dict) else None
                if seen is None:
                    return neg
                return present(seen, ctx)
            except Exception:
                return False

        return run_two

    def run_deep(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen: Any = ut if user else at
            for part in parts:
                if not isinstance(seen, dict):
                    return neg
                seen = seen.get(part)
            if seen is None:
                return neg
            return present(seen, ctx)
        except Exception:
            return False

    return run_deep


# Every closure below starts with the same read of a one-part path (no loop):
#     seen = (ut if user else at).get(key)
# and a missing trait (absent or null) returns `neg` (True only for neq / not_in).


def _eq(user: bool, key: str, value: Any, neg: bool) -> Check:
    kind = eq_kind(value)  # value was checked to be a scalar when the Leaf compiled
    if kind == "bool":

        def run_bool(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                if seen is None:
                    return neg
                return (seen is value) is not neg
            except Exception:
                return False

        return run_bool
    if kind == "str":

        def run_str(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                if seen is None:
                    return neg
                return (isinstance(seen, str) and seen == value) is not neg
            except Exception:
                return False

        return run_str

    def run_num(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen = (ut if user else at).get(key)
            if seen is None:
                return neg
            kind = type(seen)
            return ((kind is int or kind is float) and seen == value) is not neg
        except Exception:
            return False

    return run_num


def _in(user: bool, key: str, values: Any, op: str, neg: bool) -> Check:
    strs, nums, bools = in_sets(values, op)
    if nums or bools:
        present = present_test(op, values)

        def run_mixed(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                if seen is None:
                    return neg
                return present(seen, ctx)
            except Exception:
                return False

        return run_mixed

    def run_strs(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen = (ut if user else at).get(key)
            if seen is None:
                return neg
            return (isinstance(seen, str) and seen in strs) is not neg
        except Exception:
            return False

    return run_strs


def _contains(user: bool, key: str, value: Any) -> Check:
    if not isinstance(value, str):
        present = contains_test(value)

        def run_scalar(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                return seen is not None and present(seen)
            except Exception:
                return False

        return run_scalar

    def run_text(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen = (ut if user else at).get(key)
            if isinstance(seen, str):
                return value in seen
            if isinstance(seen, _SEQUENCE):
                for item in seen:
                    if isinstance(item, str) and item == value:
                        return True
            return False
        except Exception:
            return False

    return run_text


def _order(user: bool, key: str, op: str, value: Any) -> Check:
    bound = order_bound(op, value)
    if bound is None:
        return _constant(False)  # neither a number nor a date: never matches
    cmp = COMPARE[op]
    if isinstance(bound, datetime):

        def run_date(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                kind = type(seen)
                if seen is None or kind is int or kind is float or kind is bool:
                    return False  # dates compare as ISO text only
                when = cached_date(ctx, seen)
                return when is not None and cmp(when, bound)
            except Exception:
                return False

        return run_date
    return _NUMBER_ORDER[op](user, key, bound)


def _gt(user: bool, key: str, bound: float) -> Check:
    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen: Any = (ut if user else at).get(key)
            kind = type(seen)
            return (kind is int or kind is float) and seen > bound
        except Exception:
            return False

    return run


def _gte(user: bool, key: str, bound: float) -> Check:
    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen: Any = (ut if user else at).get(key)
            kind = type(seen)
            return (kind is int or kind is float) and seen >= bound
        except Exception:
            return False

    return run


def _lt(user: bool, key: str, bound: float) -> Check:
    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen: Any = (ut if user else at).get(key)
            kind = type(seen)
            return (kind is int or kind is float) and seen < bound
        except Exception:
            return False

    return run


def _lte(user: bool, key: str, bound: float) -> Check:
    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen: Any = (ut if user else at).get(key)
            kind = type(seen)
            return (kind is int or kind is float) and seen <= bound
        except Exception:
            return False

    return run


_NUMBER_ORDER: Final = {"gt": _gt, "gte": _gte, "lt": _lt, "lte": _lte}


def _exists(user: bool, key: str, wanted: bool) -> Check:
    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen = (ut if user else at).get(key)
            return (seen is not None) is wanted
        except Exception:
            return False

    return run


def _date(user: bool, key: str, op: str, value: Any) -> Check:
    if op in ("within_days", "older_than_days"):
        limit = value_days(value, op)
        within = op == "within_days"

        def run_age(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
            try:
                seen = (ut if user else at).get(key)
                if seen is None:
                    return False
                cache = ctx.date_cache  # cached_date, inlined for a cache hit
                kind = type(seen)
                if cache is not None and (kind is str or kind is int or kind is float):
                    when: Any = cache.get(seen, NOT_CACHED)
                    if when is NOT_CACHED:
                        when = cached_date(ctx, seen)
                else:
                    when = cached_date(ctx, seen)
                if when is None:
                    return False
                age = ctx.now - when
                return _PAST_SLACK <= age <= limit if within else age > limit
            except Exception:
                return False

        return run_age
    bound = value_date(value, op)
    before = op == "before"

    def run_bound(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        try:
            seen = (ut if user else at).get(key)
            if seen is None:
                return False
            cache = ctx.date_cache  # cached_date, inlined for a cache hit
            kind = type(seen)
            if cache is not None and (kind is str or kind is int or kind is float):
                when: Any = cache.get(seen, NOT_CACHED)
                if when is NOT_CACHED:
                    when = cached_date(ctx, seen)
            else:
                when = cached_date(ctx, seen)
            if when is None:
                return False
            return when < bound if before else when > bound
        except Exception:
            return False

    return run_bound


def _segment(leaf: Leaf, negate: bool = False) -> TriCheck:
    key, wanted = leaf.subject, (leaf.op == "member") is not negate
    failed = negate  # an error is False, so `not` of it is True

    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool | None:
        try:
            segments = ctx.segments
            if segments is None:
                return None  # membership not available: unknown, negated or not
            return (key in segments) is wanted
        except Exception:
            return failed

    return run


def fuse_negated_segment(leaf: Leaf) -> TriCheck:
    """``{not: {segment: …}}`` as one closure: the same as negating the leaf's result."""
    return _segment(leaf, negate=True)


def _event(leaf: Leaf) -> TriCheck:
    name, days, value = leaf.subject, leaf.within_days, leaf.value
    compare = COUNT_OPS[leaf.op]

    def run(ctx: EvalContext, ut: Traits, at: Traits) -> bool | None:
        counter = ctx.event_count
        if counter is None:
            return None
        try:
            count = counter(name, days)
        except Exception:  # a failing history store must not break bootstrap
            return None
        try:
            if type(count) is int and count >= 0:
                return compare(count, value)
            return None
        except Exception:
            return False

    return run

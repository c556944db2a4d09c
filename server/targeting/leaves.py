"""Compiled leaf rules (attribute, segment, event), shared by evaluate and explain.

Every leaf rule compiles into a :class:`Leaf`: ``fetch(ctx)`` reads the value the rule
looks at, ``test(seen, ctx)`` decides.  ``explain`` calls these two so it can show what
was seen.  The evaluator runs :mod:`server.targeting.fused` instead: the same checks,
fetch and test in one closure per leaf; property tests run both on random rules and
traits so the admin's "why didn't it show?" cannot disagree with what the SDK was served.

``test`` returns ``True``/``False``, or ``None`` when the data it needs is not available
(segment membership, event history): unknown fails closed at the top of the rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from server.targeting.context import EvalContext
from server.targeting.operators import (
    ATTR_OPS,
    MISSING,
    PASS_WHEN_MISSING,
    SEGMENT_OPS,
    UNAVAILABLE,
    Malformed,
    is_number,
    present_test,
)

Test = Callable[[Any, EvalContext], "bool | None"]
Fetch = Callable[[EvalContext], Any]


@dataclass(frozen=True, slots=True)
class Leaf:
    """A compiled leaf rule: what it reads (``fetch``) and how it decides (``test``)."""

    kind: str  # "attr" | "segment" | "event"
    subject: str  # "user.plan", a segment key, an event name
    op: str
    value: Any
    fetch: Fetch
    test: Test
    within_days: int | None = None


# --- fetchers and leaf compilers --------------------------------------------------


def attr_path(attr: Any) -> tuple[bool, tuple[str, ...]]:
    """``"user.company.size"`` -> ``(True, ("company", "size"))``; raises ``Malformed``."""
    if not isinstance(attr, str):
        raise Malformed(f"attr must be a string like 'user.plan', got {attr!r}")
    scope, _, path = attr.partition(".")
    parts = tuple(path.split("."))
    if scope not in ("user", "account") or not all(parts):
        raise Malformed(f"attr {attr!r} must be 'user.<path>' or 'account.<path>'")
    return scope == "user", parts


def attr_fetch(attr: Any) -> Fetch:
    """``fetch(ctx)``: the attribute's value, or ``MISSING``."""
    is_user, parts = attr_path(attr)
    if parts == ("id",):
        if is_user:
            return lambda ctx: ctx.user_id if ctx.user_id else MISSING
        return lambda ctx: ctx.account_id if ctx.account_id else MISSING
    if len(parts) == 1:
        key = parts[0]

        def fetch_one(ctx: EvalContext) -> Any:
            traits = ctx.user_traits if is_user else ctx.account_traits
            found = traits.get(key) if isinstance(traits, dict) else None
            return MISSING if found is None else found

        return fetch_one

    def fetch_path(ctx: EvalContext) -> Any:
        current: Any = ctx.user_traits if is_user else ctx.account_traits
        for part in parts:
            if not isinstance(current, dict):
                return MISSING
            current = current.get(part)
        return MISSING if current is None else current

    return fetch_path


def compile_attr(rule: dict[str, Any]) -> Leaf:
    """Compile ``{"attr", "op", "value"}``."""
    op = rule.get("op")
    if op not in ATTR_OPS:
        raise Malformed(f"attr {rule.get('attr')!r}: unknown op {op!r}")
    fetch = attr_fetch(rule.get("attr"))
    present = present_test(op, rule.get("value"))
    when_missing = op in PASS_WHEN_MISSING

    def test(seen: Any, ctx: EvalContext) -> bool:
        if seen is MISSING:
            return when_missing
        return bool(present(seen, ctx))

    return Leaf("attr", rule["attr"], op, rule.get("value"), fetch, test)


def compile_segment(rule: dict[str, Any]) -> Leaf:
    """Compile ``{"segment": KEY, "op": "member"|"not_member"}``."""
    key, op = rule.get("segment"), rule.get("op")
    if not isinstance(key, str) or not key:
        raise Malformed(f"segment must be a non-empty string, got {key!r}")
    if op not in SEGMENT_OPS:
        raise Malformed(f"segment {key!r}: unknown op {op!r}")

    def fetch(ctx: EvalContext) -> Any:
        segments = ctx.segments
        return UNAVAILABLE if segments is None else key in segments

    wanted = op == "member"

    def test(seen: Any, ctx: EvalContext) -> bool | None:
        return None if seen is UNAVAILABLE else seen is wanted

    return Leaf("segment", key, op, None, fetch, test)


COUNT_OPS: Final[dict[str, Callable[[int, float], bool]]] = {
    "count_gte": lambda n, v: n >= v,
    "count_gt": lambda n, v: n > v,
    "count_lt": lambda n, v: n < v,
    "count_lte": lambda n, v: n <= v,
    "count_eq": lambda n, v: n == v,
}


def compile_event(rule: dict[str, Any]) -> Leaf:
    """Compile ``{"event": NAME, "op": "count_*", "value": N, "within_days": D?}``."""
    name, op, value = rule.get("event"), rule.get("op"), rule.get("value")
    if not isinstance(name, str) or not name:
        raise Malformed(f"event must be a non-empty string, got {name!r}")
    if op not in COUNT_OPS:
        raise Malformed(f"event {name!r}: unknown op {op!r}")
    if not is_number(value) or not math.isfinite(value) or value < 0:
        raise Malformed(f"event {name!r}: value must be a count >= 0, got {value!r}")
    within = rule.get("within_days")
    if within is not None and (not is_number(within) or not math.isfinite(within) or within < 0):
        raise Malformed(f"event {name!r}: within_days must be a number >= 0, got {within!r}")
    # The counter takes whole days: fractions round up (a window never shrinks).
    days = None if within is None else math.ceil(within)
    compare = COUNT_OPS[op]

    def fetch(ctx: EvalContext) -> Any:
        counter = ctx.event_count
        if counter is None:
            return UNAVAILABLE
        try:
            count = counter(name, days)
        except Exception:  # a failing history store must not break bootstrap
            return UNAVAILABLE
        return count if type(count) is int and count >= 0 else UNAVAILABLE

    def test(seen: Any, ctx: EvalContext) -> bool | None:
        return None if seen is UNAVAILABLE else compare(seen, value)

    return Leaf("event", name, op, value, fetch, test, days)

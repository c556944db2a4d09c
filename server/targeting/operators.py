"""Attribute operators of the rule language, and the value coercions they share.

``present_test(op, value)`` compiles one operator into ``test(seen, ctx) -> bool`` for a
present (non-null) trait value; a missing trait is handled by the caller
(:mod:`server.targeting.leaves`).  Nothing here raises at evaluation time on odd
input; bad rule values raise ``Malformed`` at compile time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeGuard

if TYPE_CHECKING:
    from server.targeting.context import EvalContext


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING: Final = _Sentinel("MISSING")  # the attribute is absent or null
UNAVAILABLE: Final = _Sentinel("UNAVAILABLE")  # the data source is not available


class Malformed(ValueError):
    """A rule that cannot be compiled; the whole rule then matches nobody."""


ATTR_OPS: Final = (
    "eq", "neq", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "exists",
    "not_exists", "within_days", "older_than_days", "before", "after",
)  # fmt: skip
# A missing attribute fails every operator except these, which pass.
PASS_WHEN_MISSING: Final = frozenset({"neq", "not_in", "not_exists"})
EVENT_OPS: Final = ("count_gte", "count_gt", "count_lt", "count_lte", "count_eq")
SEGMENT_OPS: Final = ("member", "not_member")

_NUM: Final = (int, float)  # compared with type(x) in _NUM, which excludes bool
FUTURE_SLACK: Final = timedelta(days=1)
_PAST_SLACK: Final = -FUTURE_SLACK
_EPOCH_MS_FROM: Final = 1e11  # larger magnitudes are epoch milliseconds (1e11 s is year 5138)


def is_number(value: object) -> TypeGuard[int | float]:
    """True for ints and finite-or-not floats, but not for bools."""
    return type(value) in _NUM


def parse_datetime(value: object, *, epoch: bool = True) -> datetime | None:
    """Parse an ISO date/datetime string (or epoch s/ms number) to an aware UTC datetime.

    Dates without a time are midnight UTC; naive datetimes are UTC.  Returns ``None``
    for anything that is not a date.
    """
    try:
        if isinstance(value, str):
            if not 8 <= len(value) <= 40:
                return None
            parsed = datetime.fromisoformat(value)
        elif epoch and is_number(value):
            if not math.isfinite(value):
                return None
            seconds = value / 1000 if abs(value) >= _EPOCH_MS_FROM else value
            return datetime.fromtimestamp(seconds, UTC)
        elif isinstance(value, datetime):
            parsed = value
        elif isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        else:
            return None
        zone = parsed.tzinfo
        if zone is None:
            # = parsed.replace(tzinfo=UTC), at a quarter of the cost
            return datetime.combine(parsed, parsed.time(), UTC)
        return parsed if zone is UTC else parsed.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        return None


# --- value checks at compile time -------------------------------------------------------


def scalar_value(value: Any, op: str) -> Any:
    """The rule's value, if it is a string, number or boolean."""
    if isinstance(value, str | bool) or is_number(value):
        return value
    raise Malformed(f"op {op!r}: value must be a string, number or boolean, got {value!r}")


def value_date(value: Any, op: str) -> datetime:
    """The rule's value as an instant (an ISO date/datetime; no epoch numbers)."""
    parsed = parse_datetime(value, epoch=False)
    if parsed is None:
        raise Malformed(f"op {op!r}: value {value!r} is not an ISO date")
    return parsed


def value_days(value: Any, op: str) -> timedelta:
    """The rule's value as a number of days >= 0."""
    if not is_number(value) or not math.isfinite(value) or value < 0:
        raise Malformed(f"op {op!r}: value must be a number of days >= 0, got {value!r}")
    try:
        return timedelta(days=value)
    except OverflowError as exc:
        raise Malformed(f"op {op!r}: {value!r} days is out of range") from exc


# --- attribute predicates (called only with a present value) ----------------------------
#
# Each is specialised at compile time on the op and the rule value's type, so the
# per-user work is one comparison.  ``server.targeting.fused`` inlines the same tests
# into one closure per leaf for the evaluator; a property test keeps the two in step.

Present = Callable[[Any, "EvalContext"], bool]
NOT_CACHED: Final = _Sentinel("NOT_CACHED")  # a date-cache miss


def cached_date(ctx: EvalContext, raw: Any) -> datetime | None:
    """``parse_datetime(raw)``, parsed at most once per context for text and numbers.

    Keyed by the raw value: bools never reach the cache (``True == 1`` would collide
    with epoch second 1), and an int and a float that are equal parse to the same
    instant, so sharing their entry is exact.
    """
    kind = type(raw)
    if kind is str or kind is int or kind is float:
        cache = ctx.date_cache
        if cache is None:
            cache = ctx.date_cache = {}
        else:
            hit: Any = cache.get(raw, NOT_CACHED)
            if hit is not NOT_CACHED:
                return hit  # type: ignore[no-any-return]
        parsed = cache[raw] = parse_datetime(raw)
        return parsed
    return parse_datetime(raw)


def eq_kind(value: Any) -> str:
    """How ``eq`` compares with a scalar rule value: "bool", "str" or "num"."""
    if value is True or value is False:
        return "bool"
    return "str" if isinstance(value, str) else "num"


def _eq_test(value: Any) -> Callable[[Any], bool]:
    kind = eq_kind(value)
    if kind == "bool":
        return lambda seen: seen is value
    if kind == "str":
        return lambda seen: isinstance(seen, str) and seen == value
    return lambda seen: type(seen) in _NUM and seen == value


def _eq_present(value: Any, neg: bool) -> Present:
    kind = eq_kind(value)
    if kind == "bool":
        return lambda seen, ctx: (seen is value) is not neg
    if kind == "str":
        return lambda seen, ctx: (isinstance(seen, str) and seen == value) is not neg
    return lambda seen, ctx: (type(seen) in _NUM and seen == value) is not neg


def in_sets(values: Any, op: str) -> tuple[frozenset[Any], frozenset[Any], frozenset[Any]]:
    """The ``in``/``not_in`` list split by kind: (strings, numbers, booleans)."""
    if not isinstance(values, list | tuple):
        raise Malformed(f"op {op!r}: value must be a list, got {values!r}")
    items = [scalar_value(v, op) for v in values]
    strs = frozenset(v for v in items if isinstance(v, str))
    nums = frozenset(v for v in items if is_number(v))
    bools = frozenset(v for v in items if v is True or v is False)
    return strs, nums, bools


def _in_present(values: Any, op: str, neg: bool) -> Present:
    strs, nums, bools = in_sets(values, op)
    if not nums and not bools:  # the usual case: a list of strings
        return lambda seen, ctx: (isinstance(seen, str) and seen in strs) is not neg

    def test(seen: Any, ctx: EvalContext) -> bool:
        kind = type(seen)
        if kind is str:
            found = seen in strs
        elif kind in _NUM:
            found = seen in nums
        elif kind is bool:
            found = seen in bools
        else:
            found = isinstance(seen, str) and seen in strs
        return found is not neg

    return test


def contains_test(value: Any) -> Callable[[Any], bool]:
    """``contains`` for a present value (a string or a list)."""
    eq = _eq_test(value)
    text = value if isinstance(value, str) else None

    def test(seen: Any) -> bool:
        if isinstance(seen, str):
            return text is not None and text in seen
        if isinstance(seen, (list, tuple)):  # a union here is built per call
            for item in seen:
                if eq(item):
                    return True
        return False

    return test


COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def order_bound(op: str, value: Any) -> float | datetime | None:
    """The compiled bound of gt/gte/lt/lte: a number, a date, or ``None`` (never matches)."""
    if op not in COMPARE:
        raise Malformed(f"unknown attribute op {op!r}")
    if is_number(value):
        return value
    if isinstance(value, str) and parse_datetime(value, epoch=False) is None:
        return None  # neither a number nor a date: never matches
    return value_date(value, op)


def _order_test(op: str, value: Any) -> Callable[[Any, EvalContext], bool]:
    cmp = COMPARE[op]
    bound = order_bound(op, value)
    if bound is None:
        return lambda seen, ctx: False
    if not isinstance(bound, datetime):
        return lambda seen, ctx: type(seen) in _NUM and cmp(seen, bound)

    def test(seen: Any, ctx: EvalContext) -> bool:
        kind = type(seen)
        if kind is int or kind is float or kind is bool:
            return False  # numbers compare with numbers only; dates must be ISO text
        # Only numbers parse differently without epoch=False, and they are out.
        parsed = cached_date(ctx, seen)
        return parsed is not None and cmp(parsed, bound)

    return test


def present_test(op: str, value: Any) -> Present:
    """The predicate ``test(seen, ctx)`` for a present (non-null) attribute value."""
    if op in ("eq", "neq"):
        return _eq_present(scalar_value(value, op), op == "neq")
    if op in ("in", "not_in"):
        return _in_present(value, op, op == "not_in")
    if op == "contains":
        contains = contains_test(scalar_value(value, op))
        return lambda s, ctx: contains(s)
    if op in COMPARE:
        return _order_test(op, value)
    if op in ("exists", "not_exists"):
        result = op == "exists"
        return lambda s, ctx: result
    if op in ("within_days", "older_than_days"):
        limit = value_days(value, op)
        if op == "within_days":

            def within(s: Any, ctx: EvalContext) -> bool:
                when = cached_date(ctx, s)
                return when is not None and _PAST_SLACK <= ctx.now - when <= limit

            return within

        def older(s: Any, ctx: EvalContext) -> bool:
            when = cached_date(ctx, s)
            return when is not None and ctx.now - when > limit

        return older
    if op in ("before", "after"):
        bound = value_date(value, op)
        if op == "before":
            return lambda s, ctx: (w := cached_date(ctx, s)) is not None and w < bound
        return lambda s, ctx: (w := cached_date(ctx, s)) is not None and w > bound
    raise Malformed(f"unknown attribute op {op!r}")

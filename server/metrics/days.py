"""Days as integers, periods, and the one dialect difference: a timestamp's UTC day.

A day number is the count of days since 1970-01-01 (UTC); the rollups store them so that
"the 30 days ending on d" is `d - 29 <= day <= d` on every database.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

EPOCH = date(1970, 1, 1)


def day_number(value: date | datetime) -> int:
    """The day number of a date, or of a datetime's UTC date."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        value = aware.date()
    return (value - EPOCH).days


def day_date(day: int) -> date:
    """The date of a day number."""
    return EPOCH + timedelta(days=day)


def day_start(day: int) -> datetime:
    """Midnight UTC at the start of a day number."""
    return datetime.combine(day_date(day), datetime.min.time(), tzinfo=UTC)


def week_of(day: int) -> int:
    """The Monday-based week number of a day (1970-01-01 was a Thursday)."""
    return (day + 3) // 7


def sql_day(column: Any, dialect: str) -> Any:
    """SQL for the UTC day number of a timestamp column (SQLite stores naive UTC text)."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(sa.func.substr(column, 1, 10)) - 2440587.5, sa.Integer)
    utc_date = sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.cast(utc_date - sa.cast(sa.literal(EPOCH.isoformat()), sa.Date), sa.Integer)


def unindexed_is_null(column: Any) -> Any:
    """`column IS NULL` written as `column || '' IS NULL` (NULL exactly when the column is).

    For "events of type X without a name": with a plain `name IS NULL` SQLite picks the
    (environment, name, timestamp) index and walks every unnamed event — most of the log,
    ~1.5 s at a million events — instead of the (environment, type, timestamp) index.
    """
    return column.op("||")(sa.literal("")).is_(None)


@dataclass(frozen=True, slots=True)
class Period:
    """Days `first` … `last`, both included (day numbers)."""

    first: int
    last: int

    @classmethod
    def of(cls, *, start: date, end: date) -> Period:
        """The period from date `start` to date `end`, both included."""
        return cls(day_number(start), day_number(end))

    @classmethod
    def ending(cls, *, as_of: date, days: int) -> Period:
        """The `days` days ending on (and including) `as_of`."""
        last = day_number(as_of)
        return cls(last - days + 1, last)

    @property
    def days(self) -> int:
        return self.last - self.first + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.first - self.days, self.first - 1)

    @property
    def start_at(self) -> datetime:
        return day_start(self.first)

    @property
    def end_at(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return day_start(self.last + 1)


def quintile_scores(values: dict[str, float], *, higher_is_better: bool = True) -> dict[str, int]:
    """Score 1–5 by quintile: 1 + ⌊5 · (number of subjects strictly worse) / n⌋.

    Ties get the same score; the best subject scores 5 whenever anyone is worse.
    """
    n = len(values)
    if n == 0:
        return {}
    ordered = sorted(values.values())
    out: dict[str, int] = {}
    for key, value in values.items():
        worse = (bisect.bisect_left(ordered, value) if higher_is_better
                 else n - bisect.bisect_right(ordered, value))
        out[key] = 1 + (5 * worse) // n
    return out


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the two middle values for an even count), None when empty."""
    return float(statistics.median(values)) if values else None


def as_number(value: Any) -> float | None:
    """A finite number from a JSON value that is a number (not a string, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def sorted_ids(ids: Iterable[str]) -> list[str]:
    """Ids in the order every list of this layer uses (plain string order)."""
    return sorted(set(ids))

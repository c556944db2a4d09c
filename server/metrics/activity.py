"""Activity, the base of every other metric: "active" means any event (METRICS.md).

A user is active on a day when any event with that `user_id` has a timestamp on that UTC
day; an account when any event carries that `account_id`. Read from the daily rollup
`metric_activity_day` (see rollup.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session

from ..models.rollup import ACCOUNT, USER, MetricActivityDay, MetricFirstSeen
from .cache import cached
from .days import Period

Level = Literal["user", "account"]
_KIND = {"user": USER, "account": ACCOUNT}
_act = MetricActivityDay.__table__  # type: ignore[attr-defined]
_first = MetricFirstSeen.__table__  # type: ignore[attr-defined]


def kind_of(level: Level) -> str:
    """The rollup `kind` of a level ("user" → "u", "account" → "a")."""
    return _KIND[level]


def _in(environment_id: int, level: Level) -> sa.ColumnElement[bool]:
    return sa.and_(_act.c.environment_id == environment_id, _act.c.kind == _KIND[level])


@dataclass(frozen=True, slots=True)
class Active:
    """METRICS.md "Churn and health" / "Feature adoption": who was active in a period."""

    users: list[str]
    accounts: list[str]


@cached
def active_ids(*, session: Session, environment_id: int, period: Period,
               level: Level = "user") -> frozenset[str]:
    """Subjects with any event in the period (METRICS.md: "active" = any event).

    A frozenset: the result is shared through the cache (cache.py)."""
    stmt = (sa.select(_act.c.subject_id).distinct()
            .where(_in(environment_id, level), _act.c.day.between(period.first, period.last)))
    return frozenset(row[0] for row in session.execute(stmt))


@cached
def active(*, session: Session, environment_id: int, period: Period) -> Active:
    """Active users and active accounts in the period, each sorted by id."""
    return Active(
        users=sorted(active_ids(session=session, environment_id=environment_id, period=period)),
        accounts=sorted(active_ids(session=session, environment_id=environment_id,
                                   period=period, level="account")),
    )


def active_days(*, session: Session, environment_id: int, period: Period,
                level: Level = "user") -> dict[str, int]:
    """Number of active days in the period per subject (subjects with at least one)."""
    stmt = (sa.select(_act.c.subject_id, sa.func.count())
            .where(_in(environment_id, level), _act.c.day.between(period.first, period.last))
            .group_by(_act.c.subject_id))
    return {sid: int(n) for sid, n in session.execute(stmt)}


def days_by_subject(*, session: Session, environment_id: int, period: Period,
                    level: Level = "user") -> dict[str, list[int]]:
    """Each subject's active days in the period, ascending."""
    stmt = (sa.select(_act.c.subject_id, _act.c.day)
            .where(_in(environment_id, level), _act.c.day.between(period.first, period.last))
            .order_by(_act.c.subject_id, _act.c.day))
    out: dict[str, list[int]] = defaultdict(list)
    for sid, day in session.execute(stmt):
        out[sid].append(int(day))
    return dict(out)


def recency_frequency_select(*, environment_id: int, as_of: int, window: Period,
                             level: Level = "user") -> sa.Select:
    """SELECT subject_id, last (active day ≤ as_of), n (active days in window), per subject."""
    in_window = sa.case((_act.c.day >= window.first, 1), else_=0)
    return (sa.select(_act.c.subject_id.label("subject_id"),
                      sa.func.max(_act.c.day).label("last"), sa.func.sum(in_window).label("n"))
            .where(_in(environment_id, level), _act.c.day <= as_of)
            .group_by(_act.c.subject_id))


def recency_frequency(*, session: Session, environment_id: int, as_of: int, window: Period,
                      level: Level = "user") -> dict[str, tuple[int, int]]:
    """(last active day on or before `as_of`, active days in `window`) per subject seen."""
    stmt = recency_frequency_select(environment_id=environment_id, as_of=as_of, window=window,
                                    level=level)
    return {sid: (int(last), int(n or 0)) for sid, last, n in session.execute(stmt).all()}


def weeks_active_select(*, environment_id: int, as_of: int, weeks: int) -> sa.Select:
    """SELECT subject_id, weeks: users active in the `weeks` 7-day blocks ending on `as_of`
    and in how many of those blocks."""
    block = (sa.literal(as_of) - _act.c.day) // 7
    return (sa.select(_act.c.subject_id.label("subject_id"),
                      sa.func.count(sa.distinct(block)).label("weeks"))
            .where(_in(environment_id, "user"),
                   _act.c.day.between(as_of - 7 * weeks + 1, as_of))
            .group_by(_act.c.subject_id))


def known_select(*, environment_id: int, as_of: int) -> sa.Select:
    """SELECT subject_id of the users first seen on or before `as_of`."""
    return sa.select(_first.c.subject_id.label("subject_id")).where(
        _first.c.environment_id == environment_id, _first.c.kind == USER,
        _first.c.first_day <= as_of)


def first_days(*, session: Session, environment_id: int, as_of: int | None = None,
               level: Level = "user") -> dict[str, int]:
    """Each subject's first active day (those first seen on or before `as_of`)."""
    stmt = sa.select(_first.c.subject_id, _first.c.first_day).where(
        _first.c.environment_id == environment_id, _first.c.kind == _KIND[level])
    if as_of is not None:
        stmt = stmt.where(_first.c.first_day <= as_of)
    return {sid: int(day) for sid, day in session.execute(stmt).all()}


def daily_counts(*, session: Session, environment_id: int, period: Period,
                 level: Level = "user") -> dict[int, int]:
    """Distinct active subjects per day of the period (DAU), days without any omitted."""
    stmt = (sa.select(_act.c.day, sa.func.count())
            .where(_in(environment_id, level), _act.c.day.between(period.first, period.last))
            .group_by(_act.c.day))
    return {int(day): int(n) for day, n in session.execute(stmt)}

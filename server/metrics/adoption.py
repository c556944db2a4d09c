"""Feature adoption (METRICS.md "Feature adoption (no-code feature tags)").

Use of a feature is what server/features/usage.py counts: a `feature_used` event named by
the feature key (click rules), a `track` event named by one of its event rules, or a
`page_view` matching one of its URL rules. Read from the `metric_feature_day` rollup, which
server/metrics/rollup.py fills from all three (and rebuilds for a feature when it is
created or its rules change, so URL and event rules count retroactively).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session

from ..models import EndUser
from ..models.rollup import MetricActivityDay, MetricFeatureDay, MetricFirstSeen
from .activity import Level, active_ids, daily_counts, first_days, kind_of
from .cache import cached
from .days import Period, day_number, median
from .people import json_field

_fd = MetricFeatureDay.__table__  # type: ignore[attr-defined]
_act = MetricActivityDay.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Adoption:
    active_users: list[str]
    users: list[str]
    active_accounts: list[str]
    accounts: list[str]

    @property
    def rate(self) -> float | None:
        return len(self.users) / len(self.active_users) if self.active_users else None

    @property
    def account_rate(self) -> float | None:
        return len(self.accounts) / len(self.active_accounts) if self.active_accounts else None


def _feature_rows(session: Session, environment_id: int, period: Period,
                  feature: str | None = None) -> sa.Select:
    stmt = sa.select(_fd.c.feature, _fd.c.user_id, _fd.c.account_id).where(
        _fd.c.environment_id == environment_id, _fd.c.day.between(period.first, period.last))
    return stmt.where(_fd.c.feature == feature) if feature is not None else stmt


@cached
def feature_adoption(*, session: Session, environment_id: int, feature: str,
                     period: Period) -> Adoption:
    """METRICS.md "Feature adoption" — Adoption rate, user and account level.

    Rate = distinct users who used the feature in P / distinct active users in P.
    Account rate = active accounts with ≥ 1 use in P (the `account_id` of the
    using event) / active accounts in P.
    """
    users: set[str] = set()
    accounts: set[str] = set()
    for _, user, account in session.execute(_feature_rows(session, environment_id, period,
                                                          feature)):
        users.add(user)
        if account:
            accounts.add(account)
    act_users = active_ids(session=session, environment_id=environment_id, period=period)
    act_accounts = active_ids(session=session, environment_id=environment_id, period=period,
                              level="account")
    return Adoption(sorted(act_users), sorted(users & act_users), sorted(act_accounts),
                    sorted(accounts & act_accounts))


@dataclass(frozen=True, slots=True)
class FirstUse:
    days: dict[str, int]  # user → days from start to first use

    @property
    def median_days(self) -> float | None:
        return median(list(self.days.values()))


def _created_day(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = (datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value
                  else date.fromisoformat(value))
    except ValueError:
        return None
    return day_number(parsed)


@cached
def time_to_first_use(*, session: Session, environment_id: int, feature: str,
                      period: Period) -> FirstUse:
    """METRICS.md "Feature adoption" — Time to first use.

    For users whose first use of the feature (ever) falls in P: whole days from the
    user's `created_at` trait (an ISO date or datetime) — or, without one, the user's
    first active day — to the day of first use; the median is reported.
    """
    stmt = (sa.select(_fd.c.user_id, sa.func.min(_fd.c.day).label("first"))
            .where(_fd.c.environment_id == environment_id, _fd.c.feature == feature,
                   _fd.c.day <= period.last)
            .group_by(_fd.c.user_id))
    first_use = {u: int(d) for u, d in session.execute(stmt).all() if int(d) >= period.first}
    if not first_use:
        return FirstUse({})
    users_sq = sa.select(stmt.subquery().c.user_id)
    fs = MetricFirstSeen.__table__  # type: ignore[attr-defined]
    starts = {u: int(d) for u, d in session.execute(
        sa.select(fs.c.subject_id, fs.c.first_day).where(
            fs.c.environment_id == environment_id, fs.c.kind == "u",
            fs.c.subject_id.in_(users_sq))).all()}
    table = EndUser.__table__  # type: ignore[attr-defined]
    created: dict[str, int] = {}
    for ext, raw in json_field(session, table, "traits", "created_at",
                               environment_id=environment_id, only=users_sq):
        if ext in first_use:
            day = _created_day(raw)
            if day is not None:
                created[ext] = day
    out: dict[str, int] = {}
    for user, used in first_use.items():
        start = created.get(user, starts.get(user))
        if start is not None:
            out[user] = max(0, used - start)
    return FirstUse(out)


@cached
def breadth(*, session: Session, environment_id: int, period: Period,
            level: Level = "user") -> dict[str, int]:
    """METRICS.md "Feature adoption" — Breadth: distinct features used in P per subject.

    Only subjects with at least one use appear (the others have breadth 0).
    """
    subject = _fd.c.user_id if level == "user" else _fd.c.account_id
    stmt = (sa.select(subject, sa.func.count(sa.distinct(_fd.c.feature)))
            .where(_fd.c.environment_id == environment_id,
                   _fd.c.day.between(period.first, period.last), subject != "")
            .group_by(subject))
    return {sid: int(n) for sid, n in session.execute(stmt).all()}


def _mau_series(session: Session, table: sa.Table, where: list[sa.ColumnElement[bool]],
                subject: sa.Column, period: Period, window: int) -> dict[int, int]:
    # A subject counts in MAU(d) while some active day a has a <= d < a + window. With
    # consecutive active days a < b, [a, min(a + window, b)) are disjoint spans, so MAU is
    # a running sum of +1 at each span start and −1 at each span end.
    lead = sa.func.lead(table.c.day).over(partition_by=subject, order_by=table.c.day)
    spans = (sa.select(table.c.day.label("a"), lead.label("b"))
             .where(*where, table.c.day.between(period.first - window + 1, period.last))
             .subquery())
    end = sa.case((sa.and_(spans.c.b.is_not(None), spans.c.b < spans.c.a + window), spans.c.b),
                  else_=spans.c.a + window)
    delta: Counter[int] = Counter()
    for a, n in session.execute(sa.select(spans.c.a, sa.func.count()).group_by(spans.c.a)):
        delta[int(a)] += int(n)
    ends = sa.select(end.label("e"), sa.func.count()).group_by(end)
    for e, n in session.execute(ends):
        delta[int(e)] -= int(n)
    running, out = 0, {}
    for day in range(period.first - window + 1, period.last + 1):
        running += delta.get(day, 0)
        if day >= period.first:
            out[day] = running
    return out


@dataclass(frozen=True, slots=True)
class Stickiness:
    dau: dict[int, int]
    mau: dict[int, int]

    @property
    def value(self) -> float | None:
        """Mean of DAU(d)/MAU(d) over the days of P that have MAU > 0."""
        ratios = [self.dau.get(d, 0) / m for d, m in self.mau.items() if m]
        return sum(ratios) / len(ratios) if ratios else None


@cached
def stickiness(*, session: Session, environment_id: int, period: Period,
               feature: str | None = None, window: int = 30) -> Stickiness:
    """METRICS.md "Feature adoption" — Stickiness = average DAU / MAU over P.

    For each day d of P: DAU(d) = distinct users active on d (or using the feature);
    MAU(d) = distinct such users in the `window` (30) days ending on d. The value is
    the mean of DAU(d)/MAU(d) over the days of P with MAU(d) > 0.
    """
    if feature is None:
        where = [_act.c.environment_id == environment_id, _act.c.kind == kind_of("user")]
        mau = _mau_series(session, _act, where, _act.c.subject_id, period, window)
        dau = daily_counts(session=session, environment_id=environment_id, period=period)
        return Stickiness(dau, mau)
    where = [_fd.c.environment_id == environment_id, _fd.c.feature == feature]
    per_user = (sa.select(_fd.c.user_id, _fd.c.day).distinct()
                .where(*where).subquery())
    mau = _mau_series(session, per_user, [], per_user.c.user_id, period, window)
    dau_stmt = (sa.select(_fd.c.day, sa.func.count(sa.distinct(_fd.c.user_id)))
                .where(*where, _fd.c.day.between(period.first, period.last)).group_by(_fd.c.day))
    return Stickiness({int(d): int(n) for d, n in session.execute(dau_stmt)}, mau)


Tier = Literal["daily", "weekly", "monthly", "dormant"]
TIERS: tuple[Tier, ...] = ("daily", "weekly", "monthly", "dormant")


def tier_of(active_days: int) -> Tier:
    """daily ≥ 13 active days of 30, weekly 5–12, monthly 1–4, dormant 0."""
    if active_days >= 13:
        return "daily"
    if active_days >= 5:
        return "weekly"
    return "monthly" if active_days >= 1 else "dormant"


@dataclass(frozen=True, slots=True)
class UsageTiers:
    tiers: dict[Tier, list[str]]


@cached
def usage_tiers(*, session: Session, environment_id: int, as_of: date,
                days: int = 30) -> UsageTiers:
    """METRICS.md "Feature adoption" — Usage tier per user over the 30 days ending as_of.

    Users first seen on or before `as_of`; daily = active on ≥ 13 days, weekly = 5–12,
    monthly = 1–4, dormant = 0.
    """
    period = Period.ending(as_of=as_of, days=days)
    known = first_days(session=session, environment_id=environment_id, as_of=period.last)
    stmt = (sa.select(_act.c.subject_id, sa.func.count())
            .where(_act.c.environment_id == environment_id, _act.c.kind == kind_of("user"),
                   _act.c.day.between(period.first, period.last))
            .group_by(_act.c.subject_id))
    counts = {u: int(n) for u, n in session.execute(stmt)}
    tiers: dict[Tier, list[str]] = {t: [] for t in TIERS}
    for user in sorted(known):
        tiers[tier_of(counts.get(user, 0))].append(user)
    return UsageTiers(tiers)


@dataclass(frozen=True, slots=True)
class Cohort:
    week_start: date
    users: list[str]
    active: list[int]  # active[k] = cohort users active in week k (k = 0 is the first week)


@cached
def retention(*, session: Session, environment_id: int, period: Period,
              weeks: int = 8) -> list[Cohort]:
    """METRICS.md "Feature adoption" — Retention: weekly cohorts by first-seen week.

    Weeks run Monday–Sunday (UTC). Cohorts: users whose first active day is in a week
    starting in P (weeks overlapping P's first day included); active[k] counts cohort
    users with any activity in the k-th week after their cohort week, for k = 0…`weeks`
    while that week starts on or before P's last day.
    """
    first_week = (period.first + 3) // 7
    last_week = (period.last + 3) // 7
    from ..models.rollup import MetricFirstSeen

    fs = MetricFirstSeen.__table__  # type: ignore[attr-defined]
    cohort_week = (fs.c.first_day + 3) // 7
    lo_day, hi_day = first_week * 7 - 3, last_week * 7 + 3
    members = (sa.select(fs.c.subject_id, cohort_week.label("w"))
               .where(fs.c.environment_id == environment_id, fs.c.kind == kind_of("user"),
                      fs.c.first_day.between(lo_day, hi_day)))
    users_by_week: dict[int, list[str]] = {}
    for user, week in session.execute(members.order_by(fs.c.subject_id)):
        users_by_week.setdefault(int(week), []).append(user)
    joined = (sa.select(cohort_week.label("w"), ((_act.c.day + 3) // 7 - cohort_week).label("k"),
                        sa.func.count(sa.distinct(_act.c.subject_id)))
              .select_from(_act.join(fs, sa.and_(fs.c.environment_id == _act.c.environment_id,
                                                 fs.c.kind == _act.c.kind,
                                                 fs.c.subject_id == _act.c.subject_id)))
              .where(_act.c.environment_id == environment_id, _act.c.kind == kind_of("user"),
                     fs.c.first_day.between(lo_day, hi_day),
                     _act.c.day.between(lo_day, last_week * 7 + 3))
              .group_by(sa.text("1"), sa.text("2")))
    counts = {(int(w), int(k)): int(n) for w, k, n in session.execute(joined)}
    cohorts = []
    for week in sorted(users_by_week):
        horizon = min(weeks, last_week - week)
        cohorts.append(Cohort(day_start_date(week), users_by_week[week],
                              [counts.get((week, k), 0) for k in range(horizon + 1)]))
    return cohorts


def day_start_date(week: int) -> date:
    """The Monday that starts a week number (see days.week_of)."""
    from .days import day_date

    return day_date(week * 7 - 3)

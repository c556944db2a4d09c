"""Churn, account health and LTV (METRICS.md "Churn and health")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Account, EndUser, Event
from .activity import Level, active_days, active_ids, recency_frequency
from .adoption import breadth
from .cache import cached
from .days import Period, day_number, day_start, unindexed_is_null
from .people import account_members, account_monetary, json_field, latest_nps, nps_category

_ev = Event.__table__  # type: ignore[attr-defined]


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in
                             {"true", "yes", "1"}) or (type(value) is int and value == 1)


def explicitly_churned(*, session: Session, environment_id: int, before: object,
                       level: Level = "user") -> set[str]:
    """Subjects marked churned: a truthy `churned` trait, or an event named `churned`
    (or of that type without a name) before `before`."""
    model = EndUser if level == "user" else Account
    table = model.__table__  # type: ignore[attr-defined]
    out = {ext for ext, raw in json_field(session, table, "traits", "churned",
                                          environment_id=environment_id, present=True)
           if _truthy(raw)}
    column = _ev.c.user_id if level == "user" else _ev.c.account_id
    base = sa.select(column).distinct().where(
        _ev.c.environment_id == environment_id, column.is_not(None), _ev.c.timestamp < before)
    # Two index-friendly queries rather than one OR (SQLite would scan the table).
    for where in (_ev.c.name == "churned", sa.and_(_ev.c.type == "churned",
                                                   unindexed_is_null(_ev.c.name))):
        out |= {s for (s,) in session.execute(base.where(where)).all()}
    return out


@dataclass(frozen=True, slots=True)
class Churn:
    previous_active: list[str]
    churned: list[str]

    @property
    def rate(self) -> float | None:
        return len(self.churned) / len(self.previous_active) if self.previous_active else None


@cached
def churn(*, session: Session, environment_id: int, period: Period,
          level: Level = "user") -> Churn:
    """METRICS.md "Churn and health" — Churn rate for period P.

    Subjects active in the previous period of the same length and not active in P, over
    those active in the previous period. A subject explicitly churned (see
    explicitly_churned, up to the end of P) counts as churned even if active in P.
    """
    before = active_ids(session=session, environment_id=environment_id,
                        period=period.previous(), level=level)
    now = active_ids(session=session, environment_id=environment_id, period=period,
                     level=level)
    marked = explicitly_churned(session=session, environment_id=environment_id,
                                before=period.end_at, level=level)
    return Churn(sorted(before), sorted(u for u in before if u not in now or u in marked))


#: Default weights of the account health score (METRICS.md: "weights are settings").
HEALTH_WEIGHTS: dict[str, float] = {
    "recency": 0.25, "frequency": 0.25, "breadth": 0.20, "nps": 0.20, "detractors": 0.10,
}


@dataclass(frozen=True, slots=True)
class HealthRow:
    account_id: str
    score: float
    components: dict[str, float]
    detractors: int


@dataclass(frozen=True, slots=True)
class Health:
    weights: dict[str, float]
    rows: list[HealthRow] = field(default_factory=list)  # lowest score first, then id


@cached
def account_health(*, session: Session, environment_id: int, as_of: date, window_days: int = 30,
                   weights: dict[str, float] | None = None) -> Health:
    """METRICS.md "Churn and health" — Account health score 0–100.

    Accounts with any event on or before `as_of`; each component is in [0, 1] over the
    `window_days` (30) ending on `as_of`:
    recency = max(0, 1 − days since the last active day / window);
    frequency = active days / window;
    breadth = distinct features the account used / distinct features anyone used (0 if none);
    nps = (NPS of its users' latest answers + 100) / 200, 0.5 when none answered;
    detractors = max(0, 1 − detractors among its users / 3).
    Score = 100 · Σ weight · component / Σ weight, rounded to 0.1.
    """
    w = {**HEALTH_WEIGHTS, **(weights or {})}
    window = Period.ending(as_of=as_of, days=window_days)
    last = day_number(as_of)
    seen = recency_frequency(session=session, environment_id=environment_id, as_of=last,
                             window=window, level="account")
    width = breadth(session=session, environment_id=environment_id, period=window,
                    level="account")
    total_features = len(_features_used(session, environment_id, window))
    members = account_members(session=session, environment_id=environment_id)
    scores = latest_nps(session=session, environment_id=environment_id,
                        before=day_start(last + 1))
    total_w = sum(w.values()) or 1.0
    rows = []
    for account, (last_day, freq) in seen.items():
        cats = [nps_category(scores[u]) for u in members.get(account, ()) if u in scores]
        det = cats.count("detractor")
        nps = ((cats.count("promoter") - det) * 100 / len(cats)) if cats else None
        comp = {
            "recency": max(0.0, 1 - (last - last_day) / window_days),
            "frequency": freq / window_days,
            "breadth": width.get(account, 0) / total_features if total_features else 0.0,
            "nps": (nps + 100) / 200 if nps is not None else 0.5,
            "detractors": max(0.0, 1 - det / 3),
        }
        score = round(100 * sum(w[k] * comp[k] for k in comp) / total_w, 1)
        rows.append(HealthRow(account, score, comp, det))
    rows.sort(key=lambda r: (r.score, r.account_id))
    return Health(w, rows)


def _features_used(session: Session, environment_id: int, period: Period) -> set[str]:
    from ..models.rollup import MetricFeatureDay

    fd = MetricFeatureDay.__table__  # type: ignore[attr-defined]
    stmt = sa.select(fd.c.feature).distinct().where(
        fd.c.environment_id == environment_id, fd.c.day.between(period.first, period.last))
    return {f for (f,) in session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class Ltv:
    accounts: list[str]        # active in P with a monetary value
    arpa: float | None         # mean monetary per period
    churn_rate: float | None
    lifetime_periods: float | None
    ltv: float | None


@cached
def ltv(*, session: Session, environment_id: int, period: Period,
        monetary_trait: str = "mrr") -> Ltv:
    """METRICS.md "Churn and health" — LTV = monetary per period × 1 / churn rate.

    Account level. The monetary trait is monthly (MRR): per period it is scaled by
    P's length / 30 days. Monetary per period = mean over accounts active in P that have
    the trait; churn = the account churn rate of P. No trait, or no churn: LTV is null.
    """
    money = account_monetary(session=session, environment_id=environment_id,
                             monetary_trait=monetary_trait)
    act = active_days(session=session, environment_id=environment_id, period=period,
                      level="account")
    paying = sorted(a for a in act if a in money)
    rate = churn(session=session, environment_id=environment_id, period=period,
                 level="account").rate
    if not paying:
        return Ltv([], None, rate, None, None)
    arpa = sum(money[a] for a in paying) / len(paying) * period.days / 30
    lifetime = 1 / rate if rate else None
    return Ltv(paying, arpa, rate, lifetime, arpa * lifetime if lifetime else None)

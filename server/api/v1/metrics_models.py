"""Query and response models of the metrics REST API (server/api/v1/metrics.py).

Dates are UTC days. `from` and `to` are both included (`from=2026-10-01&to=2026-10-31`
is October); without them the period is the 30 days ending today. `as_of` is a day too
(the metric as it stood at the end of that day; default today).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from ...errors import ApiError
from ...metrics.days import Period
from .common import Strict
from .pagination import PageQuery

MAX_DAYS = 731
TraitName = Field(default="mrr", pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                  description="The monetary trait (on the account when the user is grouped)")


def _period_ok(first: date | None, last: date | None) -> None:
    if first is not None and last is not None:
        if first > last:
            raise ValueError("must be on or after from")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days after from")


class FreshQuery(Strict):
    fresh: bool = Field(default=False, description=(
        "true: compute from the current data before answering, never return a result"
        " computed from older data (see `stale`)"))


class PeriodQuery(FreshQuery):
    from_: date | None = Field(default=None, alias="from",
                               description="First day (UTC), included; default to − 29 days")
    to: date | None = Field(default=None, description="Last day (UTC), included; default today")

    @field_validator("to")
    @classmethod
    def _check(cls, value: date | None, info: ValidationInfo) -> date | None:
        _period_ok(info.data.get("from_"), value)
        return value


class LevelPeriodQuery(PeriodQuery):
    level: Literal["user", "account"] = "user"


class AsOfQuery(FreshQuery):
    as_of: date | None = Field(default=None, description="The day (UTC) asked about; default today")


class AdoptionQuery(PeriodQuery):
    pass


class LiftQuery(PeriodQuery):
    within_days: int | None = Field(default=None, ge=1, le=365,
                                    description="Goal window; default the guide's goal")


class RfmQuery(AsOfQuery):
    window_days: int = Field(default=90, ge=1, le=MAX_DAYS)
    level: Literal["user", "account"] = "user"
    monetary_trait: str = TraitName
    limit: int = Field(default=100, ge=0, le=500, description="Rows in `users` (first page)")


class MatrixQuery(AsOfQuery):
    threshold: float | None = Field(default=None, allow_inf_nan=False,
                                    description="High profitability from; default the median")
    monetary_trait: str = TraitName


class LifecycleQuery(AsOfQuery):
    get_days: int = Field(default=14, ge=1, le=365)
    onboarding_guide: str | None = Field(default=None, max_length=100)
    threshold: float | None = Field(default=None, allow_inf_nan=False)
    monetary_trait: str = TraitName


class StickinessQuery(PeriodQuery):
    feature: str | None = Field(default=None, max_length=200, description="One feature's key")


class RetentionQuery(PeriodQuery):
    weeks: int = Field(default=8, ge=0, le=52)


class HealthQuery(AsOfQuery):
    window_days: int = Field(default=30, ge=1, le=365)
    at_risk_below: float = Field(default=40, ge=0, le=100)


class LtvQuery(PeriodQuery):
    monetary_trait: str = TraitName


# ---- lists behind the counts -------------------------------------------------------------
class ActiveUsersQuery(PageQuery, LevelPeriodQuery):
    pass


class AdoptionUsersQuery(PageQuery, PeriodQuery):
    group: Literal["users", "active_users", "accounts", "active_accounts"] = "users"


class FunnelUsersQuery(PageQuery, PeriodQuery):
    group: Literal["seen", "completed", "dismissed", "step"] = "seen"
    step: int | None = Field(default=None, ge=0, le=1000, description="With group=step")


class LiftUsersQuery(PageQuery, LiftQuery):
    group: Literal["shown", "holdout"] = "shown"
    converted: bool | None = Field(default=None, description="Only (non-)converted users")


class RfmUsersQuery(PageQuery, AsOfQuery):
    window_days: int = Field(default=90, ge=1, le=MAX_DAYS)
    level: Literal["user", "account"] = "user"
    monetary_trait: str = TraitName
    segment: str | None = Field(default=None, max_length=50, description="e.g. Champions")


class MatrixUsersQuery(PageQuery, MatrixQuery):
    cell: Literal["A", "B", "C", "D", "E", "F"]


class LifecycleUsersQuery(PageQuery, LifecycleQuery):
    stage: Literal["get", "build", "grow", "keep"]


class ChurnUsersQuery(PageQuery, LevelPeriodQuery):
    group: Literal["churned", "previous_active"] = "churned"


class TierUsersQuery(PageQuery, AsOfQuery):
    tier: Literal["daily", "weekly", "monthly", "dormant"]


class RetentionUsersQuery(PageQuery, RetentionQuery):
    cohort: date = Field(description="The cohort's week start (a Monday)")
    week: int | None = Field(default=None, ge=0, le=52, description="Only those active in week k")


class HealthAccountsQuery(PageQuery, HealthQuery):
    pass


# ---- responses -----------------------------------------------------------------------------
class Fresh(BaseModel):
    """How fresh a figure is (server/metrics/cache.py): every metrics response has both."""

    computed_at: datetime = Field(description=(
        "When the figures were computed (UTC): they count the data stored then"))
    stale: bool = Field(description=(
        "true: computed from older data (at most SHIRUBE_METRICS_STALE_SECONDS old) and"
        " being recomputed now; ask again, or with fresh=true to wait for the current data"))


def _page(item: type[BaseModel], name: str) -> type[BaseModel]:
    """A page of `item` (the usual envelope) with the freshness fields."""
    return create_model(name, __base__=Fresh, __doc__=f"A page of {item.__name__} items.",
                        data=(list[item], ...),  # type: ignore[valid-type]
                        next_cursor=(str | None, None))


class Member(BaseModel):
    id: str = Field(description="A user id (or account id for account-level lists)")


MemberPage = _page(Member, "MetricMemberPage")


class ActiveOut(Fresh):
    active_users: int
    active_accounts: int


class AdoptionOut(Fresh):
    active_users: int
    users: int
    rate: float | None
    active_accounts: int
    accounts: int
    account_rate: float | None
    median_days_to_first_use: float | None
    stickiness: float | None


class StepOut(BaseModel):
    step: int
    users: int
    drop_off: float | None


class FunnelOut(Fresh):
    steps: list[StepOut]
    seen: int
    completed: int
    dismissed: int
    completion_rate: float | None
    dismiss_rate: float | None


class GroupOut(BaseModel):
    n: int
    converted: int
    rate: float | None


class LiftOut(Fresh):
    shown: GroupOut
    holdout: GroupOut
    lift: float | None
    ci95: tuple[float, float] | None
    goal: dict[str, str | int]
    holdout_percent: int
    holdout_source: Literal["recorded", "hash"]


class RfmRowOut(BaseModel):
    user_id: str = Field(description="The user (or account, with level=account) id")
    r: int
    f: int
    m: int
    segment: str
    recency_days: int
    frequency: int
    monetary: float


RfmPage = _page(RfmRowOut, "RfmRowPage")


class RfmOut(Fresh):
    as_of: date
    window_days: int
    segments: dict[str, int]
    users: list[RfmRowOut] = Field(description="The first `limit` rows by id")
    next_cursor: str | None = Field(description="Continue with /metrics/rfm/users")


class MatrixOut(Fresh):
    threshold: float
    cells: dict[str, int]
    actions: dict[str, str]


class LifecycleOut(Fresh):
    as_of: date
    stages: dict[str, int]
    threshold: float
    flow: dict[str, dict[str, int]] = Field(description="flow[stage 30 days ago][stage now]")


class ChurnOut(Fresh):
    previous_active: int
    churned: int
    rate: float | None


class StickyDay(BaseModel):
    date: date
    dau: int
    mau: int


class StickinessOut(Fresh):
    stickiness: float | None
    days: list[StickyDay]


class TiersOut(Fresh):
    tiers: dict[str, int]


class CohortOut(BaseModel):
    week_start: date
    users: int
    active: list[int]
    rates: list[float]


class RetentionOut(Fresh):
    cohorts: list[CohortOut]


class HealthRowOut(BaseModel):
    account_id: str
    score: float
    components: dict[str, float]
    detractors: int


HealthPage = _page(HealthRowOut, "HealthRowPage")


class HealthOut(Fresh):
    weights: dict[str, float]
    accounts: int
    average: float | None
    at_risk: int


class LtvOut(Fresh):
    accounts: int
    arpa: float | None
    churn_rate: float | None
    lifetime_periods: float | None
    ltv: float | None


class BreadthOut(Fresh):
    subjects: int = Field(description="Active users (accounts) in the period")
    mean: float | None
    distribution: dict[str, int] = Field(description="Number of features used → subjects")


def period_of(q: PeriodQuery) -> Period:
    """The query's period: `from`…`to`, by default the 30 days ending today (UTC)."""
    last = q.to or datetime.now(UTC).date()
    first = q.from_ or last - timedelta(days=29)
    if first > last:
        raise ApiError(422, "validation_error", "invalid query parameters",
                       [{"loc": "from", "msg": "must be on or before to (default: today)"}])
    return Period.of(start=first, end=last)


def as_of_of(q: AsOfQuery) -> date:
    """The query's `as_of` day, today (UTC) by default."""
    return q.as_of or datetime.now(UTC).date()


def bad_param(loc: str, msg: str) -> ApiError:
    """A 422 naming one query parameter."""
    return ApiError(422, "validation_error", "invalid query parameters", [{"loc": loc, "msg": msg}])

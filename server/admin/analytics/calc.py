"""The dashboards' calls into the metrics layer — the same functions as /api/v1/metrics.

Each helper calls one server/metrics (or server/surveys/results.py) function with the
page's filters and remembers the result for the rest of the request, so a page and the
people list behind one of its numbers run the same computation once. Nothing here
re-derives a figure: segment filtering intersects the id lists the functions return.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from ...metrics import activity, guides, lifecycle, loyalty, rfm
from ...metrics import adoption as adoption_m
from ...metrics import churn as churn_m
from ...metrics.surveys import nps_category as _nps_category
from ...surveys import results
from ..context import AdminContext, Denied
from .filters import Filters

T = TypeVar("T")
RFM_WINDOW = 90          # METRICS.md "RFM": default window
AT_RISK_BELOW = 40.0     # health score under which an account is "at risk" (REST default)
FLOW_DAYS = 30           # lifecycle flow: stage a month ago vs now (lifecycle_flow's default)


def _memo(ctx: AdminContext, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    store: dict[tuple[Any, ...], Any] = getattr(ctx.request.state, "analytics_memo", None) or {}
    ctx.request.state.analytics_memo = store
    if key not in store:
        store[key] = build()
    return store[key]  # type: ignore[no-any-return]


def _env(ctx: AdminContext) -> int:
    assert ctx.environment is not None and ctx.environment.id is not None
    return ctx.environment.id


def nps_category(score: int) -> str:
    return _nps_category(score)


def active_ids(ctx: AdminContext, f: Filters, level: str) -> list[str]:
    got = _memo(ctx, ("active", level), lambda: activity.active_ids(
        session=ctx.db, environment_id=_env(ctx), period=f.period, level=level))  # type: ignore[arg-type]
    return f.restrict(got, level)


def tiers(ctx: AdminContext, f: Filters) -> adoption_m.UsageTiers:
    return _memo(ctx, ("tiers",), lambda: adoption_m.usage_tiers(
        session=ctx.db, environment_id=_env(ctx), as_of=f.as_of))


def stickiness(ctx: AdminContext, f: Filters, feature: str | None = None) -> adoption_m.Stickiness:
    return _memo(ctx, ("sticky", feature), lambda: adoption_m.stickiness(
        session=ctx.db, environment_id=_env(ctx), period=f.period, feature=feature))


def adoption_of(ctx: AdminContext, period: Any, key: str) -> adoption_m.Adoption:
    return _memo(ctx, ("adoption", key, period), lambda: adoption_m.feature_adoption(
        session=ctx.db, environment_id=_env(ctx), feature=key, period=period))


def adoption(ctx: AdminContext, f: Filters, key: str) -> adoption_m.Adoption:
    return adoption_of(ctx, f.period, key)


def first_use(ctx: AdminContext, f: Filters, key: str) -> Any:
    return _memo(ctx, ("first", key), lambda: adoption_m.time_to_first_use(
        session=ctx.db, environment_id=_env(ctx), feature=key, period=f.period))


def breadth(ctx: AdminContext, f: Filters, level: str) -> dict[str, int]:
    return _memo(ctx, ("breadth", level), lambda: adoption_m.breadth(
        session=ctx.db, environment_id=_env(ctx), period=f.period, level=level))  # type: ignore[arg-type]


def guide(ctx: AdminContext, key: str) -> guides.GuideInfo:
    info = _memo(ctx, ("guide", key), lambda: guides.guide_info(
        session=ctx.db, environment_id=_env(ctx), guide_key=key))
    if info is None:
        raise Denied(404, ctx._("Not found."))
    return info


def funnel(ctx: AdminContext, f: Filters, key: str) -> guides.Funnel:
    info = guide(ctx, key)
    return _memo(ctx, ("funnel", key), lambda: guides.guide_funnel(
        session=ctx.db, environment_id=_env(ctx), guide_key=key, period=f.period,
        step_count=info.step_count))


def lift(ctx: AdminContext, f: Filters, key: str) -> guides.Lift | None:
    """Goal lift as the REST route computes it (None when the guide has no goal)."""
    info = guide(ctx, key)
    if info.goal is None or not isinstance(info.goal.get("event"), str):
        return None

    def build() -> guides.Lift:
        recorded = guides.recorded_holdout(session=ctx.db, environment_id=_env(ctx),
                                           guide_key=key)
        return guides.goal_lift(session=ctx.db, environment_id=_env(ctx), guide_key=key,
                                period=f.period, goal_event=info.goal["event"],  # type: ignore[index]
                                within_days=int(info.goal.get("within_days") or 7),  # type: ignore[union-attr]
                                holdout_percent=info.holdout_percent,
                                recorded_holdout=recorded)
    return _memo(ctx, ("lift", key), build)


def nps(ctx: AdminContext, f: Filters, account_id: str | None = None) -> dict[str, Any]:
    start, end = f.period.start_at, f.period.end_at
    return _memo(ctx, ("nps", account_id), lambda: results.nps_for_period(
        session=ctx.db, environment_id=_env(ctx), start=start, end=end,
        account_id=account_id, segment=f.members))


def nps_latest(ctx: AdminContext, f: Filters) -> dict[str, int]:
    """Each user's latest NPS score in the period: the answers `nps_for_period` scores
    (its own helpers, so the list behind the figure is the same population)."""
    def build() -> dict[str, int]:
        rows = results._answers(ctx.db, environment_id=_env(ctx), kind="nps",  # noqa: SLF001
                                start=f.period.start_at, end=f.period.end_at, survey_key=None,
                                account_id=None, segment=f.members)
        return results._latest_per_user(rows)  # noqa: SLF001
    return _memo(ctx, ("nps-latest",), build)


def rfm_table(ctx: AdminContext, f: Filters) -> rfm.Rfm:
    return _memo(ctx, ("rfm",), lambda: rfm.rfm(
        session=ctx.db, environment_id=_env(ctx), as_of=f.as_of, window_days=RFM_WINDOW))


def matrix(ctx: AdminContext, f: Filters) -> loyalty.LoyaltyMatrix:
    return _memo(ctx, ("matrix",), lambda: loyalty.loyalty_matrix(
        session=ctx.db, environment_id=_env(ctx), as_of=f.as_of))


def stages(ctx: AdminContext, f: Filters, days_back: int = 0) -> lifecycle.Lifecycle:
    as_of = f.as_of - timedelta(days=days_back)
    return _memo(ctx, ("stages", as_of), lambda: lifecycle.lifecycle_stages(
        session=ctx.db, environment_id=_env(ctx), as_of=as_of))


def flow_ids(ctx: AdminContext, f: Filters) -> dict[str, dict[str, list[str]]]:
    """`lifecycle_flow`'s table (stage a month ago → now) with the users of each cell,
    from the same two `lifecycle_stages` calls, restricted to the segment."""
    now, then = stages(ctx, f), stages(ctx, f, FLOW_DAYS)
    where_now = {u: st for st, users in now.stages.items() for u in users}
    where_then = {u: st for st, users in then.stages.items() for u in users}
    keys = (*lifecycle.STAGES, "none")
    out: dict[str, dict[str, list[str]]] = {a: {b: [] for b in keys} for a in keys}
    for user in f.users(set(where_now) | set(where_then)):
        out[where_then.get(user, "none")][where_now.get(user, "none")].append(user)
    return out


def churn(ctx: AdminContext, f: Filters, level: str) -> churn_m.Churn:
    return _memo(ctx, ("churn", level), lambda: churn_m.churn(
        session=ctx.db, environment_id=_env(ctx), period=f.period, level=level))  # type: ignore[arg-type]


def health(ctx: AdminContext, f: Filters) -> churn_m.Health:
    return _memo(ctx, ("health",), lambda: churn_m.account_health(
        session=ctx.db, environment_id=_env(ctx), as_of=f.as_of))


def ltv(ctx: AdminContext, f: Filters) -> churn_m.Ltv:
    return _memo(ctx, ("ltv",), lambda: churn_m.ltv(
        session=ctx.db, environment_id=_env(ctx), period=f.period))


"""Admin REST: loyalty metrics (`/metrics/…`), the figures of docs/metrics.md.

Every count opens to its list: each summary route has a `…/users` route (`…/accounts`
for health) answering the usual paginated envelope from the same function. Before a
metric is computed, the daily rollups are brought up to date when events arrived since
their watermark (server/metrics/rollup.py). Every answer says how fresh it is:
`computed_at`, and `stale: true` when it was computed from older data (at most
SHIRUBE_METRICS_STALE_SECONDS old) and is being recomputed in the background;
`?fresh=true` waits for the figures of the current data (server/metrics/cache.py).
`/metrics/nps|ces|csat` live with the surveys (server/api/v1/surveys.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...metrics import cache, warm
from ...metrics.rollup import refresh_rollups, rollups_pending
from . import metrics_figures as fig
from . import metrics_loyalty as loy
from . import metrics_models as m
from .common import ApiRoute, RouteDoc, environment_id, parse_query, respond

Work = Callable[[Session, int, Any, Request], Any]


def _with_rollups(request: Request, env_id: int, work: Callable[[Session], Any],
                  fresh: bool = False) -> Any:
    """`work`'s figures after the rollups caught up, with how fresh they are: a result
    computed from older data may be served while it is recomputed (server/metrics/cache.py,
    SHIRUBE_METRICS_STALE_SECONDS) unless `fresh`."""
    db = request.app.state.db
    stale_seconds = request.app.state.settings.metrics_stale_seconds
    now = datetime.now(UTC)
    with Session(db.engine) as s:  # a plain read: no write lock unless there is work
        pending = rollups_pending(session=s, environment_id=env_id)
    if pending:
        with db.session() as s:
            refresh_rollups(session=s, environment_id=env_id, now=now)
            s.commit()
    with Session(db.engine) as s:
        cache.serve_stale(s, stale_seconds, fresh=fresh)
        data = work(s)
        served = cache.freshness(s)
        # After the work: its own figures are cached now and are not computed twice.
        warm.after_rollups(s, env_id, refreshed=pending, today=now.date(),
                           stale_seconds=stale_seconds)
    return {**data, "computed_at": served.computed_at, "stale": served.stale}


def _endpoint(query: type[BaseModel], work: Work, out: type[BaseModel]) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        q = parse_query(request, query)
        data = await run_in_threadpool(_with_rollups, request, env_id,
                                       lambda s: work(s, env_id, q, request),
                                       bool(getattr(q, "fresh", False)))
        return respond(out, data)

    return endpoint


def _ids(work: Work) -> Work:
    return lambda s, e, q, r: fig.ids_page(work(s, e, q, r), q)


_ERRORS = (400, 401, 422)
_GUIDE_ERRORS = (400, 401, 404, 422)
# (path, name, summary, query model, work, response model, errors)
_TABLE: list[tuple[str, str, str, type[BaseModel], Work, type[BaseModel], tuple[int, ...]]] = [
    ("/metrics/active", "active", "Active users and accounts in a period (any event)",
     m.PeriodQuery, fig.get_active, m.ActiveOut, _ERRORS),
    ("/metrics/active/users", "active-users", "The active users (or accounts, level=account)",
     m.ActiveUsersQuery, _ids(fig.get_active_ids), m.MemberPage, _ERRORS),
    ("/metrics/features/{key}/adoption", "feature-adoption",
     "Feature adoption: users and accounts, time to first use, stickiness",
     m.AdoptionQuery, fig.get_adoption, m.AdoptionOut, _ERRORS),
    ("/metrics/features/{key}/adoption/users", "feature-adoption-users",
     "Users (accounts) behind a feature adoption count (group=…)",
     m.AdoptionUsersQuery, _ids(fig.get_adoption_ids), m.MemberPage, _ERRORS),
    ("/metrics/guides/{key}/funnel", "guide-funnel",
     "A guide's views, step funnel with drop-off, completion and dismiss rates",
     m.PeriodQuery, fig.get_funnel, m.FunnelOut, _GUIDE_ERRORS),
    ("/metrics/guides/{key}/funnel/users", "guide-funnel-users",
     "Users behind a funnel count (group=seen|completed|dismissed|step&step=i)",
     m.FunnelUsersQuery, _ids(fig.get_funnel_ids), m.MemberPage, _GUIDE_ERRORS),
    ("/metrics/guides/{key}/lift", "guide-lift",
     "A guide's goal conversion, shown vs holdout, lift with 95% interval",
     m.LiftQuery, fig.get_lift, m.LiftOut, (*_GUIDE_ERRORS, 409)),
    ("/metrics/guides/{key}/lift/users", "guide-lift-users",
     "Users of the shown or holdout group (converted=true|false)",
     m.LiftUsersQuery, _ids(fig.get_lift_ids), m.MemberPage, (*_GUIDE_ERRORS, 409)),
    ("/metrics/rfm", "rfm", "RFM scores and named segments (first page of rows)",
     m.RfmQuery, loy.get_rfm, m.RfmOut, _ERRORS),
    ("/metrics/rfm/users", "rfm-users", "RFM rows, optionally of one segment",
     m.RfmUsersQuery, loy.get_rfm_rows, m.RfmPage, _ERRORS),
    ("/metrics/loyalty-matrix", "loyalty-matrix", "Loyalty matrix A–F (profitability × NPS)",
     m.MatrixQuery, loy.get_matrix, m.MatrixOut, _ERRORS),
    ("/metrics/loyalty-matrix/users", "loyalty-matrix-users", "Users of one cell (cell=A…F)",
     m.MatrixUsersQuery, _ids(loy.get_matrix_ids), m.MemberPage, _ERRORS),
    ("/metrics/lifecycle", "lifecycle", "Lifecycle stages and the flow since 30 days earlier",
     m.LifecycleQuery, loy.get_lifecycle, m.LifecycleOut, _ERRORS),
    ("/metrics/lifecycle/users", "lifecycle-users", "Users in one stage (stage=get|…)",
     m.LifecycleUsersQuery, _ids(loy.get_lifecycle_ids), m.MemberPage, _ERRORS),
    ("/metrics/churn", "churn", "Churn rate of a period (users, or accounts with level=account)",
     m.LevelPeriodQuery, loy.get_churn, m.ChurnOut, _ERRORS),
    ("/metrics/churn/users", "churn-users", "Churned (or previously active) users/accounts",
     m.ChurnUsersQuery, _ids(loy.get_churn_ids), m.MemberPage, _ERRORS),
    ("/metrics/stickiness", "stickiness", "Stickiness: mean DAU/MAU over the period",
     m.StickinessQuery, loy.get_stickiness, m.StickinessOut, _ERRORS),
    ("/metrics/usage-tiers", "usage-tiers", "Users per usage tier over the last 30 days",
     m.AsOfQuery, loy.get_tiers, m.TiersOut, _ERRORS),
    ("/metrics/usage-tiers/users", "usage-tiers-users", "Users in one tier",
     m.TierUsersQuery, _ids(loy.get_tier_ids), m.MemberPage, _ERRORS),
    ("/metrics/retention", "retention", "Weekly retention cohorts by first-seen week",
     m.RetentionQuery, loy.get_retention, m.RetentionOut, _ERRORS),
    ("/metrics/retention/users", "retention-users", "Users of a cohort (active in week k)",
     m.RetentionUsersQuery, _ids(loy.get_retention_ids), m.MemberPage, _ERRORS),
    ("/metrics/health", "health", "Account health: weights, average, accounts at risk",
     m.HealthQuery, loy.get_health, m.HealthOut, _ERRORS),
    ("/metrics/health/accounts", "health-accounts", "Accounts by health score, lowest first",
     m.HealthAccountsQuery, loy.get_health_rows, m.HealthPage, _ERRORS),
    ("/metrics/ltv", "ltv", "LTV: monetary per period × 1 / account churn rate",
     m.LtvQuery, loy.get_ltv, m.LtvOut, _ERRORS),
    ("/metrics/breadth", "breadth", "Breadth: distinct features used per user (account)",
     m.LevelPeriodQuery, loy.get_breadth, m.BreadthOut, _ERRORS),
]

routes = [
    ApiRoute(path, _endpoint(query, work, out), method="GET", name=f"v1:metrics-{name}",
             doc=RouteDoc(summary, "metrics", query=query, response=out, errors=errors))
    for path, name, summary, query, work, out, errors in _TABLE
]

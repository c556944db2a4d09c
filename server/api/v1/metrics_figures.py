"""The work behind the metrics routes: activity, NPS, features and guides.

Each function is `(session, environment_id, query, request) -> JSON-ready data` and calls
the server/metrics function of its figure; the routes are in metrics.py.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from ...errors import ApiError
from ...metrics import activity, adoption, guides
from . import metrics_models as m
from .common import not_found, path_str
from .metrics_models import bad_param, period_of
from .pagination import decode_cursor, page


def ids_page(ids: Sequence[str], q: Any) -> dict[str, Any]:
    """One page of ids (sorted), after the query's cursor."""
    after = decode_cursor(q.cursor, (str,))
    ordered = sorted(ids)
    start = bisect.bisect_right(ordered, after[0]) if after else 0
    return page(ordered[start:start + q.limit + 1], limit=q.limit, key=lambda i: (i,),
                shape=lambda i: {"id": i})


def _guide(s: Session, env_id: int, request: Request) -> guides.GuideInfo:
    key = path_str(request, "key", "guide")
    info = guides.guide_info(session=s, environment_id=env_id, guide_key=key)
    if info is None:
        raise not_found("guide", key)
    return info



def get_active(s: Session, env_id: int, q: m.PeriodQuery, _: Request) -> Any:
    got = activity.active(session=s, environment_id=env_id, period=period_of(q))
    return {"active_users": len(got.users), "active_accounts": len(got.accounts)}


def get_active_ids(s: Session, env_id: int, q: m.ActiveUsersQuery, _: Request) -> list[str]:
    return sorted(activity.active_ids(session=s, environment_id=env_id, period=period_of(q),
                                      level=q.level))


def _adoption_of(s: Session, env_id: int, q: Any, r: Request) -> adoption.Adoption:
    return adoption.feature_adoption(session=s, environment_id=env_id, period=period_of(q),
                                     feature=path_str(r, "key", "feature"))


def get_adoption(s: Session, env_id: int, q: m.AdoptionQuery, r: Request) -> Any:
    got, key, p = _adoption_of(s, env_id, q, r), path_str(r, "key", "feature"), period_of(q)
    first = adoption.time_to_first_use(session=s, environment_id=env_id, feature=key, period=p)
    sticky = adoption.stickiness(session=s, environment_id=env_id, period=p, feature=key)
    return {"active_users": len(got.active_users), "users": len(got.users), "rate": got.rate,
            "active_accounts": len(got.active_accounts), "accounts": len(got.accounts),
            "account_rate": got.account_rate, "median_days_to_first_use": first.median_days,
            "stickiness": sticky.value}


def _funnel_of(s: Session, env_id: int, q: Any, r: Request) -> guides.Funnel:
    info = _guide(s, env_id, r)
    return guides.guide_funnel(session=s, environment_id=env_id, guide_key=info.key,
                               period=period_of(q), step_count=info.step_count)


def get_funnel(s: Session, env_id: int, q: m.PeriodQuery, r: Request) -> Any:
    f = _funnel_of(s, env_id, q, r)
    return {"steps": [{"step": st.step, "users": len(st.users), "drop_off": st.drop_off}
                      for st in f.steps],
            "seen": len(f.seen), "completed": len(f.completed), "dismissed": len(f.dismissed),
            "completion_rate": f.completion_rate, "dismiss_rate": f.dismiss_rate}


def get_funnel_ids(s: Session, env_id: int, q: m.FunnelUsersQuery, r: Request) -> list[str]:
    f = _funnel_of(s, env_id, q, r)
    if q.group != "step":
        return list(getattr(f, q.group))
    if q.step is None:
        raise bad_param("step", "required with group=step")
    return f.steps[q.step].users if q.step < len(f.steps) else []


def _lift_of(s: Session, env_id: int, q: Any, r: Request) -> guides.Lift:
    info = _guide(s, env_id, r)
    if info.goal is None or not isinstance(info.goal.get("event"), str):
        raise ApiError(409, "no_goal", f"guide {info.key!r} has no goal to measure lift against")
    within = q.within_days or int(info.goal.get("within_days") or 7)
    recorded = guides.recorded_holdout(session=s, environment_id=env_id, guide_key=info.key)
    return guides.goal_lift(session=s, environment_id=env_id, guide_key=info.key,
                            period=period_of(q), goal_event=info.goal["event"],
                            within_days=within, holdout_percent=info.holdout_percent,
                            recorded_holdout=recorded)


def get_lift(s: Session, env_id: int, q: m.LiftQuery, r: Request) -> Any:
    got = _lift_of(s, env_id, q, r)
    group = lambda g: {"n": len(g.users), "converted": len(g.converted), "rate": g.rate}  # noqa: E731
    return {"shown": group(got.shown), "holdout": group(got.holdout), "lift": got.lift,
            "ci95": got.ci95, "goal": {"event": got.goal_event, "within_days": got.within_days},
            "holdout_percent": _guide(s, env_id, r).holdout_percent,
            "holdout_source": got.holdout_source}


def get_lift_ids(s: Session, env_id: int, q: m.LiftUsersQuery, r: Request) -> list[str]:
    g = getattr(_lift_of(s, env_id, q, r), q.group)
    if q.converted is None:
        return list(g.users)
    done = set(g.converted)
    return [u for u in g.users if (u in done) == q.converted]


def get_adoption_ids(s: Session, env_id: int, q: m.AdoptionUsersQuery, r: Request) -> list[str]:
    return list(getattr(_adoption_of(s, env_id, q, r), q.group))

"""The work behind the loyalty metrics routes: RFM, matrix, lifecycle, churn, usage, health.

Each function is `(session, environment_id, query, request) -> JSON-ready data`, calling
the server/metrics function of its figure; the routes are in metrics.py.
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from ...metrics import activity, adoption, churn, lifecycle, loyalty, rfm
from ...metrics.days import day_date
from . import metrics_models as m
from .metrics_models import as_of_of, bad_param, period_of
from .pagination import decode_cursor, page


def _rfm_of(s: Session, env_id: int, q: Any) -> rfm.Rfm:
    return rfm.rfm(session=s, environment_id=env_id, as_of=as_of_of(q),
                   window_days=q.window_days, monetary_trait=q.monetary_trait, level=q.level)


def _rfm_row(row: rfm.RfmRow) -> dict[str, Any]:
    return {"user_id": row.id, "r": row.r, "f": row.f, "m": row.m, "segment": row.segment,
            "recency_days": row.recency_days, "frequency": row.frequency,
            "monetary": row.monetary}


def get_rfm(s: Session, env_id: int, q: m.RfmQuery, _: Request) -> Any:
    got = _rfm_of(s, env_id, q)
    first = page(got.rows[: q.limit + 1], limit=q.limit, key=lambda row: (row.id,),
                 shape=_rfm_row) if q.limit else {"data": [], "next_cursor": None}
    return {"as_of": as_of_of(q), "window_days": q.window_days,
            "segments": {k: len(v) for k, v in got.segments().items()},
            "users": first["data"], "next_cursor": first["next_cursor"]}


def get_rfm_rows(s: Session, env_id: int, q: m.RfmUsersQuery, _: Request) -> Any:
    if q.segment is not None and q.segment not in rfm.SEGMENT_NAMES:
        raise bad_param("segment", f"one of {', '.join(rfm.SEGMENT_NAMES)}")
    rows = [row for row in _rfm_of(s, env_id, q).rows
            if q.segment is None or row.segment == q.segment]
    after = decode_cursor(q.cursor, (str,))
    start = bisect.bisect_right([row.id for row in rows], after[0]) if after else 0
    return page(rows[start:start + q.limit + 1], limit=q.limit, key=lambda row: (row.id,),
                shape=_rfm_row)


def _matrix_of(s: Session, env_id: int, q: Any) -> loyalty.LoyaltyMatrix:
    return loyalty.loyalty_matrix(session=s, environment_id=env_id, as_of=as_of_of(q),
                                  threshold=q.threshold, monetary_trait=q.monetary_trait)


def get_matrix(s: Session, env_id: int, q: m.MatrixQuery, _: Request) -> Any:
    got = _matrix_of(s, env_id, q)
    return {"threshold": got.threshold, "cells": {k: len(v) for k, v in got.cells.items()},
            "actions": loyalty.ACTIONS}


def get_matrix_ids(s: Session, env_id: int, q: m.MatrixUsersQuery, _: Request) -> list[str]:
    return _matrix_of(s, env_id, q).cells[q.cell]


def _lifecycle_settings(q: Any) -> lifecycle.LifecycleSettings:
    return lifecycle.LifecycleSettings(get_days=q.get_days, onboarding_guide=q.onboarding_guide,
                                       threshold=q.threshold, monetary_trait=q.monetary_trait)


def get_lifecycle(s: Session, env_id: int, q: m.LifecycleQuery, _: Request) -> Any:
    got = lifecycle.lifecycle_flow(session=s, environment_id=env_id, as_of=as_of_of(q),
                                   settings=_lifecycle_settings(q))
    return {"as_of": got.as_of, "stages": {k: len(v) for k, v in got.stages.items()},
            "threshold": got.threshold, "flow": got.flow}


def get_lifecycle_ids(s: Session, env_id: int, q: m.LifecycleUsersQuery, _: Request) -> Any:
    got = lifecycle.lifecycle_stages(session=s, environment_id=env_id, as_of=as_of_of(q),
                                     settings=_lifecycle_settings(q))
    return got.stages[q.stage]


def _churn_of(s: Session, env_id: int, q: Any) -> churn.Churn:
    return churn.churn(session=s, environment_id=env_id, period=period_of(q), level=q.level)


def get_churn(s: Session, env_id: int, q: m.LevelPeriodQuery, _: Request) -> Any:
    got = _churn_of(s, env_id, q)
    return {"previous_active": len(got.previous_active), "churned": len(got.churned),
            "rate": got.rate}


def get_churn_ids(s: Session, env_id: int, q: m.ChurnUsersQuery, _: Request) -> list[str]:
    return getattr(_churn_of(s, env_id, q), q.group)


def get_stickiness(s: Session, env_id: int, q: m.StickinessQuery, _: Request) -> Any:
    got = adoption.stickiness(session=s, environment_id=env_id, period=period_of(q),
                              feature=q.feature)
    days = [{"date": day_date(d), "dau": got.dau.get(d, 0), "mau": mau}
            for d, mau in sorted(got.mau.items())]
    return {"stickiness": got.value, "days": days}


def get_tiers(s: Session, env_id: int, q: m.AsOfQuery, _: Request) -> Any:
    got = adoption.usage_tiers(session=s, environment_id=env_id, as_of=as_of_of(q))
    return {"tiers": {k: len(v) for k, v in got.tiers.items()}}


def get_tier_ids(s: Session, env_id: int, q: m.TierUsersQuery, _: Request) -> list[str]:
    return adoption.usage_tiers(session=s, environment_id=env_id, as_of=as_of_of(q)).tiers[q.tier]


def _cohorts(s: Session, env_id: int, q: Any) -> list[adoption.Cohort]:
    return adoption.retention(session=s, environment_id=env_id, period=period_of(q),
                              weeks=q.weeks)


def get_retention(s: Session, env_id: int, q: m.RetentionQuery, _: Request) -> Any:
    return {"cohorts": [{"week_start": c.week_start, "users": len(c.users), "active": c.active,
                         "rates": [n / len(c.users) for n in c.active]}
                        for c in _cohorts(s, env_id, q)]}


def get_retention_ids(s: Session, env_id: int, q: m.RetentionUsersQuery, _: Request) -> Any:
    if q.cohort.weekday() != 0:
        raise bad_param("cohort", "must be a Monday (a cohort's week_start)")
    for c in _cohorts(s, env_id, q):
        if c.week_start == q.cohort:
            if q.week is None:
                return c.users
            from ...metrics.days import Period, day_number

            first = day_number(q.cohort) + 7 * q.week
            week = activity.active_ids(session=s, environment_id=env_id,
                                       period=Period(first, first + 6))
            return [u for u in c.users if u in week]
    return []


def _health_of(s: Session, env_id: int, q: Any) -> churn.Health:
    return churn.account_health(session=s, environment_id=env_id, as_of=as_of_of(q),
                                window_days=q.window_days)


def get_health(s: Session, env_id: int, q: m.HealthQuery, _: Request) -> Any:
    got = _health_of(s, env_id, q)
    scores = [r.score for r in got.rows]
    return {"weights": got.weights, "accounts": len(scores),
            "average": round(sum(scores) / len(scores), 1) if scores else None,
            "at_risk": sum(1 for x in scores if x < q.at_risk_below)}


def get_health_rows(s: Session, env_id: int, q: m.HealthAccountsQuery, _: Request) -> Any:
    rows = _health_of(s, env_id, q).rows  # lowest score first, then id
    after = decode_cursor(q.cursor, (float, str))
    start = bisect.bisect_right([(r.score, r.account_id) for r in rows], after) if after else 0
    return page(rows[start:start + q.limit + 1], limit=q.limit,
                key=lambda r: (float(r.score), r.account_id),
                shape=lambda r: {"account_id": r.account_id, "score": r.score,
                                 "components": r.components, "detractors": r.detractors})


def get_ltv(s: Session, env_id: int, q: m.LtvQuery, _: Request) -> Any:
    got = churn.ltv(session=s, environment_id=env_id, period=period_of(q),
                    monetary_trait=q.monetary_trait)
    return {"accounts": len(got.accounts), "arpa": got.arpa, "churn_rate": got.churn_rate,
            "lifetime_periods": got.lifetime_periods, "ltv": got.ltv}


def get_breadth(s: Session, env_id: int, q: m.LevelPeriodQuery, _: Request) -> Any:
    p = period_of(q)
    width = adoption.breadth(session=s, environment_id=env_id, period=p, level=q.level)
    act = activity.active_ids(session=s, environment_id=env_id, period=p, level=q.level)
    counts = Counter(width.get(a, 0) for a in act)
    return {"subjects": len(act), "mean": sum(width.get(a, 0) for a in act) / len(act)
            if act else None,
            "distribution": {str(k): counts[k] for k in sorted(counts)}}

"""Survey results for a period: NPS (with distribution and weekly trend), CES, CSAT.

Query functions over `survey_response`; the maths is server/metrics/surveys.py. Per
METRICS.md "Surveys", the NPS of a period uses each user's most recent answer in it
(so does each week of the trend); CES and CSAT count every answer in the period.
A response belongs to the period of its `answered_at`, in [start, end).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ..metrics.surveys import ces, csat, nps, nps_distribution
from ..models import SurveyResponse as R


def _answers(
    session: Session, *, environment_id: int, kind: str, start: datetime, end: datetime,
    survey_key: str | None, account_id: str | None, segment: Collection[str] | None,
) -> list[tuple[str, int, int, datetime]]:
    """(user, score, scale, answered_at) of scored answers of `kind`, oldest first."""
    query = sa.select(col(R.user_id), col(R.score), col(R.scale), col(R.answered_at)).where(
        col(R.environment_id) == environment_id, col(R.kind) == kind,
        col(R.score).is_not(None), col(R.answered_at) >= start, col(R.answered_at) < end,
    )
    if survey_key is not None:
        query = query.where(col(R.survey_key) == survey_key)
    if account_id is not None:
        query = query.where(col(R.account_id) == account_id)
    rows = session.execute(query.order_by(col(R.answered_at), col(R.id))).all()
    if segment is not None:
        members = set(segment)
        rows = [r for r in rows if r[0] in members]
    return [(u, int(s), int(sc or 0), at) for u, s, sc, at in rows]


def _latest_per_user(rows: list[tuple[str, int, int, datetime]]) -> dict[str, int]:
    latest: dict[str, int] = {}
    for user, score, _scale, _at in rows:  # oldest first: the last one wins
        latest[user] = score
    return latest


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week containing `moment`."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def nps_for_period(
    *, session: Session, environment_id: int, start: datetime, end: datetime,
    survey_key: str | None = None, account_id: str | None = None,
    segment: Collection[str] | None = None,
) -> dict[str, Any]:
    """NPS over [start, end): `metrics.surveys.nps` of each user's latest answer, plus
    `distribution` (answers per score 0–10) and `trend` (the same per ISO week).
    `segment`: the user ids of a segment, to restrict the answers to them."""
    rows = _answers(session, environment_id=environment_id, kind="nps", start=start, end=end,
                    survey_key=survey_key, account_id=account_id, segment=segment)
    latest = _latest_per_user(rows)
    weeks: dict[datetime, list[tuple[str, int, int, datetime]]] = {}
    for row in rows:
        weeks.setdefault(week_start(row[3]), []).append(row)
    trend = [
        {"week": week.date(), **nps(_latest_per_user(items).values())}
        for week, items in sorted(weeks.items())
    ]
    return {
        **nps(latest.values()),
        "distribution": nps_distribution(latest.values()),
        "trend": trend,
    }


def ces_for_period(
    *, session: Session, environment_id: int, start: datetime, end: datetime,
    survey_key: str | None = None, account_id: str | None = None,
    segment: Collection[str] | None = None,
) -> dict[str, Any]:
    """CES over [start, end): every answer, per scale (mean, easy share, its threshold)."""
    rows = _answers(session, environment_id=environment_id, kind="ces", start=start, end=end,
                    survey_key=survey_key, account_id=account_id, segment=segment)
    return {"n": len(rows), "scales": ces((score, scale) for _u, score, scale, _at in rows)}


def csat_for_period(
    *, session: Session, environment_id: int, start: datetime, end: datetime,
    survey_key: str | None = None, account_id: str | None = None,
    segment: Collection[str] | None = None,
) -> dict[str, Any]:
    """CSAT over [start, end): % of answers that are 4 or 5."""
    rows = _answers(session, environment_id=environment_id, kind="csat", start=start, end=end,
                    survey_key=survey_key, account_id=account_id, segment=segment)
    return csat(score for _u, score, _scale, _at in rows)

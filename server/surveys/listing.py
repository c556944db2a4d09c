"""Survey guides with their response counts, and the responses themselves (page, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Guide
from ..models import SurveyResponse as R

MAX_CSV_ROWS = 100_000
CSV_COLUMNS = (
    "survey", "user_id", "account_id", "asked_at", "answered_at", "kind", "score", "scale",
    "category", "comment", "followup", "locale", "url",
)


def get_survey(*, session: Session, environment_id: int, key: str) -> Guide | None:
    """The survey guide `key` (any status), or None."""
    return session.exec(select(Guide).where(
        Guide.environment_id == environment_id, Guide.key == key, Guide.type == "survey",
    )).first()


@dataclass(slots=True)
class SurveySummary:
    guide: Guide
    responses: int
    scored: int
    last_response_at: datetime | None


def list_surveys(
    *, session: Session, environment_id: int, after: str | None = None, limit: int = 50,
) -> list[SurveySummary]:
    """Survey guides by key (`limit + 1` after `after`), with their response counts."""
    query = select(Guide).where(Guide.environment_id == environment_id, Guide.type == "survey")
    if after is not None:
        query = query.where(col(Guide.key) > after)
    guides = session.exec(query.order_by(col(Guide.key)).limit(limit + 1)).all()
    if not guides:
        return []
    counts = session.execute(
        sa.select(col(R.survey_key), sa.func.count(), sa.func.count(col(R.score)),
                  sa.func.max(col(R.answered_at)))
        .where(col(R.environment_id) == environment_id,
               col(R.survey_key).in_([g.key for g in guides]))
        .group_by(col(R.survey_key))
    ).all()
    by_key = {key: (n, scored, last) for key, n, scored, last in counts}
    return [SurveySummary(g, *by_key.get(g.key, (0, 0, None))) for g in guides]


@dataclass(frozen=True, slots=True)
class ResponseFilter:
    """Filters of the responses list (every one optional)."""

    category: str | None = None
    account_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    q: str | None = None  # substring of the comment or a follow-up answer, case-insensitive
    has_comment: bool | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(environment_id: int, survey_key: str, f: ResponseFilter) -> Any:
    query = select(R).where(R.environment_id == environment_id, R.survey_key == survey_key)
    if f.category is not None:
        query = query.where(R.category == f.category)
    if f.account_id is not None:
        query = query.where(R.account_id == f.account_id)
    if f.start is not None:
        query = query.where(col(R.answered_at) >= f.start)
    if f.end is not None:
        query = query.where(col(R.answered_at) < f.end)
    if f.has_comment is not None:
        query = query.where(col(R.comment).is_not(None) if f.has_comment
                            else col(R.comment).is_(None))
    if f.q:
        pattern = f"%{_escape_like(f.q)}%"
        followup_text = sa.cast(col(R.followup), sa.Text)
        query = query.where(col(R.comment).ilike(pattern, escape="\\")
                            | followup_text.ilike(pattern, escape="\\"))
    return query


def list_responses(
    *, session: Session, environment_id: int, survey_key: str, filters: ResponseFilter,
    after: tuple[datetime, int] | None = None, limit: int = 50,
) -> Sequence[R]:
    """Responses newest first by (answered_at, id); `limit + 1` rows after the cursor."""
    query = _filtered(environment_id, survey_key, filters)
    if after is not None:
        at, ident = after
        query = query.where(
            (col(R.answered_at) < at) | ((col(R.answered_at) == at) & (col(R.id) < ident))
        )
    query = query.order_by(col(R.answered_at).desc(), col(R.id).desc()).limit(limit + 1)
    return session.exec(query).all()


def _cell(value: Any) -> Any:
    # End users write these: a leading = + - @ would be a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def responses_csv(
    *, session: Session, environment_id: int, survey_key: str, filters: ResponseFilter,
) -> str:
    """The matching responses as CSV (newest first, at most MAX_CSV_ROWS)."""
    query = _filtered(environment_id, survey_key, filters)
    rows = session.exec(
        query.order_by(col(R.answered_at).desc(), col(R.id).desc()).limit(MAX_CSV_ROWS)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.survey_key, r.user_id, r.account_id, r.asked_at.isoformat(),
            r.answered_at.isoformat(), r.kind, r.score, r.scale, r.category, r.comment,
            orjson.dumps(r.followup).decode() if r.followup else "", r.locale, r.url,
        )])
    return out.getvalue()

"""Admin REST: survey guides, their responses (page or CSV) and NPS / CES / CSAT results.

Definitions are METRICS.md "Surveys" (server/metrics/surveys.py); periods are whole UTC
days, `from` and `to` both included (`?from=2026-10-01&to=2026-10-31` is October).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from starlette.requests import Request
from starlette.responses import Response

from ...models import SurveyResponse
from ...surveys import listing, results
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    environment_id,
    not_found,
    page_model,
    parse_query,
    path_str,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page

DEFAULT_DAYS = 30
MAX_DAYS = 3660


class PeriodQuery(Strict):
    """A period of whole UTC days; both ends included. Default: the last 30 days."""

    from_: date | None = Field(default=None, alias="from",
                               description="First day (inclusive), YYYY-MM-DD")
    to: date | None = Field(default=None, description="Last day (inclusive); default today (UTC)")

    @model_validator(mode="after")
    def _order(self) -> PeriodQuery:
        last = self.to or datetime.now(UTC).date()
        first = self.from_ or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise ValueError("from: must not be after to")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"from: a period is at most {MAX_DAYS} days")
        return self

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as UTC datetimes."""
        last = self.to or datetime.now(UTC).date()
        first = self.from_ or last - timedelta(days=DEFAULT_DAYS - 1)
        start = datetime.combine(first, time.min, tzinfo=UTC)
        return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


class MetricQuery(PeriodQuery):
    survey: str | None = Field(default=None, max_length=100, description="One survey's key")
    account: str | None = Field(default=None, max_length=255,
                                description="Only answers given within this account")


class NpsCounts(BaseModel):
    n: int = Field(description="Users counted (each user's most recent answer)")
    promoters: int = Field(description="Scores 9–10")
    passives: int = Field(description="Scores 7–8")
    detractors: int = Field(description="Scores 0–6")
    nps: int | None = Field(description="%promoters − %detractors, −100..100; null when n = 0")
    moe95: float | None = Field(description="95% margin of error in NPS points (±)")
    stable: bool = Field(description="n ≥ 400 (below it the score is not yet stable)")


class NpsWeek(NpsCounts):
    week: date = Field(description="Monday of the ISO week (UTC)")


class NpsOut(NpsCounts):
    distribution: list[int] = Field(description="Users per score 0..10 (index = score)")
    trend: list[NpsWeek] = Field(description="The same per ISO week with answers")


class CesScale(BaseModel):
    scale: int = Field(description="5 (1–5) or 7 (1–7)")
    n: int
    mean: float
    easy: int
    easy_share: float = Field(description="% of answers at or above easy_threshold")
    easy_threshold: int = Field(description="≥ 5 of 7, ≥ 4 of 5")


class CesOut(BaseModel):
    n: int = Field(description="Answers in the period (every answer counts)")
    scales: list[CesScale] = Field(description="Per scale (scales are never mixed)")


class CsatOut(BaseModel):
    n: int = Field(description="Answers in the period (every answer counts)")
    satisfied: int = Field(description="Answers of 4 or 5")
    csat: float | None = Field(description="% satisfied; null when n = 0")


class SurveyOut(BaseModel):
    """A survey guide with its response counts."""

    key: str
    name: str
    status: str
    published_version: int | None
    responses: int = Field(description="Stored responses (one per user and showing)")
    scored: int = Field(description="Responses with a score")
    last_response_at: datetime | None


Category = Literal["promoter", "passive", "detractor"]


class ResponsesQuery(PageQuery):
    category: Category | None = None
    account: str | None = Field(default=None, max_length=255)
    from_: date | None = Field(default=None, alias="from", description="First day, inclusive")
    to: date | None = Field(default=None, description="Last day, inclusive")
    q: str | None = Field(default=None, min_length=1, max_length=200,
                          description="Text in the comment or a follow-up answer")
    has_comment: bool | None = None
    format: Literal["json", "csv"] = Field(
        default="json", description="csv: every matching response as text/csv (no paging)")


class ResponseOut(BaseModel):
    user_id: str
    account_id: str | None
    asked_at: datetime
    answered_at: datetime
    kind: str | None = Field(description="nps | ces | csat (null: only follow-ups so far)")
    score: int | None
    scale: int | None = Field(description="Top of the scale: 10 (NPS), 5 or 7 (CES), 5 (CSAT)")
    category: Category | None
    comment: str | None = Field(description="Plain text (sanitised); escape it when displaying")
    followup: dict[str, str] = Field(description="Follow-up answers by step index")
    locale: str | None
    url: str | None
    event_id: str = Field(description="The first survey_answered event of this response")


SurveyPage = page_model(SurveyOut, "SurveyPage")
ResponsePage = page_model(ResponseOut, "ResponsePage")


def _metric(fn: Any, out: type[BaseModel]) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        q = parse_query(request, MetricQuery)
        start, end = q.bounds()
        data = await run(request, lambda s: fn(
            session=s, environment_id=env_id, start=start, end=end, survey_key=q.survey,
            account_id=q.account,
        ))
        return respond(out, data)

    return endpoint


async def list_surveys(request: Request) -> Response:
    env_id = await environment_id(request)
    q = parse_query(request, PageQuery)
    after = decode_cursor(q.cursor, (str,))
    rows = await run(request, lambda s: listing.list_surveys(
        session=s, environment_id=env_id, after=after[0] if after else None, limit=q.limit))
    return respond(SurveyPage, page(
        rows, limit=q.limit, key=lambda r: (r.guide.key,), shape=lambda r: {
            "key": r.guide.key, "name": r.guide.name, "status": r.guide.status,
            "published_version": r.guide.published_version, "responses": r.responses,
            "scored": r.scored, "last_response_at": r.last_response_at,
        }))


def _response(r: SurveyResponse) -> dict[str, Any]:
    return {**r.model_dump(include={
        "user_id", "account_id", "asked_at", "answered_at", "kind", "score", "scale",
        "category", "comment", "followup", "locale", "url"}), "event_id": r.event_uuid}


async def list_responses(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "survey")
    q = parse_query(request, ResponsesQuery)
    after = decode_cursor(q.cursor, (datetime, int))
    filters = listing.ResponseFilter(
        category=q.category, account_id=q.account, q=q.q, has_comment=q.has_comment,
        start=datetime.combine(q.from_, time.min, tzinfo=UTC) if q.from_ else None,
        end=datetime.combine(q.to + timedelta(days=1), time.min, tzinfo=UTC) if q.to else None,
    )

    def work(session: Any) -> Any:
        if listing.get_survey(session=session, environment_id=env_id, key=key) is None:
            raise not_found("survey", key)
        if q.format == "csv":
            return listing.responses_csv(session=session, environment_id=env_id,
                                         survey_key=key, filters=filters)
        return listing.list_responses(
            session=session, environment_id=env_id, survey_key=key, filters=filters,
            after=(after[0], after[1]) if after else None, limit=q.limit)

    rows = await run(request, work)
    if q.format == "csv":
        return Response(rows, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{key}-responses.csv"'})
    return respond(ResponsePage, page(
        rows, limit=q.limit, key=lambda r: (r.answered_at, r.id), shape=_response))


routes = [
    ApiRoute("/surveys", list_surveys, method="GET", name="v1:surveys-list", doc=RouteDoc(
        "List survey guides with their response counts", "surveys", query=PageQuery,
        response=SurveyPage)),
    ApiRoute("/surveys/{key}/responses", list_responses, method="GET",
             name="v1:surveys-responses", doc=RouteDoc(
                 "A survey's responses, newest first (filters; format=csv exports them all)",
                 "surveys", query=ResponsesQuery, response=ResponsePage)),
    ApiRoute("/metrics/nps", _metric(results.nps_for_period, NpsOut), method="GET",
             name="v1:metrics-nps", doc=RouteDoc(
                 "NPS with its 95% margin of error, distribution and weekly trend",
                 "metrics", query=MetricQuery, response=NpsOut)),
    ApiRoute("/metrics/ces", _metric(results.ces_for_period, CesOut), method="GET",
             name="v1:metrics-ces", doc=RouteDoc(
                 "CES: mean and share of easy answers per scale (threshold stated)", "metrics",
                 query=MetricQuery, response=CesOut)),
    ApiRoute("/metrics/csat", _metric(results.csat_for_period, CsatOut), method="GET",
             name="v1:metrics-csat", doc=RouteDoc(
                 "CSAT: share of answers of 4 or 5", "metrics", query=MetricQuery,
                 response=CsatOut)),
]

"""Admin REST: events — list the log (newest first) and import history (≤ 5,000 per call)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError, format_loc
from ...ingest.events import EventIn, EventType
from ...ingest.query import EventFilter, list_events
from ...ingest.service import ingest_events
from ..body import read_json, require_object
from .common import (
    ApiRoute,
    RouteDoc,
    environment_id,
    find_nul,
    key_of,
    page_model,
    parse_query,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class EventListQuery(PageQuery):
    user_id: str | None = Field(default=None, max_length=255)
    type: EventType | None = None
    name: str | None = Field(default=None, max_length=200, description="A track() event name")
    from_: UtcDateTime | None = Field(
        default=None, alias="from", description="Inclusive; ISO date or datetime (UTC if no zone)"
    )
    to: UtcDateTime | None = Field(default=None, description="Exclusive; ISO date or datetime")


class EventsIn(BaseModel):
    """A batch of events in the SDK's shape; timestamps are kept as given."""

    events: list[EventIn] = Field(description="At most 5,000 events per call")


class Rejection(BaseModel):
    index: int
    reason: str


class IngestOut(BaseModel):
    accepted: int
    duplicates: int = Field(description="Already stored (same id), or repeated in this batch")
    rejected: list[Rejection]


class EventOut(BaseModel):
    id: str = Field(description="The client-minted UUID")
    type: str
    name: str | None
    user_id: str | None
    account_id: str | None
    guide: str | None
    step: int | None
    properties: dict[str, Any]
    timestamp: datetime
    received_at: datetime


EventPage = page_model(EventOut, "EventPage")


def _event(e: Any) -> dict[str, Any]:
    return {"id": e.uuid, "type": e.type, "name": e.name, "user_id": e.user_id,
            "account_id": e.account_id, "guide": e.guide_key, "step": e.step,
            "properties": e.properties, "timestamp": e.timestamp, "received_at": e.received_at}


async def get_events(request: Request) -> Response:
    env_id = await environment_id(request)
    q = parse_query(request, EventListQuery)
    cursor = decode_cursor(q.cursor, (datetime, int))
    before = (cursor[0], cursor[1]) if cursor else None
    where = EventFilter(user_id=q.user_id, type=q.type, name=q.name, start=q.from_, end=q.to)
    rows = await run(request, lambda s: list_events(
        session=s, environment_id=env_id, where=where, before=before, limit=q.limit,
    ))
    return respond(EventPage, page(rows, limit=q.limit, key=key_of("timestamp", "id"),
                                   shape=_event))


def _split_nul(raw: list[Any]) -> tuple[list[Any], list[int], list[dict[str, Any]]]:
    """Events PostgreSQL could not store (NUL characters) are rejected up front."""
    kept: list[Any] = []
    positions: list[int] = []
    rejected: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        loc = find_nul(item)
        if loc is None:
            kept.append(item)
            positions.append(index)
        else:
            where = format_loc(loc) or "event"
            rejected.append({"index": index, "reason": f"{where}: NUL characters are not allowed"})
    return kept, positions, rejected


async def post_events(request: Request) -> Response:
    env_id = await environment_id(request)
    state = request.app.state
    settings = state.settings
    body = require_object(await read_json(request, limit=4 * settings.max_body_bytes, check=False))
    unknown = sorted(set(body) - {"events"})
    if unknown:
        raise ApiError(422, "validation_error", "invalid body",
                       [{"loc": k, "msg": "Extra inputs are not permitted"} for k in unknown])
    raw = body.get("events")
    if not isinstance(raw, list):
        raise ApiError(422, "validation_error", "events: must be a list",
                       [{"loc": "events", "msg": "must be a list"}])
    if len(raw) > settings.max_admin_batch:
        raise ApiError(413, "payload_too_large",
                       f"events: {len(raw)} events, at most {settings.max_admin_batch} per call")
    kept, positions, rejected = _split_nul(raw)
    result = await run_in_threadpool(lambda: ingest_events(
        fast=state.fast, environment_id=env_id, raw_events=kept, now=datetime.now(UTC),
    ))
    rejected += [{**r, "index": positions[r["index"]]} for r in result.rejected]
    rejected.sort(key=lambda r: r["index"])
    return respond(IngestOut, {"accepted": result.accepted, "duplicates": result.duplicates,
                               "rejected": rejected})


routes = [
    ApiRoute("/events", get_events, method="GET", name="v1:events-list", doc=RouteDoc(
        "List events, newest first (filter by user, type, name, time range)", "events",
        query=EventListQuery, response=EventPage, errors=(400, 401, 422))),
    ApiRoute("/events", post_events, method="POST", name="v1:events-import", doc=RouteDoc(
        "Import events (same validation as the SDK; timestamps kept as given)", "events",
        body=EventsIn, response=IngestOut, errors=(400, 401, 413, 422))),
]

"""Admin REST: segments — list with member counts, create, read, update, delete, members,
refresh. Rule segments are evaluated live at bootstrap; members lists show the last
refresh (`shirube segments refresh` or POST …/refresh). See docs/segments.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError
from ...models.segment import Segment, SegmentMember
from ...segments import service
from ...segments.definition import SegmentError
from ...segments.refresh import refresh_segments
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    environment_id,
    not_found,
    page_model,
    parse_body,
    parse_query,
    path_str,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"


class SegmentIn(Strict):
    key: str = Field(pattern=KEY_PATTERN, description="Stable, unique per environment")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["rule", "computed"]
    definition: dict[str, Any] = Field(
        description="rule: an audience rule (plus feature/guide leaves); computed:"
                    " {metric: nps|rfm|loyalty|lifecycle|usage_tier|health, …}")


class SegmentPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = Field(default=None, description="Replace the definition")


class SegmentOut(BaseModel):
    key: str
    name: str
    kind: str
    definition: dict[str, Any]
    members: int = Field(description="Members as of the last refresh (NPS segments: live)")
    refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MemberOut(BaseModel):
    user_id: str
    since: datetime


class DeletedOut(BaseModel):
    deleted: str


class RefreshOut(BaseModel):
    members: dict[str, int] = Field(description="Segment key → members after the refresh")
    entered: int
    left: int
    messages: int = Field(description="Webhook deliveries written (segment.entered/left …)")


SegmentPage = page_model(SegmentOut, "SegmentPage")
MemberPage = page_model(MemberOut, "SegmentMemberPage")
_m = SegmentMember.__table__  # type: ignore[attr-defined]


def _counts(session: Session, env_id: int, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    stmt = (sa.select(_m.c.segment_key, sa.func.count())
            .where(_m.c.environment_id == env_id, _m.c.segment_key.in_(keys))
            .group_by(_m.c.segment_key))
    return {k: int(n) for k, n in session.execute(stmt)}


def _out(segment: Segment, members: int) -> dict[str, Any]:
    return {**segment.model_dump(include={"key", "name", "kind", "definition", "refreshed_at",
                                          "created_at", "updated_at"}), "members": members}


def _one(session: Session, env_id: int, key: str) -> Segment:
    segment = service.get_segment(session=session, environment_id=env_id, key=key)
    if segment is None:
        raise not_found("segment", key)
    return segment


def _invalid(exc: SegmentError) -> ApiError:
    return ApiError(422, "validation_error", str(exc), [{"loc": exc.loc, "msg": str(exc)}])


async def list_segments(request: Request) -> Response:
    env_id = await environment_id(request)
    q = parse_query(request, PageQuery)
    after = decode_cursor(q.cursor, (str,))

    def work(session: Session) -> dict[str, Any]:
        rows = service.list_segments(session=session, environment_id=env_id,
                                     after=after[0] if after else None, limit=q.limit)
        counts = _counts(session, env_id, [s.key for s in rows])
        return page(rows, limit=q.limit, key=lambda s: (s.key,),
                    shape=lambda s: _out(s, counts.get(s.key, 0)))

    return respond(SegmentPage, await run(request, work))


async def create_segment(request: Request) -> Response:
    env_id = await environment_id(request)
    body = await parse_body(request, SegmentIn)

    def work(session: Session) -> dict[str, Any]:
        try:
            segment = service.create_segment(session=session, environment_id=env_id,
                                             key=body.key, name=body.name, kind=body.kind,
                                             definition=body.definition)
        except SegmentError as exc:
            raise _invalid(exc) from None
        except service.SegmentExists:
            raise ApiError(409, "segment_exists", f"segment {body.key!r} already exists:"
                           " PATCH /segments/{key} changes it") from None
        return _out(segment, 0)

    return respond(SegmentOut, await run(request, work, write=True), status=201)


async def get_segment(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "segment")

    def work(session: Session) -> dict[str, Any]:
        return _out(_one(session, env_id, key), _counts(session, env_id, [key]).get(key, 0))

    return respond(SegmentOut, await run(request, work))


async def update_segment(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "segment")
    body = await parse_body(request, SegmentPatch)

    def work(session: Session) -> dict[str, Any]:
        try:
            segment = service.update_segment(session=session, segment=_one(session, env_id, key),
                                             name=body.name, definition=body.definition)
        except SegmentError as exc:
            raise _invalid(exc) from None
        return _out(segment, _counts(session, env_id, [key]).get(key, 0))

    return respond(SegmentOut, await run(request, work, write=True))


async def delete_segment(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "segment")

    def work(session: Session) -> dict[str, Any]:
        service.delete_segment(session=session, segment=_one(session, env_id, key))
        return {"deleted": key}

    return respond(DeletedOut, await run(request, work, write=True))


async def list_members(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "segment")
    q = parse_query(request, PageQuery)
    after = decode_cursor(q.cursor, (str,))

    def work(session: Session) -> dict[str, Any]:
        _one(session, env_id, key)
        rows = service.list_members(session=session, environment_id=env_id, key=key,
                                    after=after[0] if after else None, limit=q.limit)
        return page(rows, limit=q.limit, key=lambda m: (m.user_id,),
                    shape=lambda m: {"user_id": m.user_id, "since": m.since})

    return respond(MemberPage, await run(request, work))


def _refresher(*, one: bool) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        key = path_str(request, "key", "segment") if one else None

        def work(session: Session) -> dict[str, Any]:
            if key is not None:
                _one(session, env_id, key)
            report = refresh_segments(session=session, environment_id=env_id,
                                      now=datetime.now(UTC),
                                      keys=[key] if key is not None else None)
            return {"members": report.members, "entered": report.entered,
                    "left": report.left, "messages": report.messages}

        return respond(RefreshOut, await run(request, work, write=True))

    return endpoint


_ONE = "/segments/{key}"
_TAG = "segments"
routes = [
    ApiRoute("/segments", list_segments, method="GET", name="v1:segments-list", doc=RouteDoc(
        "List segments by key, with member counts", _TAG, query=PageQuery,
        response=SegmentPage)),
    ApiRoute("/segments", create_segment, method="POST", name="v1:segments-create",
             doc=RouteDoc("Create a rule or computed segment", _TAG, body=SegmentIn,
                          response=SegmentOut, status=201,
                          errors=(400, 401, 409, 413, 415, 422))),
    ApiRoute("/segments/refresh", _refresher(one=False), method="POST",
             name="v1:segments-refresh-all", doc=RouteDoc(
                 "Refresh every segment's members (as `shirube segments refresh`)", _TAG,
                 response=RefreshOut, body_required=False, errors=(401,))),
    ApiRoute(_ONE, get_segment, method="GET", name="v1:segments-get", doc=RouteDoc(
        "A segment with its member count", _TAG, response=SegmentOut)),
    ApiRoute(_ONE, update_segment, method="PATCH", name="v1:segments-update", doc=RouteDoc(
        "Rename a segment and/or replace its definition", _TAG, body=SegmentPatch,
        response=SegmentOut, errors=(400, 401, 404, 413, 415, 422))),
    ApiRoute(_ONE, delete_segment, method="DELETE", name="v1:segments-delete", doc=RouteDoc(
        "Delete a segment and its members", _TAG, response=DeletedOut, errors=(401, 404))),
    ApiRoute(f"{_ONE}/members", list_members, method="GET", name="v1:segments-members",
             doc=RouteDoc("A segment's members by user id", _TAG, query=PageQuery,
                          response=MemberPage)),
    ApiRoute(f"{_ONE}/refresh", _refresher(one=True), method="POST",
             name="v1:segments-refresh", doc=RouteDoc(
                 "Refresh one segment's members now", _TAG, response=RefreshOut,
                 body_required=False, errors=(401, 404))),
]

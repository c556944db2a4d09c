"""Admin REST: guides — list, create, read, replace the draft, publish, versions, rollback."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError
from ...guides import catalog
from ...guides.errors import GuideFileError, problems_from_validation_error
from ...guides.model import GuideFile
from ...guides.service import (
    archive_guide,
    get_guide,
    get_version,
    latest_version,
    publish_guide,
    rollback_guide,
    unpublish_guide,
)
from ...models import Environment, Guide
from ..body import read_json, require_object
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    authenticated,
    check_nul,
    environment_id,
    key_of,
    not_found,
    parse,
    parse_body,
    parse_query,
    path_str,
    respond,
    run,
)
from .guide_models import (
    MAX_INT4,
    CreateQuery,
    GuideListQuery,
    GuideOut,
    GuidePage,
    PublishIn,
    RollbackIn,
    VersionOut,
    VersionPage,
)
from .pagination import PageQuery, decode_cursor, page

AUTHOR = "api"
_LEADING_PATH = re.compile(r"^([A-Za-z_][\w-]*(?:\[\d+\]|\.[\w-]+)*): ")


def _problem_details(problems: list[str]) -> list[dict[str, str]]:
    out = []
    for text in problems:
        match = _LEADING_PATH.match(text)
        if match:
            out.append({"loc": match.group(1), "msg": text[match.end():]})
        else:
            out.append({"loc": "", "msg": text})
    return out


def _invalid(details: list[dict[str, str]]) -> ApiError:
    return ApiError(422, "validation_error", "invalid guide definition", details)


async def _definition(request: Request) -> GuideFile:
    """The body as a validated guide definition; 422 lists every problem with its path."""
    body = require_object(await read_json(request, limit=request.app.state.settings.max_body_bytes,
                                          check=False))
    check_nul(body)
    try:
        return GuideFile.model_validate(body)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        raise _invalid([{"loc": p.path, "msg": p.message} for p in problems]) from None


def _guide(session: Session, env: Environment, key: str) -> Guide:
    guide = get_guide(session=session, environment=env, key=key)
    if guide is None:
        raise not_found("guide", key)
    return guide


def _detail(session: Session, guide: Guide) -> dict[str, Any]:
    return catalog.guide_detail(session=session, guide=guide).as_dict()


async def list_guides(request: Request) -> Response:
    env_id = await environment_id(request)
    query = parse_query(request, GuideListQuery)
    after = decode_cursor(query.cursor, (str,))
    rows = await run(request, lambda s: catalog.list_guides(
        session=s, environment_id=env_id, status=query.status, guide_type=query.type,
        q=query.q, after=after[0] if after else None, limit=query.limit,
    ))
    body = page(rows, limit=query.limit, key=key_of("key"),
                shape=lambda g: {**g.model_dump(), "has_draft": g.draft is not None})
    return respond(GuidePage, body)


async def create_guide(request: Request) -> Response:
    env = await authenticated(request)
    query = parse_query(request, CreateQuery)
    definition = await _definition(request)

    def work(session: Session) -> dict[str, Any]:
        try:
            guide = catalog.add_guide(session=session, environment=env, definition=definition,
                                      publish=query.publish, author=AUTHOR)
        except catalog.GuideExistsError:
            raise ApiError(409, "guide_exists", f"guide {definition.key!r} already exists:"
                           " PUT /guides/{key} replaces its draft") from None
        return _detail(session, guide)

    return respond(GuideOut, await run(request, work, write=True), status=201)


async def get_guide_detail(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    return respond(GuideOut, await run(request, lambda s: _detail(s, _guide(s, env, key))))


async def replace_draft(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    definition = await _definition(request)

    def work(session: Session) -> dict[str, Any]:
        guide = _guide(session, env, key)
        try:
            catalog.replace_draft(session=session, guide=guide, definition=definition)
        except GuideFileError as exc:
            raise _invalid(_problem_details(exc.problems)) from None
        return _detail(session, guide)

    return respond(GuideOut, await run(request, work, write=True))


async def publish(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    body = await parse_body(request, PublishIn, optional=True)

    def work(session: Session) -> dict[str, Any]:
        guide = _guide(session, env, key)
        if guide.draft is None and latest_version(session=session, guide=guide) is None:
            raise ApiError(409, "nothing_to_publish", f"guide {key!r} has no draft to publish")
        try:
            publish_guide(session=session, guide=guide, author=AUTHOR, message=body.message)
        except GuideFileError as exc:
            raise _invalid(_problem_details(exc.problems)) from None
        return _detail(session, guide)

    return respond(GuideOut, await run(request, work, write=True))


def _lifecycle(action: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        env = await authenticated(request)
        key = path_str(request, "key", "guide")
        await parse_body(request, Strict, optional=True)

        def work(session: Session) -> dict[str, Any]:
            guide = _guide(session, env, key)
            action(session=session, guide=guide)
            return _detail(session, guide)

        return respond(GuideOut, await run(request, work, write=True))

    return endpoint


async def list_guide_versions(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    query = parse_query(request, PageQuery)
    before = decode_cursor(query.cursor, (int,))
    rows = await run(request, lambda s: catalog.version_rows(
        session=s, guide=_guide(s, env, key), before=before[0] if before else None,
        limit=query.limit,
    ))
    body = page(rows, limit=query.limit, key=key_of("number"), shape=lambda v: v.model_dump())
    return respond(VersionPage, body)


async def get_guide_version(request: Request) -> Response:
    env = await authenticated(request)
    key, number = path_str(request, "key", "guide"), request.path_params["number"]

    def work(session: Session) -> dict[str, Any]:
        guide = _guide(session, env, key)
        version = get_version(session=session, guide=guide, number=number) \
            if number <= MAX_INT4 else None
        if version is None:
            raise not_found(f"guide {key!r} version", number)
        return version.model_dump()

    return respond(VersionOut, await run(request, work))


async def rollback(request: Request) -> Response:
    env = await authenticated(request)
    key = path_str(request, "key", "guide")
    body = parse(RollbackIn, await read_json(request, limit=64 * 1024), what="body")

    def work(session: Session) -> dict[str, Any]:
        guide = _guide(session, env, key)
        try:
            rollback_guide(session=session, guide=guide, to_number=body.version, author=AUTHOR)
        except LookupError:
            raise not_found(f"guide {key!r} version", body.version) from None
        return _detail(session, guide)

    return respond(GuideOut, await run(request, work, write=True))


_TAG = "guides"
routes = [
    ApiRoute("/guides", list_guides, method="GET", name="v1:guides-list", doc=RouteDoc(
        "List guides (filter by status, type, substring of key/name)", _TAG,
        query=GuideListQuery, response=GuidePage)),
    ApiRoute("/guides", create_guide, method="POST", name="v1:guides-create", doc=RouteDoc(
        "Create a guide from a guide-file definition (a draft, or published with ?publish=true)",
        _TAG, query=CreateQuery, body=GuideFile, response=GuideOut, status=201,
        errors=(400, 401, 409, 413, 422))),
    ApiRoute("/guides/{key}", get_guide_detail, method="GET", name="v1:guides-get", doc=RouteDoc(
        "A guide with its draft and published definitions", _TAG, response=GuideOut)),
    ApiRoute("/guides/{key}", replace_draft, method="PUT", name="v1:guides-put", doc=RouteDoc(
        "Replace the draft definition (the key in the body must match)", _TAG,
        body=GuideFile, response=GuideOut, errors=(400, 401, 404, 413, 422))),
    ApiRoute("/guides/{key}/publish", publish, method="POST", name="v1:guides-publish",
             doc=RouteDoc("Publish the draft as a new version", _TAG, body=PublishIn,
                          body_required=False, response=GuideOut,
                          errors=(400, 401, 404, 409, 422))),
    ApiRoute("/guides/{key}/unpublish", _lifecycle(unpublish_guide), method="POST",
             name="v1:guides-unpublish", doc=RouteDoc(
                 "Take the guide off the air (versions are kept)", _TAG, response=GuideOut)),
    ApiRoute("/guides/{key}/archive", _lifecycle(archive_guide), method="POST",
             name="v1:guides-archive", doc=RouteDoc(
                 "Archive the guide (not served, not exported)", _TAG, response=GuideOut)),
    ApiRoute("/guides/{key}/versions", list_guide_versions, method="GET",
             name="v1:guides-versions", doc=RouteDoc(
                 "The guide's versions, newest first", _TAG, query=PageQuery,
                 response=VersionPage)),
    ApiRoute("/guides/{key}/versions/{number:int}", get_guide_version, method="GET",
             name="v1:guides-version", doc=RouteDoc(
                 "One version with its definition", _TAG, response=VersionOut)),
    ApiRoute("/guides/{key}/rollback", rollback, method="POST", name="v1:guides-rollback",
             doc=RouteDoc("Publish a copy of an earlier version as a new version", _TAG,
                          body=RollbackIn, response=GuideOut)),
]

"""Public SDK API (`/api/sdk/v1`): bootstrap and event intake; publishable key, CORS per env.

Handlers are `async def` and call the driver directly: the statements are short indexed
reads/writes, and a threadpool hop would cost more than it saves (see server/fastsql.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..delivery.bootstrap import (
    INLINE,
    SEL_ENVIRONMENT,
    BootstrapInput,
    NeedsRoundTrip,
    complete_snapshot,
    memoised_response,
    read_snapshot,
    snapshot_suffices,
    request_key,
    run_bootstrap,
)
from ..delivery.cache import EnvironmentEntry
from ..errors import ApiError, error_body, validation_details
from ..ingest.events import IdStr
from ..ingest.service import prepare_batch
from ..security.keys import verify_user_signature
from .body import parse_json, raw_headers, read_body, read_json, require_object


class _Person(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: IdStr
    traits: dict[str, Any] = Field(default_factory=dict)
    # Traits were bounded (depth, sizes, finite numbers, no NUL) with the whole body.
    signature: str | None = Field(default=None, max_length=256)


class _Context(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str | None = Field(default=None, max_length=4096)
    locale: str | None = Field(default=None, max_length=35)
    user_agent: str | None = Field(default=None, max_length=1024)


class BootstrapIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    user: _Person
    account: _Person | None = None
    context: _Context = Field(default_factory=_Context)


class _Denied(Exception):
    """Wrong origin: answered without CORS headers."""


class _Json(Response):
    """A 200 JSON answer of the two hot routes, its raw headers built directly: the same
    headers `Response(body, media_type="application/json", headers=_cors_headers(origin))`
    sends, without walking a header dict per request."""

    media_type = "application/json"

    def __init__(self, body: bytes, origin: str | None) -> None:
        self.body = body
        self.status_code = 200
        self.background = None
        tail = [(b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json")]
        self.raw_headers = tail if not origin else [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", b"Retry-After"),
            (b"vary", b"Origin"),
            *tail,
        ]


def _cors_headers(origin: str | None) -> dict[str, str]:
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


def _key(headers: dict[bytes, bytes], body: dict[str, Any]) -> str:
    header = headers.get(b"x-shirube-key")
    key = header.decode("latin-1") if header else body.get("key")
    if not isinstance(key, str) or not key:
        raise ApiError(
            401, "unauthorized", "missing publishable key (X-Shirube-Key header or 'key')"
        )
    if not key.startswith("pk_") or len(key) > 64:
        raise ApiError(401, "unauthorized", "unknown publishable key")
    return key


async def _entry(request: Request, key: str) -> EnvironmentEntry:
    state = request.app.state
    found = await state.fast.fetchrow(SEL_ENVIRONMENT, (key,))  # PostgreSQL: asyncpg
    if found is None:
        raise ApiError(401, "unauthorized", "unknown publishable key")
    return state.guide_cache.resolve(state.db, found[0], found[1])


def _origin(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"origin")
    return None if value is None else value.decode("latin-1")


def _check_origin(origin: str | None, entry: EnvironmentEntry) -> str | None:
    if origin is not None and origin not in entry.allowed_origins:
        raise _Denied(origin)
    return origin


def _person(value: Any, limit: int = 255) -> tuple[str, dict[str, Any], str | None] | None:
    """(id, traits, signature) when `value` is a person `_Person` accepts unchanged."""
    if type(value) is not dict:
        return None
    uid = value.get("id")
    if type(uid) is not str or not 0 < len(uid) <= limit or "\x00" in uid:
        return None
    traits = value.get("traits", _NO_TRAITS)
    if traits is _NO_TRAITS:
        traits = {}
    elif type(traits) is not dict:
        return None
    signature = value.get("signature")
    if signature is not None and (type(signature) is not str or len(signature) > 256):
        return None
    return uid, traits, signature


_NO_TRAITS: Any = object()  # "key absent" for body.get
_CONTEXT_LIMITS = (("url", 4096), ("locale", 35), ("user_agent", 1024))


def _parse_bootstrap(body: dict[str, Any]) -> tuple[BootstrapInput, str | None]:
    """The request as BootstrapInput plus the user's signature.

    The usual body (string ids, object traits, short strings) is checked here by hand;
    anything else goes through `BootstrapIn`, which coerces (numeric ids) or answers 422
    with pydantic's details. The hand check accepts only what BootstrapIn accepts unchanged.
    """
    user = _person(body.get("user"))
    account = body.get("account")
    acc = None if account is None else _person(account)
    context = body.get("context", _NO_TRAITS)
    ok = user is not None and (account is None or acc is not None)
    if ok and context is not _NO_TRAITS:
        if type(context) is not dict:  # null included: BootstrapIn wants an object
            ok = False
        else:
            for name, limit in _CONTEXT_LIMITS:
                v = context.get(name)
                if v is not None and (type(v) is not str or len(v) > limit):
                    ok = False
                    break
    if ok:
        assert user is not None
        ctx = {} if context is _NO_TRAITS else context
        return BootstrapInput(
            user_id=user[0], user_traits=user[1],
            account_id=acc[0] if acc else None, account_traits=acc[1] if acc else {},
            url=ctx.get("url"), locale=ctx.get("locale"),
        ), user[2]
    try:
        parsed = BootstrapIn.model_validate(body)
    except ValidationError as exc:
        raise ApiError(
            422, "validation_error", "invalid bootstrap request", validation_details(exc)
        ) from None
    pa = parsed.account
    return BootstrapInput(
        user_id=parsed.user.id, user_traits=parsed.user.traits,
        account_id=pa.id if pa else None, account_traits=pa.traits if pa else {},
        url=parsed.context.url, locale=parsed.context.locale,
    ), parsed.user.signature


def _parse_request(
    raw: bytes, headers: dict[bytes, bytes],
) -> tuple[str, BootstrapInput, str | None, tuple[Any, ...]]:
    """(key, input, signature, memo key) of a bootstrap body, or the ApiError it deserves.

    A body with its key inside (the SDK's) is remembered by its bytes when small: a
    returning user's SDK sends the same bytes on every load of a page, and parsing and
    checking them again (the JSON limits walk most of all) cost ~6 µs of a remembered
    answer's ~40. What is remembered is only a function of those bytes (the key header,
    which would win over the body's key, is never remembered); the input is shared between
    requests and never modified."""
    body = require_object(parse_json(raw))
    key = _key(headers, body)
    data, signature = _parse_bootstrap(body)
    parsed = key, data, signature, request_key(data)
    if b"x-shirube-key" not in headers and len(raw) <= _PARSED_MAX_BYTES:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[raw] = parsed
    return parsed


# Bootstrap bodies already parsed (`_parse_request`), by their bytes; emptied when full.
_PARSED: dict[bytes, tuple[str, BootstrapInput, str | None, tuple[Any, ...]]] = {}
_PARSED_MAX = 10_000
_PARSED_MAX_BYTES = 2048


async def bootstrap(request: Request) -> Response:
    state = request.app.state
    headers = raw_headers(request.scope)
    origin = _origin(headers)
    try:
        raw = await read_body(request, limit=state.settings.max_body_bytes, headers=headers)
        parsed = _PARSED.get(raw)
        if parsed is None or b"x-shirube-key" in headers:
            parsed = _parse_request(raw, headers)
        key, data, signature, memo_key = parsed
        fast = state.fast
        # One statement: environment (key -> id, guides_version), user, account, states;
        # on PostgreSQL through asyncpg on the event loop (FastSQL.fetchrow).
        cache = state.guide_cache
        hint = cache.hint(key)
        now = datetime.now(UTC)
        snapshot = await read_snapshot(fast, key, data.user_id, data.account_id, hint, now)
        if snapshot is None:
            raise ApiError(401, "unauthorized", "unknown publishable key")
        now = snapshot.now or now  # a batched read counts events as of its own instant
        entry = cache.resolve(state.db, snapshot.environment_id, snapshot.version)
        if hint is not None and hint.segment_plan is None:
            await complete_snapshot(fast, snapshot, entry, data.user_id)
        cache.note_key(key, entry)
        origin = _check_origin(origin, entry)
        # Counted whether enforced or not: the admin shows the signed share before
        # verification can be turned on (server/security/traffic.py).
        signed = verify_user_signature(entry.identity_secrets, data.user_id, signature)
        state.signed_traffic.record(entry.environment_id, signed, now.date())
        if entry.identity_verification and not signed:
            raise ApiError(
                401,
                "identity_verification_failed",
                "user signature missing or wrong (identity verification is on)",
            )

        # A returning user's usual request: the same answer as last time (nothing changed).
        payload = memoised_response(entry, memo_key, snapshot, now)
        if payload is not None:
            return _Json(payload, origin)

        def run(conn: Any) -> bytes:
            return run_bootstrap(
                fast=fast, conn=conn, entry=entry, data=data, now=now,
                last_seen_every=state.settings.last_seen_write_seconds, snapshot=snapshot,
                memo_key=memo_key,
            )

        if fast.is_sqlite:  # in-process: inline
            with fast.connection() as conn:
                payload = run(conn)
        else:
            # PostgreSQL: on the loop while no statement is needed (the usual returning
            # user), else in FastSQL's threads, so a round trip never blocks the loop.
            payload = None
            if snapshot_suffices(entry, snapshot):
                try:
                    payload = run(INLINE)
                except NeedsRoundTrip:
                    payload = None
            if payload is None:
                payload = await fast.read(run)
    except _Denied as denied:
        return _forbidden_origin(str(denied))
    except ApiError as exc:
        return _error(exc, origin, request)
    return _Json(payload, origin)


async def events(request: Request) -> Response:
    state = request.app.state
    headers = raw_headers(request.scope)
    origin = _origin(headers)
    try:
        # Limits are checked per event (a bad event is rejected by index, not the batch).
        body = require_object(await read_json(
            request, limit=state.settings.max_event_body_bytes, check=False, headers=headers))
        key = _key(headers, body)
        raw = body.get("events")
        if not isinstance(raw, list):
            raise ApiError(
                422,
                "validation_error",
                "events: must be a list",
                [{"loc": "events", "msg": "must be a list"}],
            )
        if len(raw) > state.settings.max_sdk_batch:
            raise ApiError(
                413,
                "payload_too_large",
                f"events: {len(raw)} events, at most {state.settings.max_sdk_batch} per batch",
            )
        # On PostgreSQL the key lookup goes through asyncpg on the loop; SQLite inline.
        entry = await _entry(request, key)
        origin = _check_origin(origin, entry)
        batch = prepare_batch(raw)
        result = await state.intake_writer.write(
            environment_id=entry.environment_id, batch=batch, now=datetime.now(UTC)
        )
    except _Denied as denied:
        return _forbidden_origin(str(denied))
    except ApiError as exc:
        return _error(exc, origin, request)
    return _Json(orjson.dumps(result.as_dict()), origin)


def _error(exc: ApiError, origin: str | None, request: Request) -> Response:
    # Let the SDK read the error (it decides whether to retry) unless the origin was refused.
    headers = {**exc.headers, **_cors_headers(origin)}
    return Response(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.status,
        media_type="application/json",
        headers=headers,
    )


def _forbidden_origin(origin: str) -> Response:
    return Response(
        error_body("origin_not_allowed", f"origin {origin!r} is not allowed for this environment"),
        status_code=403,
        media_type="application/json",
    )


async def preflight(request: Request) -> Response:
    """CORS preflight. Permissive by design: the real request is checked per environment
    (its key is not known here), and the SDK sends text/plain so it rarely needs one."""
    origin = request.headers.get("origin")
    headers = {
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type, x-shirube-key",
        "Access-Control-Max-Age": "86400",
        **_cors_headers(origin),
    }
    return Response(status_code=204, headers=headers)


routes = [
    Route("/bootstrap", bootstrap, methods=["POST"], name="sdk:bootstrap"),
    Route("/events", events, methods=["POST"], name="sdk:events"),
    Route("/bootstrap", preflight, methods=["OPTIONS"], name="sdk:bootstrap-preflight"),
    Route("/events", preflight, methods=["OPTIONS"], name="sdk:events-preflight"),
]

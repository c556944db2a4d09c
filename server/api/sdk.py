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

from ..delivery.bootstrap import BootstrapInput, lookup_environment, run_bootstrap
from ..delivery.cache import EnvironmentEntry, build_entry
from ..errors import ApiError, error_body, validation_details
from ..ingest.events import IdStr
from ..ingest.service import prepare_batch
from ..models import Environment
from ..security.keys import verify_user_signature
from .body import read_json, require_object


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


def _cors_headers(origin: str | None) -> dict[str, str]:
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


def _key(request: Request, body: dict[str, Any]) -> str:
    key = request.headers.get("x-shirube-key") or body.get("key")
    if not isinstance(key, str) or not key:
        raise ApiError(
            401, "unauthorized", "missing publishable key (X-Shirube-Key header or 'key')"
        )
    if not key.startswith("pk_") or len(key) > 64:
        raise ApiError(401, "unauthorized", "unknown publishable key")
    return key


def _entry(request: Request, conn: Any, key: str) -> EnvironmentEntry:
    state = request.app.state
    found = lookup_environment(state.fast, conn, key)
    if found is None:
        raise ApiError(401, "unauthorized", "unknown publishable key")
    env_id, version = found
    entry = state.guide_cache.get(env_id, version)
    if entry is None:
        with state.db.session() as session:
            env = session.get(Environment, env_id)
            assert env is not None
            entry = build_entry(session, env)
        state.guide_cache.put(entry)
    return entry


def _check_origin(request: Request, entry: EnvironmentEntry) -> str | None:
    origin = request.headers.get("origin")
    if origin is not None and origin not in entry.allowed_origins:
        raise _Denied(origin)
    return origin


async def bootstrap(request: Request) -> Response:
    state = request.app.state
    origin = request.headers.get("origin")
    try:
        body = require_object(await read_json(request, limit=state.settings.max_body_bytes))
        key = _key(request, body)
        try:
            parsed = BootstrapIn.model_validate(body)
        except ValidationError as exc:
            raise ApiError(
                422, "validation_error", "invalid bootstrap request", validation_details(exc)
            ) from None
        with state.fast.connection() as conn:
            entry = _entry(request, conn, key)
            origin = _check_origin(request, entry)
            # Counted whether enforced or not: the admin shows the signed share before
            # verification can be turned on (server/security/traffic.py).
            signed = verify_user_signature(
                entry.identity_secrets, parsed.user.id, parsed.user.signature
            )
            state.signed_traffic.record(entry.environment_id, signed, datetime.now(UTC).date())
            if entry.identity_verification and not signed:
                raise ApiError(
                    401,
                    "identity_verification_failed",
                    "user signature missing or wrong (identity verification is on)",
                )
            account = parsed.account
            payload = run_bootstrap(
                fast=state.fast,
                conn=conn,
                entry=entry,
                data=BootstrapInput(
                    user_id=parsed.user.id,
                    user_traits=parsed.user.traits,
                    account_id=account.id if account else None,
                    account_traits=account.traits if account else {},
                    url=parsed.context.url,
                    locale=parsed.context.locale,
                ),
                now=datetime.now(UTC),
                last_seen_every=state.settings.last_seen_write_seconds,
            )
    except _Denied as denied:
        return _forbidden_origin(str(denied))
    except ApiError as exc:
        return _error(exc, origin, request)
    return Response(payload, media_type="application/json", headers=_cors_headers(origin))


async def events(request: Request) -> Response:
    state = request.app.state
    origin = request.headers.get("origin")
    try:
        # Limits are checked per event (a bad event is rejected by index, not the batch).
        body = require_object(
            await read_json(request, limit=state.settings.max_event_body_bytes, check=False)
        )
        key = _key(request, body)
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
        with state.fast.connection() as conn:
            entry = _entry(request, conn, key)
            origin = _check_origin(request, entry)
        batch = prepare_batch(raw)
        result = await state.intake_writer.write(
            environment_id=entry.environment_id, batch=batch, now=datetime.now(UTC)
        )
    except _Denied as denied:
        return _forbidden_origin(str(denied))
    except ApiError as exc:
        return _error(exc, origin, request)
    return Response(
        orjson.dumps(result.as_dict()), media_type="application/json", headers=_cors_headers(origin)
    )


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

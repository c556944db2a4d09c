"""The SDK side of builder and preview mode, mounted under /api/sdk/v1 next to bootstrap:

- `POST /api/sdk/v1/builder/target` `{key, token, step?, target: {selectors, text,
  strictness}, url?}` stores the picked target on the token's guide step (in its draft);
- `POST /api/sdk/v1/builder/feature-target` `{key, token, rule?, target, url?}` sets the
  target of the token's feature click rule (or adds one: rule `"new"`), live at once;
- `POST /api/sdk/v1/preview` `{key, token}` answers the guide to preview (see
  service.preview_payload).

Both take the publishable key (like bootstrap) and a token minted by the admin
(server/security/builder_tokens.py). CORS is limited to the environment's allowed
origins; the SDK posts `text/plain` so no preflight is needed. Errors use the one error
body: 401 (no/unknown key, bad or expired token), 403 (token of another environment,
origin not allowed, author no longer allowed), 404 (guide, feature), 422 (step, rule, target).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import ApiError, error_body, validation_details
from ...features import service as features
from ...guides.errors import GuideFileError
from ...models import Environment
from ...security.builder_tokens import Purpose, TokenError, verify_token
from .. import audit
from .service import ScopeError, TargetIn, preview_payload, set_step_target, token_author

MAX_BODY = 64 * 1024


def _cors(origin: str | None) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


def _environment(session: Session, body: dict[str, Any], request: Request) -> Environment:
    key = request.headers.get("x-shirube-key") or body.get("key")
    if not isinstance(key, str) or not key.startswith("pk_") or len(key) > 64:
        raise ApiError(401, "unauthorized", "missing or unknown publishable key")
    env = session.exec(select(Environment).where(Environment.publishable_key == key)).first()
    if env is None:
        raise ApiError(401, "unauthorized", "unknown publishable key")
    origin = request.headers.get("origin")
    if origin is not None and origin not in env.allowed_origins:
        raise ApiError(403, "origin_not_allowed",
                       f"origin {origin!r} is not allowed for this environment")
    return env


def _claims(request: Request, body: dict[str, Any], env: Environment, purpose: Purpose
            ) -> dict[str, Any]:
    settings = request.app.state.settings
    try:
        claims = verify_token(secret=settings.secret_key, purpose=purpose,
                              token=body.get("token"), now=datetime.now(UTC))
    except TokenError as exc:
        messages = {"expired": f"the {purpose} token has expired: open the app again from "
                               "the admin",
                    "bad_signature": f"not a valid {purpose} token",
                    "malformed": f"not a valid {purpose} token"}
        raise ApiError(401, f"token_{exc.reason}", messages[exc.reason]) from None
    if claims.get("env") != env.id:
        raise ApiError(403, "forbidden", f"this {purpose} token belongs to another environment")
    return claims


async def _body(request: Request) -> dict[str, Any]:
    from ...api.body import read_json, require_object

    return require_object(await read_json(request, limit=MAX_BODY))


def _respond(data: Any, origin: str | None, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json",
                    headers=_cors(origin))


def _failed(exc: ApiError, origin: str | None) -> Response:
    # The origin's CORS header only when that origin is allowed (the SDK then reads why).
    allowed = origin if exc.code != "origin_not_allowed" else None
    return Response(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                    media_type="application/json", headers={**exc.headers, **_cors(allowed)})


Store = Callable[[Session, Environment, dict[str, Any], dict[str, Any], TargetIn],
                 tuple[dict[str, Any], dict[str, Any]]]


async def _save_picked(request: Request, scope: str, store: Store) -> Response:
    """The builder's save endpoints: body, target, then `_picked` in a worker thread."""
    origin = request.headers.get("origin")
    try:
        body = await _body(request)
        try:
            target = TargetIn.model_validate(body.get("target"))
        except ValidationError as exc:
            raise ApiError(422, "validation_error", "invalid target",
                           validation_details(exc, ("target",))) from None
        out = await run_in_threadpool(_picked, request, body, target, scope, store)
    except ApiError as exc:
        return _failed(exc, origin)
    return _respond(out, origin)


def _picked(request: Request, body: dict[str, Any], target: TargetIn, scope: str,
            store: Store) -> dict[str, Any]:
    """Key, origin, token (of `scope`: a step token never edits a feature and vice versa)
    and author checks, then `store` (which answers the response and the audit entry's
    action/object/details), the audit entry and the commit."""
    with request.app.state.db.session() as session:
        env = _environment(session, body, request)
        claims = _claims(request, body, env, "builder")
        if claims.get("scope", "step") != scope:
            raise ApiError(403, "forbidden", f"this builder token is not for a {scope}")
        try:
            author = token_author(session=session, environment=env, claims=claims, role="editor")
            out, entry = store(session, env, claims, body, target)
        except ScopeError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        url = body.get("url")
        entry["details"].update(environment=env.name, selectors=target.selectors[:3],
                                url=url[:300] if isinstance(url, str) else None)
        audit.record(session=session, workspace_id=env.workspace_id, user=author,
                     ip=request.client.host if request.client else "",
                     now=datetime.now(UTC), **entry)
        session.commit()
        return out


def _store_step(session: Session, env: Environment, claims: dict[str, Any],
                body: dict[str, Any], target: TargetIn) -> tuple[dict[str, Any], dict[str, Any]]:
    step = claims.get("step")
    if "step" in body and body["step"] != step:
        raise ApiError(403, "forbidden", f"this token is for step {step}, not {body['step']!r}")
    try:
        guide = set_step_target(session=session, environment=env,
                                guide_key=claims.get("guide"), step=step, target=target)
    except GuideFileError as exc:
        raise ApiError(422, "validation_error", "the draft would not be valid",
                       [{"loc": "target", "msg": p} for p in exc.problems]) from None
    return ({"guide": guide.key, "step": step, "target": target.model_dump(exclude_none=True)},
            {"action": "guide.target.pick", "object_type": "guide", "object_id": guide.key,
             "details": {"step": step}})


def _store_feature(session: Session, env: Environment, claims: dict[str, Any],
                   body: dict[str, Any], target: TargetIn
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    rule = claims.get("rule")
    if "rule" in body and body["rule"] != rule:
        raise ApiError(403, "forbidden", f"this token is for rule {rule!r}, not {body['rule']!r}")
    key = claims.get("feature")
    feature = features.get_feature(session=session, environment_id=env.id,  # type: ignore[arg-type]
                                   key=key) if isinstance(key, str) else None
    if feature is None:
        raise ScopeError(404, "not_found", f"feature {key!r} not found")
    if feature.archived:
        raise ScopeError(422, "validation_error", f"feature {key!r} is archived")
    try:
        _feature, index = features.set_click_target(
            session=session, feature=feature, rule=rule,  # type: ignore[arg-type]
            target=target.model_dump(exclude_none=True))
    except features.NoSuchRule:
        raise ScopeError(422, "validation_error",
                         f"feature {key!r} has no click rule {rule!r}") from None
    except ValidationError as exc:
        raise ApiError(422, "validation_error", "the rules would not be valid",
                       validation_details(exc, ("rules",))) from None
    return ({"feature": feature.key, "rule": index, "target": feature.rules[index]["target"]},
            {"action": "feature.target.pick", "object_type": "feature",
             "object_id": f"{env.name}/{feature.key}",
             "details": {"rule": index, "added": rule == "new"}})


async def save_target(request: Request) -> Response:
    return await _save_picked(request, "step", _store_step)


async def save_feature_target(request: Request) -> Response:
    return await _save_picked(request, "feature", _store_feature)


async def preview(request: Request) -> Response:
    origin = request.headers.get("origin")
    try:
        body = await _body(request)
        out = await run_in_threadpool(_preview, request, body)
    except ApiError as exc:
        return _failed(exc, origin)
    return _respond(out, origin)


def _preview(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with request.app.state.db.session() as session:
        env = _environment(session, body, request)
        claims = _claims(request, body, env, "preview")
        try:
            token_author(session=session, environment=env, claims=claims, role="viewer")
            return preview_payload(session=session, environment=env, claims=claims,
                                   now=datetime.now(UTC))
        except ScopeError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None


async def preflight(request: Request) -> Response:
    """CORS preflight (the SDK sends text/plain and rarely needs one); checked for real
    on the request itself, whose environment is known only from its body."""
    return Response(status_code=204, headers={
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type, x-shirube-key",
        "Access-Control-Max-Age": "86400", **_cors(request.headers.get("origin"))})


routes = [
    Route("/builder/target", save_target, methods=["POST"], name="sdk:builder-target"),
    Route("/builder/target", preflight, methods=["OPTIONS"], name="sdk:builder-target-preflight"),
    Route("/builder/feature-target", save_feature_target, methods=["POST"],
          name="sdk:builder-feature-target"),
    Route("/builder/feature-target", preflight, methods=["OPTIONS"],
          name="sdk:builder-feature-target-preflight"),
    Route("/preview", preview, methods=["POST"], name="sdk:preview"),
    Route("/preview", preflight, methods=["OPTIONS"], name="sdk:preview-preflight"),
]

"""Opening the customer's app in builder or preview mode from the admin.

`builder-pick` (GET `…/builder/pick?guide=KEY&step=N`) shows a step's current target and
asks for the page of the app to open; POST mints a 10-minute builder token and answers a
page with the link `URL#shirube-builder=TOKEN` (a link, not a redirect: the admin's CSP
`form-action 'self'` forbids redirecting a form to another origin). `preview-new` does the
same for a preview of the draft (or a version) as a chosen end user. The guide editor
links to these pages (or embeds the form in its `target_picker` block).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select
from starlette.responses import JSONResponse, Response

from ...guides.service import get_guide
from ...models import Guide
from ...security.builder_tokens import (
    BUILDER_TTL_SECONDS,
    PREVIEW_TTL_SECONDS,
    sign_token,
)
from .. import audit
from ..context import AdminContext, Denied
from ..site import AdminSite
from .service import working_definition

MAX_TRAITS_CHARS = 10_000


def env_guides(ctx: AdminContext) -> list[Guide]:
    """The environment's guides (not archived), by key."""
    assert ctx.environment is not None
    return list(ctx.db.exec(select(Guide).where(
        Guide.environment_id == ctx.environment.id, Guide.status != "archived",
    ).order_by(col(Guide.key))).all())


def chosen_guide(ctx: AdminContext, key: str) -> Guide | None:
    """The guide `key` of this environment (404 when a key is given but unknown)."""
    if not key:
        return None
    guide = get_guide(session=ctx.db, environment=ctx.environment, key=key)  # type: ignore[arg-type]
    if guide is None:
        raise Denied(404, ctx._("Not found."))
    return guide


def _int(text: str, default: int = 0) -> int:
    return int(text) if text.isdigit() and len(text) < 6 else default


def app_url(ctx: AdminContext, raw: str) -> str | None:
    """`raw` when it is an http(s) URL on one of the environment's allowed origins."""
    assert ctx.environment is not None
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    return raw if origin in ctx.environment.allowed_origins else None


def with_fragment(url: str, name: str, token: str) -> str:
    """`url#name=token`; a hash-routed URL keeps its route (`#/x&name=token`), and the
    SDK removes the token from the address bar once it has read it."""
    sep = "&" if "#" in url else "#"
    return f"{url}{sep}{name}={token}"


def _steps(ctx: AdminContext, guide: Guide | None) -> list[dict[str, Any]]:
    defn = working_definition(session=ctx.db, guide=guide) if guide else None
    return [{"index": i, "kind": s.get("kind"), "title": s.get("title") or "",
             "target": s.get("target")} for i, s in enumerate((defn or {}).get("steps") or [])]


def pick(ctx: AdminContext, status: int = 200, error: str = "") -> Response:
    query = ctx.request.query_params
    guide = chosen_guide(ctx, ctx.field("guide") or query.get("guide", ""))
    step = _int(ctx.field("step") or query.get("step", "0"))
    steps = _steps(ctx, guide)
    assert ctx.environment is not None
    origins = ctx.environment.allowed_origins
    return ctx.render("admin/builder/pick.html", status=status, guides=env_guides(ctx),
                      guide=guide, steps=steps, step=step, error=error, origins=origins,
                      page_url=ctx.field("url") or (origins[0] + "/" if origins else ""),
                      saved=query.get("msg") == "saved")


def open_builder(ctx: AdminContext) -> Response:
    guide = chosen_guide(ctx, ctx.field("guide"))
    if guide is None:
        return pick(ctx, 422, ctx._("Choose a guide first."))
    step = _int(ctx.field("step"), -1)
    if not 0 <= step < len(_steps(ctx, guide)):
        return pick(ctx, 422, ctx._("Choose a step of this guide."))
    url = app_url(ctx, ctx.field("url"))
    if url is None:
        return pick(ctx, 422, ctx._("Enter a page URL on one of this environment's allowed "
                                    "origins (add the origin on the environment page)."))
    assert ctx.environment is not None and ctx.user is not None
    token = sign_token(secret=ctx.settings.secret_key, purpose="builder", now=ctx.now, claims={
        "env": ctx.environment.id, "guide": guide.key, "step": step, "author": ctx.user.id})
    audit.record(session=ctx.db, action="guide.builder.open", workspace_id=ctx.workspace.id,  # type: ignore[union-attr]
                 user=ctx.user, ip=ctx.ip, now=ctx.now, object_type="guide",
                 object_id=guide.key, details={"step": step, "url": url[:300]})
    return ctx.render("admin/builder/open.html", guide=guide, step=step,
                      link=with_fragment(url, "shirube-builder", token),
                      minutes=BUILDER_TTL_SECONDS // 60)


def _traits(ctx: AdminContext, text: str) -> dict[str, Any] | str:
    """Traits typed as a JSON object or as `name: value` lines; an error message otherwise."""
    text = text.strip()
    if not text:
        return {}
    if len(text) > MAX_TRAITS_CHARS:
        return ctx._("Traits are too long.")
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return ctx._("Traits: write a JSON object or one name: value per line.")
        return value if isinstance(value, dict) else ctx._(
            "Traits: write a JSON object or one name: value per line.")
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, raw = line.partition(":")
        if not sep or not name.strip():
            return ctx._("Traits: write a JSON object or one name: value per line.")
        raw = raw.strip()
        try:
            out[name.strip()] = json.loads(raw)
        except ValueError:
            out[name.strip()] = raw
    return out


def preview_new(ctx: AdminContext, status: int = 200, error: str = "") -> Response:
    query = ctx.request.query_params
    guide = chosen_guide(ctx, ctx.field("guide") or query.get("guide", ""))
    assert ctx.environment is not None
    origins = ctx.environment.allowed_origins
    return ctx.render("admin/preview/new.html", status=status, guides=env_guides(ctx),
                      guide=guide, error=error, origins=origins,
                      values={"user": ctx.field("user") or query.get("user", ""),
                              "traits": ctx.field("traits"),
                              "version": ctx.field("version") or "draft",
                              "url": ctx.field("url") or (origins[0] + "/" if origins else "")})


def preview_open(ctx: AdminContext) -> Response:
    guide = chosen_guide(ctx, ctx.field("guide"))
    if guide is None:
        return preview_new(ctx, 422, ctx._("Choose a guide first."))
    version: int | str = ctx.field("version") or "draft"
    if version != "draft":
        if version != "published" or guide.published_version is None:
            return preview_new(ctx, 422, ctx._("This guide has no published version."))
        version = guide.published_version
    elif working_definition(session=ctx.db, guide=guide) is None:
        return preview_new(ctx, 422, ctx._("This guide has no draft."))
    traits = _traits(ctx, ctx.field("traits"))
    if isinstance(traits, str):
        return preview_new(ctx, 422, traits)
    user_id = ctx.field("user")[:255] or "preview-user"
    url = app_url(ctx, ctx.field("url"))
    if url is None:
        return preview_new(ctx, 422, ctx._("Enter a page URL on one of this environment's "
                                           "allowed origins (add the origin on the "
                                           "environment page)."))
    assert ctx.environment is not None and ctx.user is not None
    token = sign_token(secret=ctx.settings.secret_key, purpose="preview", now=ctx.now, claims={
        "env": ctx.environment.id, "guide": guide.key, "version": version,
        "user": {"id": user_id, "traits": traits}, "author": ctx.user.id})
    return ctx.render("admin/preview/open.html", guide=guide, user_id=user_id,
                      link=with_fragment(url, "shirube-preview", token),
                      minutes=PREVIEW_TTL_SECONDS // 60)


def step_target(ctx: AdminContext) -> Response:
    """JSON `{"target": …}` of a step in the working draft (the editor's picker reads it)."""
    query = ctx.request.query_params
    guide = chosen_guide(ctx, query.get("guide", ""))
    steps = _steps(ctx, guide)
    step = _int(query.get("step", ""), -1)
    target = steps[step]["target"] if 0 <= step < len(steps) else None
    return JSONResponse({"target": target})


def register(site: AdminSite) -> None:
    base = "/w/{ws}/e/{env}"
    site.route(base + "/builder/pick", pick, name="builder-pick", access="editor")
    site.route(base + "/builder/pick", open_builder, name="builder-open", access="editor",
               methods=("POST",))
    site.route(base + "/builder/target", step_target, name="builder-target", access="viewer")
    site.route(base + "/preview", preview_new, name="preview-new", access="editor")
    site.route(base + "/preview", preview_open, name="preview-open", access="editor",
               methods=("POST",))

"""Per-environment look and install: the theme editor (live preview) and the install page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import Response

from ...workspaces.service import DEFAULT_THEME, touch_environment
from .. import audit
from ..context import AdminContext
from ..site import AdminSite

STUB = Path(__file__).resolve().parents[2] / "static" / "sdk" / "stub.min.js"
FONTS = {
    "system": "system-ui, -apple-system, 'Segoe UI', sans-serif",
    "japanese": "'Hiragino Sans', 'Noto Sans JP', 'Yu Gothic', Meiryo, sans-serif",
    "serif": "Georgia, 'Times New Roman', serif",
    "rounded": "ui-rounded, 'SF Pro Rounded', 'Nunito', system-ui, sans-serif",
    "mono": "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace",
}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ThemeForm(BaseModel):
    """The theme the SDK renders guides with (CSS custom properties in its shadow root)."""

    model_config = ConfigDict(extra="ignore")
    primary: str
    text: str
    background: str
    radius: int = Field(ge=0, le=32)
    font: str

    @field_validator("primary", "text", "background")
    @classmethod
    def _colour(cls, v: str) -> str:
        if not _COLOUR.match(v):
            raise ValueError("use a colour like #4f46e5")
        return v.lower()

    @field_validator("font")
    @classmethod
    def _font(cls, v: str) -> str:
        if v not in FONTS:
            raise ValueError("choose a font from the list")
        return v


def _current(theme: dict[str, Any]) -> dict[str, Any]:
    merged = {**DEFAULT_THEME, **theme}
    font_key = next((k for k, v in FONTS.items() if v == merged["font"]), "system")
    radius = str(merged.get("radius", "8px")).removesuffix("px")
    return {"primary": merged["primary"], "text": merged["text"],
            "background": merged["background"],
            "radius": int(radius) if radius.isdigit() else 8, "font": font_key}


def theme(ctx: AdminContext, status: int = 200, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None) -> Response:
    env = ctx.environment
    assert env is not None
    return ctx.render("admin/environment/theme.html", status=status, errors=errors or {},
                      values=values or _current(env.settings.get("theme", {})), fonts=FONTS,
                      saved=ctx.request.query_params.get("msg") == "saved")


def theme_save(ctx: AdminContext) -> Response:
    env = ctx.environment
    assert env is not None
    raw = {k: ctx.field(k) for k in ("primary", "text", "background", "radius", "font")}
    try:
        form = ThemeForm.model_validate(raw)
    except ValidationError as exc:
        messages = {"primary": ctx._("Use a colour like #4f46e5."),
                    "text": ctx._("Use a colour like #4f46e5."),
                    "background": ctx._("Use a colour like #4f46e5."),
                    "radius": ctx._("Use a whole number from 0 to 32."),
                    "font": ctx._("Choose a font from the list.")}
        errors = {str(e["loc"][0]): messages.get(str(e["loc"][0]), e["msg"])
                  for e in exc.errors(include_url=False, include_input=False)}
        return theme(ctx, 422, errors, raw)
    new_theme = {**DEFAULT_THEME, **env.settings.get("theme", {}),
                 "primary": form.primary, "text": form.text, "background": form.background,
                 "radius": f"{form.radius}px", "font": FONTS[form.font]}
    env.settings = {**env.settings, "theme": new_theme}
    touch_environment(env=env)
    ctx.db.add(env)
    audit.record(session=ctx.db, action="environment.theme.update",
                 workspace_id=ctx.workspace.id, user=ctx.user, ip=ctx.ip, now=ctx.now,  # type: ignore[union-attr]
                 object_type="environment", object_id=env.name,
                 details={k: new_theme[k] for k in ("primary", "text", "background", "radius")})
    return ctx.redirect("environment-theme", q_msg="saved")


def install_snippet(host: str) -> str:
    """The stub loader of this server (host filled in), as customers paste it."""
    return STUB.read_text(encoding="utf-8").strip().replace("__SHIRUBE_HOST__", host)


def page_snippet(host: str, publishable_key: str) -> str:
    """The whole snippet of the install page: loader, init, and an identify example."""
    init = json.dumps({"key": publishable_key, "host": host})
    return (
        f"<script>\n{install_snippet(host)}\n</script>\n<script>\n"
        f"  shirube('init', {init});\n"
        "  // After sign-in, tell Shirube who the user is:\n"
        "  shirube('identify', 'USER_ID', {email: 'user@example.com', plan: 'pro'});\n"
        "</script>"
    )


def install(ctx: AdminContext) -> Response:
    env = ctx.environment
    assert env is not None
    host = ctx.settings.public_url.rstrip("/")
    return ctx.render("admin/environment/install.html",
                      snippet=page_snippet(host, env.publishable_key))


def register(site: AdminSite) -> None:
    base = "/w/{ws}/e/{env}"
    site.route(base + "/theme", theme, name="environment-theme", access="viewer")
    site.route(base + "/theme", theme_save, name="environment-theme-save", access="editor",
               methods=("POST",))
    site.route(base + "/install", install, name="environment-install", access="viewer")

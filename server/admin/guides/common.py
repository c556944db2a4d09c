"""Helpers shared by the guide pages: look a guide up in the current environment, audit."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...guides.service import get_guide
from ...models import Guide
from .. import audit
from ..context import AdminContext, Denied
from ..i18n import N_


def find_guide(ctx: AdminContext) -> Guide:
    """The ``{key}`` guide of the current environment, or 404 (never another env's)."""
    assert ctx.environment is not None
    key = str(ctx.request.path_params.get("key", ""))
    guide = get_guide(session=ctx.db, environment=ctx.environment, key=key) if key else None
    if guide is None:
        raise Denied(404, ctx._("Not found."))
    return guide


def author(ctx: AdminContext) -> str:
    """How versions name the person who made them."""
    return ctx.user.email if ctx.user is not None else ""


def record(ctx: AdminContext, action: str, key: str, **details: Any) -> None:
    """An audit entry about a guide of the current environment."""
    env = ctx.environment
    assert ctx.workspace is not None and env is not None
    audit.record(session=ctx.db, action=action, workspace_id=ctx.workspace.id, user=ctx.user,
                 ip=ctx.ip, now=ctx.now, object_type="guide", object_id=f"{env.name}/{key}",
                 details=dict(details))


def wants_json(ctx: AdminContext) -> bool:
    return "application/json" in ctx.request.headers.get("accept", "")


TYPE_LABELS = {
    "tour": N_("Tour"), "tooltip": N_("Tooltip"), "modal": N_("Modal"),
    "hotspot": N_("Hotspot"), "banner": N_("Banner"), "checklist": N_("Checklist"),
    "survey": N_("Survey"),
}
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"),
                 "archived": N_("Archived")}


def render(ctx: AdminContext, template: str, status: int = 200, **values: Any) -> Response:
    """``ctx.render`` with the labels every guide page uses."""
    return ctx.render(template, status=status, type_labels=TYPE_LABELS,
                      status_labels=STATUS_LABELS, **values)

"""Workspaces: create, rename, and the workspace/environment switcher."""

from __future__ import annotations

from sqlmodel import select
from starlette.responses import Response

from ...models import Environment, Workspace
from ...models.admin import WorkspaceMember
from .. import accounts, audit
from ..context import AdminContext, Denied
from ..site import AdminSite, NavItem


def workspace_create(ctx: AdminContext) -> Response:
    assert ctx.user is not None
    name = ctx.field("name")
    if ctx.request.method == "GET":
        return ctx.render("admin/workspace/new.html", name=name, error="")
    try:
        ws = accounts.new_workspace(session=ctx.db, name=name, owner=ctx.user)
    except accounts.AccountError as exc:
        ctx.db.rollback()
        return ctx.render("admin/workspace/new.html", status=422, name=name, error=ctx._(str(exc)))
    audit.record(session=ctx.db, action="workspace.create", workspace_id=ws.id, user=ctx.user,
                 ip=ctx.ip, now=ctx.now, object_type="workspace", object_id=ws.slug,
                 details={"name": ws.name})
    return ctx.redirect("environment-list", ws=ws.slug)


def workspace_home(ctx: AdminContext) -> Response:
    return ctx.redirect("environment-list")


def workspace_settings(ctx: AdminContext, status: int = 200, error: str = "") -> Response:
    return ctx.render("admin/workspace/settings.html", status=status, error=error,
                      saved=ctx.request.query_params.get("msg") == "saved")


def workspace_rename(ctx: AdminContext) -> Response:
    ws = ctx.workspace
    assert ws is not None
    name = ctx.field("name")
    if not name or len(name) > 200:
        return workspace_settings(
            ctx, 422, ctx._("Enter a workspace name (at most 200 characters)."))
    before, ws.name = ws.name, name
    ctx.db.add(ws)
    audit.record(session=ctx.db, action="workspace.rename", workspace_id=ws.id, user=ctx.user,
                 ip=ctx.ip, now=ctx.now, object_type="workspace", object_id=ws.slug,
                 details={"before": before, "after": name})
    return ctx.redirect("workspace-settings", q_msg="saved")


def switch(ctx: AdminContext) -> Response:
    """The top-bar picker: `to=<workspace slug>/<environment name>` (or just the slug)."""
    assert ctx.user is not None
    slug, _, env_name = ctx.request.query_params.get("to", "").partition("/")
    ws = ctx.db.exec(
        select(Workspace).join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)  # type: ignore[arg-type]
        .where(Workspace.slug == slug, WorkspaceMember.user_id == ctx.user.id)
    ).first()
    if ws is None:
        raise Denied(404, ctx._("Not found."))
    if env_name:
        env = ctx.db.exec(select(Environment).where(Environment.workspace_id == ws.id,
                                                    Environment.name == env_name)).first()
        if env is None:
            raise Denied(404, ctx._("Not found."))
        return ctx.redirect("environment-detail", ws=ws.slug, env=env.name)
    return ctx.redirect("environment-list", ws=ws.slug)


def register(site: AdminSite) -> None:
    site.route("/workspaces/new", workspace_create, name="workspace-create", access="user",
               methods=("GET", "POST"))
    site.route("/switch", switch, name="switch", access="user")
    site.route("/w/{ws}/", workspace_home, name="workspace-home", access="viewer")
    site.route("/w/{ws}/settings", workspace_settings, name="workspace-settings",
               access="viewer")
    site.route("/w/{ws}/settings", workspace_rename, name="workspace-rename", access="owner",
               methods=("POST",))
    site.nav(NavItem("environments", "Environments", "environment-list", "viewer",
                     section="settings", order=10, icon="layers"))
    site.nav(NavItem("workspace", "Workspace", "workspace-settings", "viewer",
                     section="settings", order=40, icon="building"))

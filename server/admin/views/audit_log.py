"""The audit log (owners): paginated, filtered by action and actor, exported as CSV."""

from __future__ import annotations

from starlette.responses import Response

from .. import audit
from ..context import AdminContext
from ..site import AdminSite, NavItem


def _filter(ctx: AdminContext) -> audit.AuditFilter:
    q = ctx.request.query_params
    return audit.AuditFilter(action=q.get("action", "").strip(), actor=q.get("actor", "").strip())


def audit_list(ctx: AdminContext) -> Response:
    where = _filter(ctx)
    try:
        page = int(ctx.request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    ws_id = ctx.workspace.id  # type: ignore[union-attr]
    entries, pages = audit.page_of(session=ctx.db, workspace_id=ws_id, where=where, page=page)
    page = min(max(page, 1), pages)
    return ctx.render("admin/audit/list.html", entries=entries, page=page, pages=pages,
                      where=where, actions=audit.actions(session=ctx.db, workspace_id=ws_id))


def audit_export(ctx: AdminContext) -> Response:
    rows = audit.export_rows(session=ctx.db, workspace_id=ctx.workspace.id,  # type: ignore[union-attr]
                             where=_filter(ctx))
    name = f"shirube-audit-{ctx.workspace.slug}-{ctx.now:%Y%m%d}.csv"  # type: ignore[union-attr]
    return Response("\ufeff" + audit.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def register(site: AdminSite) -> None:
    site.route("/w/{ws}/audit", audit_list, name="audit-list", access="owner")
    site.route("/w/{ws}/audit.csv", audit_export, name="audit-export", access="owner")
    site.nav(NavItem("audit", "Audit log", "audit-list", "owner", section="settings",
                     order=30, icon="list"))

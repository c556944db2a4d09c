"""The guide list: search and filters, headline stats, duplicate, archive, promote."""

from __future__ import annotations

from sqlmodel import col, select
from starlette.responses import Response

from ...guides.model import GUIDE_TYPES
from ...guides.service import archive_guide
from ...models import Environment
from ...models.guide import GUIDE_STATUSES
from ..context import AdminContext, Denied
from ..i18n import N_
from . import queries
from .common import author, find_guide, record, render
from .operations import duplicate_guide, promote_guide

MESSAGES = {
    "archived": N_("Guide archived. Re-publishing it brings it back."),
    "promoted": N_("Guide copied to the other environment."),
    "imported": N_("Guide files imported."),
}


def other_environments(ctx: AdminContext) -> list[str]:
    assert ctx.workspace is not None and ctx.environment is not None
    return list(ctx.db.exec(
        select(Environment.name).where(Environment.workspace_id == ctx.workspace.id,
                                       Environment.id != ctx.environment.id)
        .order_by(col(Environment.name))
    ).all())


def guide_list(ctx: AdminContext, status: int = 200, import_problems: list[str] | None = None,
               ) -> Response:
    assert ctx.environment is not None
    params = ctx.request.query_params
    filters = {
        "q": params.get("q", "")[:200],
        "type": params.get("type", "") if params.get("type", "") in GUIDE_TYPES else "",
        "status": params.get("status", "") if params.get("status", "") in GUIDE_STATUSES else "",
        "tag": params.get("tag", "")[:50],
    }
    rows = queries.guide_rows(session=ctx.db, environment=ctx.environment, q=filters["q"],
                              guide_type=filters["type"], status=filters["status"],
                              tag=filters["tag"])
    queries.add_stats(session=ctx.db, environment=ctx.environment, rows=rows, now=ctx.now)
    message = MESSAGES.get(params.get("msg", ""), "")
    return render(ctx, "admin/guides/list.html", status=status, rows=rows, filters=filters,
        types=GUIDE_TYPES, statuses=GUIDE_STATUSES,
        tags=queries.all_tags(session=ctx.db, environment=ctx.environment),
        others=other_environments(ctx), message=ctx._(message) if message else "",
        stats_days=queries.STATS_DAYS, import_problems=import_problems or [],
        detail=params.get("detail", "")[:300],
    )


def guide_duplicate(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    assert ctx.environment is not None
    try:
        copy = duplicate_guide(session=ctx.db, environment=ctx.environment, guide=guide)
    except LookupError:
        raise Denied(409, ctx._("This guide has nothing to copy yet.")) from None
    record(ctx, "guide.duplicate", copy.key, source=guide.key)
    return ctx.redirect("guide-edit", key=copy.key, q_msg="duplicated")


def guide_archive(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    archive_guide(session=ctx.db, guide=guide)
    record(ctx, "guide.archive", guide.key)
    return ctx.redirect("guide-list", q_msg="archived")


def guide_promote(ctx: AdminContext) -> Response:
    """Copy the published definition to the same-key guide of another environment."""
    guide = find_guide(ctx)
    assert ctx.workspace is not None and ctx.environment is not None
    target = ctx.db.exec(select(Environment).where(
        Environment.workspace_id == ctx.workspace.id, Environment.name == ctx.field("target"),
        Environment.id != ctx.environment.id)).first()
    if target is None:
        raise Denied(404, ctx._("Not found."))
    publish = ctx.field("mode") == "publish"
    message = f"promoted from {ctx.environment.name}"
    try:
        promote_guide(session=ctx.db, guide=guide, target=target, publish=publish,
                      author=author(ctx), message=message)
    except LookupError:
        raise Denied(409, ctx._("Publish the guide before promoting it.")) from None
    record(ctx, "guide.promote", guide.key, to=target.name,
           mode="publish" if publish else "draft")
    return ctx.redirect("guide-list", q_msg="promoted", q_detail=target.name)

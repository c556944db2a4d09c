"""Publish and versions: history, readable diff of two versions, publish with a message,
scheduled publish, rollback, unpublish."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from ...guides.diff import diff_definitions
from ...guides.errors import GuideFileError
from ...guides.schedule import cancel_schedule, schedule_publish
from ...guides.service import (
    get_version,
    list_versions,
    publish_guide,
    rollback_guide,
    unpublish_guide,
)
from ...models import Guide
from ..context import AdminContext, Denied
from ..i18n import N_
from .common import author, find_guide, record, render

MESSAGES = {
    "published": N_("Published."),
    "rolled-back": N_("Rolled back: the chosen version is live again as a new version."),
    "unpublished": N_("Unpublished: the guide is off the air; its versions are kept."),
    "scheduled": N_("Publishing is scheduled."),
    "unscheduled": N_("The scheduled publish is cancelled."),
}

DIFF_KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}


def _side(ctx: AdminContext, guide: Guide, value: str) -> tuple[str, dict[str, Any] | None]:
    if value == "draft":
        return "draft", guide.draft
    if value.isdigit() and len(value) < 10:
        version = get_version(session=ctx.db, guide=guide, number=int(value))
        if version is not None:
            return value, version.definition
    return "", None


def guide_versions(ctx: AdminContext, status: int = 200, error: str = "") -> Response:
    guide = find_guide(ctx)
    versions = list_versions(session=ctx.db, guide=guide)
    params = ctx.request.query_params
    default_b = "draft" if guide.draft is not None and versions else (
        str(versions[0].number) if versions else "")
    default_a = str(versions[0].number) if guide.draft is not None and versions else (
        str(versions[1].number) if len(versions) > 1 else "")
    a_name, a_def = _side(ctx, guide, params.get("a", default_a))
    b_name, b_def = _side(ctx, guide, params.get("b", default_b))
    changes = diff_definitions(a_def, b_def) if a_def is not None and b_def is not None else None
    message = MESSAGES.get(params.get("msg", ""), "")
    return render(ctx, "admin/guides/versions.html", status=status, guide=guide, versions=versions,
        a=a_name, b=b_name, changes=changes, error=error,
        message=ctx._(message) if message else "", diff_kinds=DIFF_KINDS,
    )


def guide_publish(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    if guide.draft is None and not list_versions(session=ctx.db, guide=guide):
        return guide_versions(ctx, 409, ctx._("There is nothing to publish yet."))
    try:
        version = publish_guide(session=ctx.db, guide=guide, author=author(ctx),
                                message=ctx.field("message")[:500])
    except GuideFileError as exc:
        ctx.db.rollback()
        return guide_versions(ctx, 422, ctx._("The draft is not valid: %(problems)s",
                                               problems="; ".join(exc.problems)))
    if guide.publish_at is not None:
        cancel_schedule(session=ctx.db, guide=guide)
    record(ctx, "guide.publish", guide.key, version=version.number)
    return ctx.redirect("guide-versions", key=guide.key, q_msg="published")


def guide_rollback(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    number = ctx.field("version")
    if not number.isdigit() or len(number) > 9:
        raise Denied(404, ctx._("Not found."))
    try:
        version = rollback_guide(session=ctx.db, guide=guide, to_number=int(number),
                                 author=author(ctx))
    except LookupError:
        raise Denied(404, ctx._("Not found.")) from None
    record(ctx, "guide.rollback", guide.key, to=int(number), version=version.number)
    return ctx.redirect("guide-versions", key=guide.key, q_msg="rolled-back")


def guide_unpublish(ctx: AdminContext) -> Response:
    guide = find_guide(ctx)
    unpublish_guide(session=ctx.db, guide=guide)
    record(ctx, "guide.unpublish", guide.key)
    return ctx.redirect("guide-versions", key=guide.key, q_msg="unpublished")


def parse_when(text: str) -> datetime | None:
    """``2026-12-01T09:30`` (a datetime-local field, in UTC) → an aware datetime."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def guide_schedule(ctx: AdminContext) -> Response:
    """Schedule publishing the draft (``action=set`` with ``at``), or cancel it."""
    guide = find_guide(ctx)
    if ctx.field("action") == "cancel":
        cancel_schedule(session=ctx.db, guide=guide)
        record(ctx, "guide.schedule.cancel", guide.key)
        return ctx.redirect("guide-versions", key=guide.key, q_msg="unscheduled")
    at = parse_when(ctx.field("at"))
    if at is None or at <= ctx.now:
        return guide_versions(ctx, 422, ctx._("Choose a date and time in the future (UTC)."))
    try:
        schedule_publish(session=ctx.db, guide=guide, at=at, author=author(ctx),
                         message=ctx.field("message")[:500], now=ctx.now)
    except GuideFileError:
        return guide_versions(ctx, 409, ctx._("There is nothing to publish yet."))
    record(ctx, "guide.schedule", guide.key, at=at.isoformat())
    return ctx.redirect("guide-versions", key=guide.key, q_msg="scheduled")

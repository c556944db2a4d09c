"""Scheduled publishing: a guide's draft is published at ``publish_at`` by ``publish_due``.

The admin stores the time (and the version message and author) on the guide row;
``shirube publish-due`` (run it every minute from cron, a systemd timer or a Kubernetes
CronJob) publishes every guide whose time has come, in one transaction. Running it twice,
or from two hosts at once, is harmless: a published guide no longer has a ``publish_at``,
and on PostgreSQL the due rows are locked (``SKIP LOCKED``) while they are published.
Functions take a session and plain values; only the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from server.models import Guide

from .errors import GuideFileError
from .service import latest_version, publish_guide

__all__ = ["DuePublish", "cancel_schedule", "publish_due", "schedule_publish"]


@dataclass(frozen=True, slots=True)
class DuePublish:
    """One scheduled publish that ran (``version`` is None when it could not)."""

    environment_id: int
    key: str
    version: int | None
    problem: str = ""


def schedule_publish(
    *, session: Session, guide: Guide, at: datetime, author: str, message: str = "",
    now: datetime,
) -> None:
    """Publish the guide's draft at ``at`` (aware datetime, in the future)."""
    if at.tzinfo is None:
        raise ValueError("publish_at must be timezone-aware")
    if at <= now:
        raise ValueError("publish_at must be in the future")
    if guide.draft is None and latest_version(session=session, guide=guide) is None:
        raise GuideFileError(f"guide {guide.key!r} has no draft to publish")
    guide.publish_at = at
    guide.publish_message = message[:500]
    guide.publish_author = author[:200]
    session.add(guide)
    session.flush()


def cancel_schedule(*, session: Session, guide: Guide) -> None:
    """Forget a scheduled publish (also done when the guide is published by hand)."""
    guide.publish_at = None
    guide.publish_message = None
    guide.publish_author = None
    session.add(guide)
    session.flush()


def publish_due(*, session: Session, now: datetime) -> list[DuePublish]:
    """Publish every guide whose ``publish_at`` has passed. Does not commit.

    A draft that no longer validates (e.g. after a model change) is left unpublished,
    its schedule cleared, and reported with the problem.
    """
    stmt = (
        select(Guide)
        .where(col(Guide.publish_at).is_not(None), col(Guide.publish_at) <= now)
        .order_by(col(Guide.publish_at), col(Guide.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    done: list[DuePublish] = []
    for guide in session.exec(stmt).all():
        author = guide.publish_author or "schedule"
        message = guide.publish_message or ""
        try:
            version = publish_guide(session=session, guide=guide, author=author, message=message)
            done.append(DuePublish(guide.environment_id, guide.key, version.number))
        except GuideFileError as exc:
            done.append(DuePublish(guide.environment_id, guide.key, None, str(exc)))
        cancel_schedule(session=session, guide=guide)
    return done

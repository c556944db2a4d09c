"""Reading and creating guides for the admin REST API: filtered keyset listing, detail view.

Lifecycle changes (publish, rollback, …) live in ``service.py``; this module only adds
what a list/detail screen and a "create from a definition" call need. Nothing commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from server.models import Environment, Guide, GuideVersion

from .errors import GuideFileError
from .model import GuideFile
from .service import create_guide, get_guide, get_version, publish_guide, save_draft


@dataclass(frozen=True, slots=True)
class GuideDetail:
    """A guide with its draft, its published definition and its newest version number."""

    guide: Guide
    latest_version: int | None
    published: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        g = self.guide
        return {
            "key": g.key, "name": g.name, "type": g.type, "status": g.status,
            "published_version": g.published_version, "latest_version": self.latest_version,
            "has_draft": g.draft is not None, "created_at": g.created_at,
            "updated_at": g.updated_at, "draft": g.draft, "published": self.published,
        }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_guides(
    *, session: Session, environment_id: int, status: str | None = None,
    guide_type: str | None = None, q: str | None = None, after: str | None = None,
    limit: int = 50,
) -> list[Guide]:
    """Guides ordered by key, after key ``after``; ``limit + 1`` rows tell if more exist.

    ``q`` matches a substring of the key or the name, case-insensitively.
    """
    stmt = select(Guide).where(Guide.environment_id == environment_id)
    if status is not None:
        stmt = stmt.where(Guide.status == status)
    if guide_type is not None:
        stmt = stmt.where(Guide.type == guide_type)
    if q:
        pattern = f"%{_escape_like(q.lower())}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(col(Guide.key)).like(pattern, escape="\\"),
                sa.func.lower(col(Guide.name)).like(pattern, escape="\\"),
            )
        )
    if after is not None:
        stmt = stmt.where(col(Guide.key) > after)
    stmt = stmt.order_by(col(Guide.key)).limit(limit + 1)
    return list(session.exec(stmt).all())


def guide_detail(*, session: Session, guide: Guide) -> GuideDetail:
    """The detail view of one guide."""
    latest = session.exec(
        select(sa.func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide.id)
    ).one()
    published = None
    if guide.published_version is not None:
        version = get_version(session=session, guide=guide, number=guide.published_version)
        published = version.definition if version else None
    return GuideDetail(guide=guide, latest_version=latest, published=published)


class GuideExistsError(LookupError):
    """A guide with this key already exists in the environment."""


def add_guide(
    *, session: Session, environment: Environment, definition: GuideFile, publish: bool,
    author: str, message: str = "",
) -> Guide:
    """Create a guide from a validated definition: as a draft, or published as version 1.

    Raises ``GuideExistsError`` when the key is taken (archived guides included: update
    those with a new draft and publish them instead).
    """
    if get_guide(session=session, environment=environment, key=definition.key) is not None:
        raise GuideExistsError(definition.key)
    guide = create_guide(session=session, environment=environment, definition=definition)
    if publish:
        publish_guide(session=session, guide=guide, author=author, message=message,
                      definition=definition)
    else:
        save_draft(session=session, guide=guide, definition=definition)
    return guide


def replace_draft(*, session: Session, guide: Guide, definition: GuideFile) -> Guide:
    """Store ``definition`` as the guide's draft; its key must be the guide's key."""
    if definition.key != guide.key:
        raise GuideFileError(
            f"key: {definition.key!r} does not match the guide's key {guide.key!r}"
        )
    save_draft(session=session, guide=guide, definition=definition)
    if guide.name != definition.name and guide.published_version is None:
        # An unpublished guide shows its working name in lists.
        guide.name = definition.name
        guide.type = definition.type
        session.add(guide)
    return guide


def version_rows(
    *, session: Session, guide: Guide, before: int | None, limit: int
) -> list[GuideVersion]:
    """Versions newest first, numbered below ``before``; ``limit + 1`` rows."""
    stmt = select(GuideVersion).where(GuideVersion.guide_id == guide.id)
    if before is not None:
        stmt = stmt.where(col(GuideVersion.number) < before)
    stmt = stmt.order_by(sa.desc(col(GuideVersion.number))).limit(limit + 1)
    return list(session.exec(stmt).all())


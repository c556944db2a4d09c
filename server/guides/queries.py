"""Read helpers for guides and their versions (no writes)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from server.models import Environment, Guide, GuideVersion


def latest_version(*, session: Session, guide: Guide) -> GuideVersion | None:
    """The highest-numbered version of a guide, or ``None``."""
    stmt = (
        select(GuideVersion)
        .where(GuideVersion.guide_id == guide.id)
        .order_by(col(GuideVersion.number).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def get_version(*, session: Session, guide: Guide, number: int) -> GuideVersion | None:
    """Version ``number`` of a guide, or ``None``."""
    stmt = select(GuideVersion).where(
        GuideVersion.guide_id == guide.id, GuideVersion.number == number
    )
    return session.exec(stmt).first()


def list_versions(*, session: Session, guide: Guide) -> list[GuideVersion]:
    """All versions of a guide, newest first."""
    stmt = (
        select(GuideVersion)
        .where(GuideVersion.guide_id == guide.id)
        .order_by(col(GuideVersion.number).desc())
    )
    return list(session.exec(stmt).all())


def get_guide(*, session: Session, environment: Environment, key: str) -> Guide | None:
    """The guide with ``key`` in an environment, or ``None``."""
    stmt = select(Guide).where(Guide.environment_id == environment.id, Guide.key == key)
    return session.exec(stmt).first()

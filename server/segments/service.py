"""Segment CRUD: keyword-only service functions; the caller commits.

Every change bumps `environment.guides_version` in the same transaction: bootstrap caches
the rule segments that published guides reference, keyed by that counter.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..guides.service import bump_guides_version
from ..models.segment import Segment, SegmentMember
from ..models.types import utcnow
from .definition import KEY_RE, SegmentError, check_definition, referenced_segments


class SegmentExists(ValueError):
    """A segment with this key already exists in the environment."""


def get_segment(*, session: Session, environment_id: int, key: str) -> Segment | None:
    return session.exec(select(Segment).where(Segment.environment_id == environment_id,
                                              Segment.key == key)).first()


def list_segments(*, session: Session, environment_id: int, after: str | None,
                  limit: int) -> list[Segment]:
    """Segments by key, `limit + 1` after the cursor."""
    stmt = select(Segment).where(Segment.environment_id == environment_id)
    if after is not None:
        stmt = stmt.where(col(Segment.key) > after)
    return list(session.exec(stmt.order_by(col(Segment.key)).limit(limit + 1)))


def _check_references(session: Session, environment_id: int, key: str,
                      definition: dict[str, Any]) -> None:
    # A rule segment may name computed segments (materialised, so bootstrap has them);
    # naming another rule segment would need evaluation order: refused.
    names = referenced_segments(definition)
    if key in names:
        raise SegmentError("definition", f"segment {key!r} cannot refer to itself")
    if names:
        rules = session.exec(select(Segment.key).where(
            Segment.environment_id == environment_id, col(Segment.key).in_(names),
            Segment.kind == "rule")).all()
        if rules:
            raise SegmentError("definition", f"rule segment {sorted(rules)[0]!r} cannot be"
                               " used inside another rule segment; use a computed one")


def create_segment(*, session: Session, environment_id: int, key: str, name: str, kind: str,
                   definition: Any) -> Segment:
    """A new segment (members appear at its first refresh)."""
    if not KEY_RE.match(key):
        raise SegmentError("key", f"key {key!r} must be lowercase letters, digits, - or _")
    checked = check_definition(kind, definition)
    if kind == "rule":
        _check_references(session, environment_id, key, checked)
    if get_segment(session=session, environment_id=environment_id, key=key) is not None:
        raise SegmentExists(key)
    segment = Segment(environment_id=environment_id, key=key, name=name, kind=kind,
                      definition=checked)
    session.add(segment)
    bump_guides_version(session=session, environment_id=environment_id)
    session.flush()
    return segment


def update_segment(*, session: Session, segment: Segment, name: str | None = None,
                   definition: Any = None) -> Segment:
    """Rename and/or replace the definition (the kind never changes)."""
    if definition is not None:
        checked = check_definition(segment.kind, definition)
        if segment.kind == "rule":
            _check_references(session, segment.environment_id, segment.key, checked)
        segment.definition = checked
    if name is not None:
        segment.name = name
    segment.updated_at = utcnow()
    session.add(segment)
    bump_guides_version(session=session, environment_id=segment.environment_id)
    session.flush()
    return segment


def delete_segment(*, session: Session, segment: Segment) -> None:
    """Remove a segment and its members; guides naming it then see nobody as a member."""
    session.execute(sa.delete(SegmentMember).where(
        col(SegmentMember.environment_id) == segment.environment_id,
        col(SegmentMember.segment_key) == segment.key))
    session.delete(segment)
    bump_guides_version(session=session, environment_id=segment.environment_id)
    session.flush()


def list_members(*, session: Session, environment_id: int, key: str, after: str | None,
                 limit: int) -> list[SegmentMember]:
    """Members by user id, `limit + 1` after the cursor."""
    stmt = select(SegmentMember).where(SegmentMember.environment_id == environment_id,
                                       SegmentMember.segment_key == key)
    if after is not None:
        stmt = stmt.where(col(SegmentMember.user_id) > after)
    return list(session.exec(stmt.order_by(col(SegmentMember.user_id)).limit(limit + 1)))

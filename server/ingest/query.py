"""Reading the event log for the admin API: newest first, keyset pagination on (timestamp, id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Event


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events to list; every field is optional. `to` is exclusive."""

    user_id: str | None = None
    type: str | None = None
    name: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def list_events(
    *, session: Session, environment_id: int, where: EventFilter,
    before: tuple[datetime, int] | None = None, limit: int = 50,
) -> list[Event]:
    """Events newest first, strictly older than the (timestamp, id) key ``before``.

    Returns ``limit + 1`` rows when more exist. Served by the (environment, timestamp)
    and (environment, user, timestamp) indexes.
    """
    ts, ident = col(Event.timestamp), col(Event.id)
    stmt = select(Event).where(Event.environment_id == environment_id)
    if where.user_id is not None:
        stmt = stmt.where(Event.user_id == where.user_id)
    if where.type is not None:
        stmt = stmt.where(Event.type == where.type)
    if where.name is not None:
        stmt = stmt.where(Event.name == where.name)
    if where.start is not None:
        stmt = stmt.where(ts >= where.start)
    if where.end is not None:
        stmt = stmt.where(ts < where.end)
    if before is not None:
        b_ts, b_id = before
        stmt = stmt.where(sa.or_(ts < b_ts, sa.and_(ts == b_ts, ident < b_id)))
    stmt = stmt.order_by(ts.desc(), ident.desc()).limit(limit + 1)
    return list(session.exec(stmt).all())

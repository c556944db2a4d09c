"""Broken targets: which guide steps could not find their element, where, and with what.

The SDK sends `guide_target_missing` when none of a step's selectors matched within the
wait (`properties: {reason, selectors, url}`); this groups the last days of those events
per guide and step, with the URLs and selector lists that failed most often.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import Event

#: At most this many events are read per call (the newest): enough to rank the causes.
MAX_EVENTS = 20_000
_MAX_TEXT = 300


@dataclass(slots=True)
class BrokenTarget:
    """One guide step's misses in the window."""

    guide: str
    step: int | None
    count: int = 0
    last_at: datetime | None = None
    users: set[str] = field(default_factory=set)
    urls: Counter[str] = field(default_factory=Counter)
    selectors: Counter[tuple[str, ...]] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self, top: int = 5) -> dict[str, Any]:
        return {
            "guide": self.guide, "step": self.step, "count": self.count,
            "users": len(self.users), "last_at": self.last_at,
            "urls": [{"url": u, "count": n} for u, n in self.urls.most_common(top)],
            "selectors": [{"selectors": list(s), "count": n}
                          for s, n in self.selectors.most_common(top)],
            "reasons": [{"reason": r, "count": n} for r, n in self.reasons.most_common(top)],
        }


def _text(value: Any) -> str:
    return value[:_MAX_TEXT] if isinstance(value, str) else ""


def _selectors(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value[:_MAX_TEXT],)
    if isinstance(value, list):
        return tuple(_text(v) for v in value[:10] if isinstance(v, str))
    return ()


def broken_targets(*, session: Session, environment_id: int, now: datetime, days: int = 7,
                   guide_key: str | None = None) -> list[BrokenTarget]:
    """`guide_target_missing` counts per (guide, step) over the last `days` days, most
    frequent first (then guide key, step)."""
    stmt = sa.select(col(Event.guide_key), col(Event.step), col(Event.user_id),
                     col(Event.properties), col(Event.timestamp)).where(
        col(Event.environment_id) == environment_id,
        col(Event.type) == "guide_target_missing",
        col(Event.timestamp) >= now - timedelta(days=days))
    if guide_key is not None:
        stmt = stmt.where(col(Event.guide_key) == guide_key)
    stmt = stmt.order_by(sa.desc(col(Event.timestamp))).limit(MAX_EVENTS)
    groups: dict[tuple[str, int | None], BrokenTarget] = {}
    for key, step, user, props, at in session.execute(stmt).all():
        if not key:
            continue
        item = groups.get((key, step))
        if item is None:
            item = groups[(key, step)] = BrokenTarget(key, step)
        item.count += 1
        if item.last_at is None or at > item.last_at:
            item.last_at = at
        if user:
            item.users.add(user)
        props = props if isinstance(props, dict) else {}
        if url := _text(props.get("url")):
            item.urls[url] += 1
        if sels := _selectors(props.get("selectors")):
            item.selectors[sels] += 1
        if reason := _text(props.get("reason")):
            item.reasons[reason] += 1
    return sorted(groups.values(),
                  key=lambda b: (-b.count, b.guide, -1 if b.step is None else b.step))

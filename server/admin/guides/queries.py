"""Read queries of the guide pages: list rows with tags and headline stats, trait keys.

Plain functions over a session (no Starlette); the views shape what they return.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Environment, Guide, GuideVersion
from ...models.audience import Account, EndUser
from ...models.event import Event

STATS_DAYS = 30
LIST_LIMIT = 500
TRAIT_SAMPLE = 500
#: Trait keys an audience rule can name (the AttrRule pattern, one path segment).
_TRAIT_KEY = re.compile(r"^[A-Za-z0-9_$-][A-Za-z0-9_$ -]{0,150}$")


@dataclass
class GuideRow:
    """One line of the guide list."""

    guide: Guide
    definition: dict[str, Any] | None
    tags: list[str] = field(default_factory=list)
    views: int = 0
    completions: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.completions / self.views if self.views else None


def guide_rows(
    *, session: Session, environment: Environment, q: str = "", guide_type: str = "",
    status: str = "", tag: str = "",
) -> list[GuideRow]:  # fmt: skip
    """Guides of an environment with the definition being edited (draft, else published).

    Archived guides only show when ``status`` asks for them.
    """
    stmt = (
        select(Guide, GuideVersion.definition)
        .outerjoin(GuideVersion, sa.and_(col(GuideVersion.guide_id) == col(Guide.id),
                                         col(GuideVersion.number) == col(Guide.published_version)))
        .where(Guide.environment_id == environment.id)
        .order_by(col(Guide.updated_at).desc(), col(Guide.key))
        .limit(LIST_LIMIT)
    )
    if status:
        stmt = stmt.where(Guide.status == status)
    else:
        stmt = stmt.where(Guide.status != "archived")
    if guide_type:
        stmt = stmt.where(Guide.type == guide_type)
    needle = q.strip().lower()
    rows: list[GuideRow] = []
    for guide, published in session.exec(stmt).all():
        definition: dict[str, Any] | None = guide.draft if guide.draft is not None else (
            dict(published) if published is not None else None)
        if needle and needle not in guide.key.lower() and needle not in guide.name.lower():
            continue
        tags = list((definition or {}).get("tags") or [])
        if tag and tag not in tags:
            continue
        rows.append(GuideRow(guide=guide, definition=definition, tags=tags))
    return rows


def all_tags(*, session: Session, environment: Environment) -> list[str]:
    """Every tag used by a guide of the environment (the filter's choices)."""
    found: set[str] = set()
    for row in guide_rows(session=session, environment=environment):
        found.update(row.tags)
    return sorted(found)


def add_stats(*, session: Session, environment: Environment, rows: list[GuideRow],
              now: datetime, days: int = STATS_DAYS) -> None:
    """Views (distinct users with guide_seen) and completions (distinct users with
    guide_completed) in the last ``days``, for the listed guides, in one grouped query."""
    keys = [r.guide.key for r in rows]
    if not keys:
        return
    stmt = (
        select(Event.guide_key, Event.type, sa.func.count(sa.distinct(col(Event.user_id))))
        .where(Event.environment_id == environment.id,
               col(Event.timestamp) >= now - timedelta(days=days),
               col(Event.type).in_(("guide_seen", "guide_completed")),
               col(Event.guide_key).in_(keys))
        .group_by(Event.guide_key, Event.type)
    )
    counts = {(key, kind): int(n) for key, kind, n in session.exec(stmt).all()}
    for row in rows:
        row.views = counts.get((row.guide.key, "guide_seen"), 0)
        row.completions = counts.get((row.guide.key, "guide_completed"), 0)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "date"
        except ValueError:
            return "string"
    if isinstance(value, list):
        return "list"
    return "string"


def trait_keys(*, session: Session, environment: Environment,
               sample: int = TRAIT_SAMPLE) -> list[dict[str, str]]:
    """Top-level trait keys seen on the most recently active users and accounts, with the
    type most of their values have: ``[{"attr": "user.plan", "type": "string"}, …]``."""
    out: list[dict[str, str]] = [{"attr": "user.id", "type": "string"}]
    for prefix, model in (("user", EndUser), ("account", Account)):
        stmt = (select(model.traits).where(model.environment_id == environment.id)
                .order_by(col(model.last_seen_at).desc()).limit(sample))
        kinds: dict[str, Counter[str]] = {}
        for traits in session.exec(stmt).all():
            if not isinstance(traits, dict):
                continue
            for key, value in traits.items():
                if value is None or isinstance(value, dict) or not _TRAIT_KEY.match(str(key)):
                    continue
                kinds.setdefault(str(key), Counter())[_kind(value)] += 1
        for key in sorted(kinds):
            out.append({"attr": f"{prefix}.{key}", "type": kinds[key].most_common(1)[0][0]})
    return out

"""Reads for the feature list: who used each feature recently, in one pass over the events.

A use is classified by `features.matching.features_used_by` — the same rules as
`features.usage.feature_usage` (docs/features.md) — so the list agrees with each feature's
own page while reading the period's events once for all features instead of once each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from ...features.matching import features_used_by
from ...models import Event, Feature


def recent_users(*, session: Session, environment_id: int, features: Sequence[Feature],
                 start: datetime, end: datetime) -> dict[str, int]:
    """Distinct users per feature key with a use in [start, end)."""
    users: dict[str, set[str]] = {f.key: set() for f in features}
    if not features:
        return {}
    pairs = [(f.key, list(f.rules)) for f in features]
    names = sorted({r["name"] for f in features for r in f.rules if r.get("kind") == "event"})
    with_urls = any(r.get("kind") == "url" for f in features for r in f.rules)
    kinds = (col(Event.type) == "feature_used") & col(Event.name).in_(list(users))
    if names:
        kinds = kinds | ((col(Event.type) == "track") & col(Event.name).in_(names))
    if with_urls:
        kinds = kinds | (col(Event.type) == "page_view")
    query = sa.select(
        col(Event.user_id), col(Event.type), col(Event.name),
        col(Event.properties)["url"].as_string(),
    ).where(col(Event.environment_id) == environment_id, col(Event.timestamp) >= start,
            col(Event.timestamp) < end, col(Event.user_id).is_not(None), kinds)
    for user, type_, name, url in session.execute(query.execution_options(yield_per=2000)):
        for key in features_used_by(pairs, event_type=type_, name=name, url=url):
            users[key].add(user)
    return {key: len(found) for key, found in users.items()}

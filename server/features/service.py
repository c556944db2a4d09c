"""Feature tags of one environment: create, update (rename, rules), archive, list.

Functions take a session and plain values and never commit. Any change to what the SDK
receives (a live feature's key or rules) bumps `environment.guides_version` in the same
transaction: bootstrap caches features with the guides (server/delivery/cache.py).

Creating a feature or changing its URL or event rules also rebuilds its rows of the
`metric_feature_day` rollup from the stored events (`server.metrics.rollup.rebuild_feature`),
so the metrics count URL and event rules retroactively, exactly as usage.py does. The
guides_version bump changes the metrics cache's data version too (server/metrics/cache.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ..guides.service import bump_guides_version
from ..metrics.rollup import rebuild_feature
from ..models import Feature
from ..models.types import utcnow
from .rules import delivered, normalise_rules


class FeatureExists(Exception):
    """A feature with this key already exists in the environment."""


class NoSuchRule(Exception):
    """`set_click_target` was given a rule index that is not one of the feature's click rules."""


def get_feature(*, session: Session, environment_id: int, key: str) -> Feature | None:
    """The feature `key` of the environment (archived ones too), or None."""
    return session.exec(
        select(Feature).where(Feature.environment_id == environment_id, Feature.key == key)
    ).first()


def list_features(
    *, session: Session, environment_id: int, archived: bool | None = False,
    after: str | None = None, limit: int = 50,
) -> Sequence[Feature]:
    """Features by key (`limit + 1` rows after `after`); `archived=None` lists both."""
    query = select(Feature).where(Feature.environment_id == environment_id)
    if archived is not None:
        query = query.where(Feature.archived == archived)
    if after is not None:
        query = query.where(col(Feature.key) > after)
    return session.exec(query.order_by(col(Feature.key)).limit(limit + 1)).all()


def _stored_event_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules evaluated on stored events (url, event): what the metrics rollup rows of a
    feature depend on besides its key (click uses are `feature_used` events by key)."""
    return [r for r in rules if r.get("kind") != "click"]


def create_feature(
    *, session: Session, environment_id: int, key: str, name: str, rules: list[Any],
    now: datetime | None = None,
) -> Feature:
    """Add a feature (rules validated; raises pydantic.ValidationError or FeatureExists)."""
    normalised = normalise_rules(rules)
    if get_feature(session=session, environment_id=environment_id, key=key) is not None:
        raise FeatureExists(key)
    when = now or utcnow()
    feature = Feature(environment_id=environment_id, key=key, name=name, rules=normalised,
                      created_at=when, updated_at=when)
    session.add(feature)
    bump_guides_version(session=session, environment_id=environment_id)
    session.flush()
    rebuild_feature(session=session, environment_id=environment_id, key=key, rules=normalised)
    return feature


def update_feature(
    *, session: Session, feature: Feature, name: str | None = None,
    rules: list[Any] | None = None, archived: bool | None = None,
) -> Feature:
    """Rename, replace the rules, archive or restore (None = unchanged)."""
    delivered_before = (feature.archived, feature.rules)
    stored_before = _stored_event_rules(feature.rules)
    if name is not None:
        feature.name = name
    if rules is not None:
        feature.rules = normalise_rules(rules)
    if archived is not None:
        feature.archived = archived
    feature.updated_at = utcnow()
    session.add(feature)
    if (feature.archived, feature.rules) != delivered_before:
        bump_guides_version(session=session, environment_id=feature.environment_id)
    session.flush()
    if _stored_event_rules(feature.rules) != stored_before:
        rebuild_feature(session=session, environment_id=feature.environment_id,
                        key=feature.key, rules=feature.rules)
    return feature


def set_click_target(
    *, session: Session, feature: Feature, rule: int | str, target: dict[str, Any],
) -> tuple[Feature, int]:
    """Set the target of click rule `rule` (an index), or add a click rule (`"new"`), as the
    visual picker does (docs/builder.md). Returns the feature and the rule's index; raises
    NoSuchRule, or pydantic.ValidationError for a target the rules refuse (or a 21st rule).
    Bumps guides_version through update_feature when the rules change."""
    rules = [dict(r) for r in feature.rules]
    if rule == "new":
        rules.append({"kind": "click", "target": target})
        index = len(rules) - 1
    elif isinstance(rule, int) and not isinstance(rule, bool) and 0 <= rule < len(rules) \
            and rules[rule].get("kind") == "click":
        rules[rule] = {"kind": "click", "target": target}
        index = rule
    else:
        raise NoSuchRule(rule)
    update_feature(session=session, feature=feature, rules=rules)
    return feature, index


def delivered_features(*, session: Session, environment_id: int) -> list[dict[str, Any]]:
    """Bootstrap `features`: live features with their click and url rules."""
    rows = session.exec(
        select(Feature.key, Feature.rules).where(
            Feature.environment_id == environment_id, Feature.archived == False  # noqa: E712
        )
    ).all()
    return delivered([(key, list(rules)) for key, rules in rows])

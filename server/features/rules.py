"""Feature rules: which events count as use of a feature (docs/features.md).

- ``{"kind": "click", "target": {selectors, text, strictness}}`` — a click on the element,
  as the visual picker stores it. The SDK matches clicks (one delegated listener) and sends
  ``feature_used`` with ``name`` = the feature key: counted from the rule's creation on.
- ``{"kind": "url", "url": {match, value, query?}}`` — a ``page_view`` whose URL matches.
- ``{"kind": "event", "name": "report_exported"}`` — a ``track`` event with that name.

URL and event rules are evaluated on stored events at query time, so they are retroactive.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..guides.model import TargetField
from ..targeting.rules import EventName, UrlRule

MAX_RULES = 20
#: Rule kinds the SDK applies (delivered in bootstrap); event rules stay on the server.
CLIENT_KINDS = frozenset({"click", "url"})


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ClickRule(_Rule):
    """A click on the element found by the target's candidate selectors."""

    kind: Literal["click"]
    target: TargetField


class UrlFeatureRule(_Rule):
    """A page view whose URL (pathname + search + hash) matches."""

    kind: Literal["url"]
    url: UrlRule


class EventFeatureRule(_Rule):
    """A custom ``track`` event with this name."""

    kind: Literal["event"]
    name: EventName


FeatureRule = Annotated[ClickRule | UrlFeatureRule | EventFeatureRule, Field(discriminator="kind")]
FeatureRules = Annotated[list[FeatureRule], Field(min_length=1, max_length=MAX_RULES)]
_ADAPTER: TypeAdapter[list[Any]] = TypeAdapter(FeatureRules)


def normalise_rules(rules: list[Any]) -> list[dict[str, Any]]:
    """Validated rules as stored (defaults filled in); raises pydantic.ValidationError."""
    out = []
    for rule in _ADAPTER.validate_python(rules):
        dumped = rule.model_dump(mode="json", exclude_none=True)
        if isinstance(rule, ClickRule):  # the same target shape as a guide step's
            dumped["target"] = rule.target.model_dump(mode="json")
        out.append(dumped)
    return out


def client_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules the SDK applies (click and url), as delivered in bootstrap."""
    return [r for r in rules if r.get("kind") in CLIENT_KINDS]


def delivered(features: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Bootstrap `features`: `[{"key", "rules"}]` for live features with a client rule."""
    out = []
    for key, rules in sorted(features):
        mine = client_rules(rules)
        if mine:
            out.append({"key": key, "rules": mine})
    return out

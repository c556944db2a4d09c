"""Which features one stored event is a use of (pure; for rollups and other readers).

The same rules as server/features/usage.py: `feature_used` named by the key (click rules,
reported by the SDK), `track` by an event rule's name, `page_view` by a URL rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .urlmatch import match_url


def features_used_by(
    features: Iterable[tuple[str, list[dict[str, Any]]]], *, event_type: str,
    name: str | None, url: str | None = None,
) -> set[str]:
    """Keys of the `features` ((key, rules) pairs) that this event is a use of."""
    found: set[str] = set()
    for key, rules in features:
        if event_type == "feature_used" and name == key:
            found.add(key)
            continue
        for rule in rules:
            kind = rule.get("kind")
            if (kind == "event" and event_type == "track" and name == rule.get("name")) or (
                kind == "url" and event_type == "page_view" and match_url(rule.get("url"), url)
            ):
                found.add(key)
                break
    return found

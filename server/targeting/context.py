"""The evaluation context: everything the server-side evaluator may look at for one user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EventCounter = Callable[[str, int | None], int | None]


@dataclass(slots=True)
class EvalContext:
    """One end user (and their account) at one instant.

    ``segments`` is the set of segment keys the user belongs to, or ``None`` when
    membership is not available (segment rules then fail closed).  ``event_count(name,
    within_days)`` returns how often the user sent a custom event, or ``None`` when
    history is not available (event rules then fail closed).  A naive ``now`` is taken
    to be UTC.

    ``date_cache`` belongs to the evaluator: each raw date trait is parsed at most once
    per context (one context per request), however many rules look at it.
    """

    user_id: str
    user_traits: dict[str, Any]
    account_id: str | None
    account_traits: dict[str, Any]
    now: datetime
    segments: frozenset[str] | None = None
    event_count: EventCounter | None = field(default=None)
    # raw trait value -> parsed datetime (or None); created on first use.
    date_cache: dict[Any, datetime | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Date operators compare with aware datetimes; a naive `now` would make every
        # comparison raise (and so silently fail), so normalise it once here.
        zone = self.now.tzinfo
        if zone is UTC:  # the usual case
            pass
        elif zone is None:
            self.now = self.now.replace(tzinfo=UTC)
        elif self.now.utcoffset() != UTC.utcoffset(None):
            self.now = self.now.astimezone(UTC)
        if self.user_traits is None:
            self.user_traits = {}
        if self.account_traits is None:
            self.account_traits = {}

"""Survey pacing: may this survey ask this user now? One pure function.

METRICS.md "Surveys" — survey pacing (settings, per survey): sample share of eligible users
per day (default 100%), minimum page views before asking (default 5), re-ask interval
(default 90 days; never ask the same user twice inside it), "ask me later" snooze
(default 7 days). The server applies it at bootstrap (server/surveys/delivery.py); the
global fatigue rule (one interruptive guide at a time, cooldown) is the SDK's.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

#: METRICS.md defaults (the same as server.guides.model.Pacing).
DEFAULT_PACING: dict[str, Any] = {
    "sample_percent": 100, "min_page_views": 5, "reask_days": 90, "snooze_days": 7,
}


@dataclass(frozen=True, slots=True)
class UserSurveyState:
    """What the server knows about one user and one survey.

    ``last_answered_at``: the latest stored response (its answer time);
    ``last_seen_at``: the latest showing (guide_state); ``snoozed_until``: "ask me
    later" (guide_state, set from the ``guide_snoozed`` event + ``snooze_days``).
    """

    last_answered_at: datetime | None = None
    last_seen_at: datetime | None = None
    snoozed_until: datetime | None = None


def sample_bucket(user_id: str, survey_key: str, day: date) -> float:
    """The user's stable position in [0, 100) for this survey on this UTC day."""
    digest = hashlib.sha256(f"survey:{survey_key}:{user_id}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * 100 / 2**64


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _setting(pacing: Mapping[str, Any], name: str, low: float) -> float:
    value = pacing.get(name, DEFAULT_PACING[name])
    if value is None:
        value = DEFAULT_PACING[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"pacing.{name} must be a number, got {value!r}")
    if value < low:
        raise ValueError(f"pacing.{name} must be >= {low}, got {value!r}")
    return float(value)


def survey_allowed(
    pacing: Mapping[str, Any] | None,
    user_survey_state: UserSurveyState | None,
    page_views: int,
    now: datetime,
    user_id: str,
    survey_key: str,
) -> tuple[bool, str]:
    """May `survey_key` ask `user_id` at `now`? Returns (allowed, reason).

    Checks, in order: the snooze, the re-ask interval (counted from the later of the last
    answer and the last showing — so a dismissed or ignored survey waits too; a showing
    answered with "ask me later" counts only through its snooze), the
    minimum page views, and the daily sample (a stable hash of user + survey + UTC day,
    so a user is in or out for the whole day and a fresh draw happens the next day).
    Never raises: malformed pacing is "not allowed" with the reason.
    """
    try:
        settings = pacing if pacing is not None else DEFAULT_PACING
        sample = _setting(settings, "sample_percent", 0)
        min_views = _setting(settings, "min_page_views", 0)
        reask = _setting(settings, "reask_days", 0)
    except ValueError as exc:
        return False, str(exc)
    when = _utc(now)
    assert when is not None
    state = user_survey_state or UserSurveyState()
    snoozed = _utc(state.snoozed_until)
    if snoozed is not None and snoozed > when:
        return False, f"snoozed (ask me later) until {snoozed.isoformat()}"
    seen = _utc(state.last_seen_at)
    if seen is not None and snoozed is not None and snoozed >= seen:
        # That showing ended in "ask me later": the snooze (over by now) governs it, not
        # the re-ask interval — otherwise a 7-day snooze would hide a survey for 90 days.
        seen = None
    last = max((t for t in (_utc(state.last_answered_at), seen) if t), default=None)
    if last is not None and when - last < timedelta(days=reask):
        what = "answered" if last == _utc(state.last_answered_at) else "asked"
        return False, f"{what} {last.isoformat()}, inside the {reask:g}-day re-ask interval"
    if page_views < min_views:
        return False, f"{page_views} page views, fewer than the {min_views:g} required"
    bucket = sample_bucket(user_id, survey_key, when.date())
    if bucket >= sample:
        return False, f"not in today's {sample:g}% sample (bucket {bucket:.2f})"
    return True, f"in today's {sample:g}% sample (bucket {bucket:.2f})"

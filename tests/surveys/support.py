"""Builders for survey tests: survey guides and survey_answered events."""

from __future__ import annotations

import uuid
from typing import Any


def survey(key: str = "nps", **over: Any) -> dict[str, Any]:
    """A published-ready NPS survey guide that asks everyone at once (no pacing limits)."""
    base: dict[str, Any] = {
        "key": key, "name": key.upper(), "type": "survey",
        "pacing": {"sample_percent": 100, "min_page_views": 0, "reask_days": 90,
                   "snooze_days": 7},
        "steps": [
            {"kind": "nps", "title": "How likely are you to recommend us?",
             "low_label": "Not likely", "high_label": "Very likely",
             "followup": {"detractor": "What should we fix?", "promoter": "What do you love?"}},
            {"kind": "thank_you", "title": "Thanks!"},
        ],
    }
    base.update(over)
    return base


def answer(user: str = "user-1", *, guide: str = "nps", ts: str = "2026-11-20T08:00:00Z",
           asked_at: str | None = None, step: int = 0, account: str | None = None,
           **props: Any) -> dict[str, Any]:
    """One survey_answered event (properties as docs/sdk-contract.md says)."""
    properties = {"kind": "nps", "asked_at": asked_at or ts, **props}
    ev: dict[str, Any] = {"id": str(uuid.uuid4()), "type": "survey_answered", "user_id": user,
                          "guide": guide, "step": step, "properties": properties, "timestamp": ts}
    if account is not None:
        ev["account_id"] = account
    return ev

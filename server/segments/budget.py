"""The server side of the fatigue budget (ARCHITECTURE.md "One fatigue budget per user").

The SDK enforces the budget in the browser (one interruptive guide at a time, a cooldown
between automatic ones, at most N in 24 h), but a browser only knows its own history.
Here the budget is derived from guide states, i.e. from the user's `guide_seen` /
`step_seen` events on every device: the last interruption is the latest `last_seen_at`
over the published interruptive guides, and the day's count is how many of them were
last seen within the past 24 hours (the SDK's window). When the cooldown or the daily
maximum (environment settings `throttle.cooldown_minutes`, `throttle.max_per_day`) is
exhausted, bootstrap turns automatic interruptive guides into manual ones for that
response: the SDK will not start them by itself, a tour in progress still resumes, and
`shirube.show(key)` still works.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..targeting.frequency import GuideStateView

DEFAULT_COOLDOWN_MINUTES = 10
DEFAULT_MAX_PER_DAY = 3
DAY = timedelta(hours=24)


def throttle_of(throttle: Any) -> tuple[float, int]:
    """(cooldown minutes, max per day) from the environment's `throttle` setting."""
    throttle = throttle if isinstance(throttle, dict) else {}
    cooldown, per_day = throttle.get("cooldown_minutes"), throttle.get("max_per_day")
    if isinstance(cooldown, bool) or not isinstance(cooldown, int | float) \
            or not math.isfinite(cooldown) or cooldown < 0:
        cooldown = DEFAULT_COOLDOWN_MINUTES
    if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 0:
        per_day = DEFAULT_MAX_PER_DAY
    return float(cooldown), per_day


@dataclass(frozen=True, slots=True)
class BudgetState:
    """One user's interruption budget at one instant."""

    cooldown_minutes: float
    max_per_day: int
    last_interrupt_at: datetime | None
    last_guide: str | None
    shown_last_24h: int
    exhausted: str | None  # None, "cooldown" or "max_per_day"
    reason: str

    def as_dict(self) -> dict[str, Any]:
        last = self.last_interrupt_at
        return {"cooldown_minutes": self.cooldown_minutes, "max_per_day": self.max_per_day,
                "last_interrupt_at": last.isoformat() if last else None,
                "last_guide": self.last_guide, "shown_last_24h": self.shown_last_24h,
                "exhausted": self.exhausted}


def budget_state(*, states: Mapping[str, GuideStateView], interruptive: Collection[str],
                 throttle: Any, now: datetime) -> BudgetState:
    """The budget from the user's guide states (`interruptive`: keys that interrupt)."""
    cooldown, per_day = throttle_of(throttle)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    last, last_key, today = None, None, 0
    for key in interruptive:
        state = states.get(key)
        seen = state.last_seen_at if state is not None else None
        if seen is None:
            continue
        seen = seen if seen.tzinfo else seen.replace(tzinfo=UTC)
        if now - seen < DAY:
            today += 1
        if last is None or seen > last or (seen == last and key < (last_key or "")):
            last, last_key = seen, key
    if last is not None and now - last < timedelta(minutes=cooldown):
        left = timedelta(minutes=cooldown) - (now - last)
        return BudgetState(cooldown, per_day, last, last_key, today, "cooldown",
                           f"cooldown: interruptive guide {last_key!r} was seen"
                           f" {(now - last).total_seconds() / 60:.1f} min ago; the cooldown is"
                           f" {cooldown:g} min ({left.total_seconds() / 60:.1f} min left)")
    if today >= per_day:
        return BudgetState(cooldown, per_day, last, last_key, today, "max_per_day",
                           f"max per day: {today} interruptive guides seen in the last 24 h;"
                           f" the maximum is {per_day}")
    return BudgetState(cooldown, per_day, last, last_key, today, None,
                       f"{today} of {per_day} interruptive guides in the last 24 h, cooldown"
                       f" {cooldown:g} min over")


def explain_budget(*, budget: BudgetState, interrupt: bool, trigger_on: str | None
                   ) -> dict[str, Any]:
    """The "budget" check of "why didn't it show?", shaped like `explain_guide`'s items."""
    seen = budget.as_dict()
    if not interrupt:
        return {"check": "budget", "passed": True, "seen": seen,
                "reason": "does not interrupt (hotspot, banner, checklist): outside the budget"}
    if trigger_on == "manual":
        return {"check": "budget", "passed": True, "seen": seen,
                "reason": "manual trigger: shirube.show() is exempt from the budget"}
    return {"check": "budget", "passed": budget.exhausted is None, "seen": seen,
            "reason": budget.reason if budget.exhausted else f"within budget: {budget.reason}"}


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    """Per environment version: which published guides interrupt, which start by themselves."""

    interruptive: frozenset[str]
    automatic: frozenset[str]
    throttle: Any
    # The payload of each automatic interruptive guide with a manual trigger (see module doc).
    manual_prefix: dict[str, bytes]


def manual_prefix(payload: dict[str, Any]) -> bytes:
    """A guide's serialised payload (without its closing brace), trigger made manual."""
    trigger = {**(payload.get("trigger") or {}), "on": "manual"}
    return orjson.dumps({**payload, "trigger": trigger, "throttled": True})[:-1]


def budget_plan(*, payloads: Iterable[tuple[str, dict[str, Any]]], throttle: Any
                ) -> BudgetPlan | None:
    """The plan for (key, payload) of the published guides; None without automatic
    interruptive guides (nothing to hold back)."""
    interruptive, automatic, prefixes = set(), set(), {}
    for key, payload in payloads:
        if not payload.get("interrupt"):
            continue
        interruptive.add(key)
        if (payload.get("trigger") or {}).get("on") != "manual":
            automatic.add(key)
            prefixes[key] = manual_prefix(payload)
    if not automatic:
        return None
    return BudgetPlan(frozenset(interruptive), frozenset(automatic), throttle, prefixes)

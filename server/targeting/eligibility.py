"""Which published guides may a user be offered right now, and why not the others.

One pure function decides (``partition_eligible``); ``select_eligible`` is its common
use, and ``explain_guide`` lists every check for the admin's "why didn't it show?".
The client-side trigger and the per-user fatigue budget are decided later, in the SDK.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final

from server.targeting.context import EvalContext
from server.targeting.evaluate import compile_rule
from server.targeting.explain import explain_rule
from server.targeting.frequency import (
    ALWAYS,
    FrequencyCheck,
    GuideStateView,
    ScheduleCheck,
    ScheduleWindow,
    compile_frequency,
    compile_schedule,
    frequency_allows,
    frequency_well_formed,
    schedule_allows,
    schedule_window,
)


@dataclass(frozen=True, slots=True)
class CompiledGuide:
    """A published guide, ready for per-user decisions.

    ``audience`` is the compiled predicate; ``audience_rule`` the source rule dict,
    kept for explanations.  ``payload`` is whatever the server sends to the SDK.  The
    schedule is compiled when the guide is built (``schedule_check``, ``None`` when
    there is no schedule), and so is the frequency, so per-user decisions never parse
    dates or read the definition dicts.
    """

    key: str
    priority: int
    audience: Callable[[EvalContext], bool]
    frequency: dict[str, Any]
    schedule: dict[str, Any] | None = None
    holdout_percent: int = 0
    payload: dict[str, Any] = field(default_factory=dict)
    audience_rule: dict[str, Any] | None = None
    # A manual-trigger guide is only ever opened by the page's show(), which ignores
    # frequency: the server then checks schedule, audience and holdout, not frequency.
    manual: bool = False
    # Derived in __post_init__ (not constructor arguments):
    schedule_check: ScheduleCheck | None = field(init=False, repr=False, compare=False)
    # The same, as bounds the hot loop compares inline ([start, end), None = no schedule).
    schedule_window: ScheduleWindow | None = field(init=False, repr=False, compare=False)
    frequency_check: FrequencyCheck = field(init=False, repr=False, compare=False)
    # A well-formed frequency allows a user with no state yet: no need to call the check.
    fresh_ok: bool = field(init=False, repr=False, compare=False)
    # Offer order: priority descending, then key.
    order: tuple[float, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        schedule = compile_schedule(self.schedule)
        object.__setattr__(self, "schedule_check", None if schedule is ALWAYS else schedule)
        object.__setattr__(self, "schedule_window", schedule_window(self.schedule))
        object.__setattr__(self, "frequency_check", compile_frequency(self.frequency))
        object.__setattr__(self, "fresh_ok", frequency_well_formed(self.frequency))
        object.__setattr__(self, "order", _priority_order(self))

    @classmethod
    def build(
        cls,
        *,
        key: str,
        priority: int = 0,
        audience: dict[str, Any] | None = None,
        frequency: dict[str, Any] | None = None,
        schedule: dict[str, Any] | None = None,
        holdout_percent: int = 0,
        payload: dict[str, Any] | None = None,
    ) -> CompiledGuide:
        """Compile a guide from its normalised definition (audience rule dict etc.)."""
        return cls(
            key=key,
            priority=priority,
            audience=compile_rule(audience),
            frequency=frequency if frequency is not None else {"mode": "once"},
            schedule=schedule,
            holdout_percent=holdout_percent,
            payload=payload if payload is not None else {},
            audience_rule=audience,
        )


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Guides to offer, and guides withheld from this user by their holdout."""

    shown: list[CompiledGuide]
    held_out: list[CompiledGuide]


def holdout_bucket(user_id: str, guide_key: str) -> float:
    """The user's stable position in [0, 100) for this guide."""
    digest = hashlib.sha256(f"{guide_key}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * 100 / 2**64


def in_holdout(user_id: str, guide_key: str, percent: float) -> bool:
    """Is the user in the guide's holdout (control) group?  Stable across calls/servers."""
    if type(percent) not in (int, float) or not math.isfinite(percent) or percent <= 0:
        return False
    return holdout_bucket(user_id, guide_key) < min(percent, 100)


def _priority_order(guide: CompiledGuide) -> tuple[float, str]:
    priority = guide.priority if type(guide.priority) in (int, float) else 0
    return (-priority, guide.key)


_ORDER: Final = attrgetter("order")


def partition_eligible(
    guides: Sequence[CompiledGuide],
    ctx: EvalContext,
    states: Mapping[str, GuideStateView],
    now: datetime,
    audience_passed: Collection[str] | None = None,
) -> Eligibility:
    """Split guides into those to offer and those the user is held out of.

    A guide is eligible when its schedule, frequency and audience all pass; an eligible
    guide whose holdout contains the user goes to ``held_out`` instead (the server
    records that, so lift can be measured).  Both lists are ordered by priority
    descending, then key.  ``audience_passed``, when given, is the set of guide keys
    whose audience this user is already known to pass (the bootstrap memo); the
    audience predicates are then not run.
    """
    shown: list[CompiledGuide] = []
    held: list[CompiledGuide] = []
    if now.tzinfo is not UTC:
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    for guide in guides:
        # Cheapest first: the audience may count events in the database.
        window = guide.schedule_window  # = guide.schedule_check, inlined
        if window is not None:
            starts, ends = window
            if (starts is not None and now < starts) or (ends is not None and now >= ends):
                continue
        state = states.get(guide.key) if states else None  # a new user has none
        if state is None:
            if not guide.fresh_ok:  # with no state, only a malformed frequency blocks
                continue
        elif not guide.manual and not guide.frequency_check(state, now):
            continue
        if audience_passed is not None:
            if guide.key not in audience_passed:
                continue
        elif not guide.audience(ctx):
            continue
        if guide.holdout_percent and in_holdout(ctx.user_id, guide.key, guide.holdout_percent):
            held.append(guide)
        else:
            shown.append(guide)
    shown.sort(key=_ORDER)
    held.sort(key=_ORDER)
    return Eligibility(shown, held)


def select_eligible(
    guides: Sequence[CompiledGuide],
    ctx: EvalContext,
    states: Mapping[str, GuideStateView],
    now: datetime,
) -> list[CompiledGuide]:
    """The guides to offer this user now, by priority descending then key."""
    return partition_eligible(guides, ctx, states, now).shown


def explain_guide(
    guide: CompiledGuide, ctx: EvalContext, state: GuideStateView | None, now: datetime
) -> list[dict[str, Any]]:
    """Every server-side check for one guide and one user, in decision order.

    Each item is ``{"check", "passed", "seen", "reason"}``; the audience item also has
    ``"tree"`` (see :func:`explain_rule`).  The guide is offered iff all items passed.
    """
    schedule_ok, schedule_why = schedule_allows(guide.schedule, now)
    freq_ok, freq_why = frequency_allows(guide.frequency, state, now)
    if guide.manual and not freq_ok:
        freq_ok, freq_why = True, f"manual trigger: show() ignores frequency ({freq_why})"
    tree = explain_rule(guide.audience_rule, ctx)
    audience_ok = guide.audience(ctx)  # the verdict that counts; the tree explains it
    bucket = holdout_bucket(ctx.user_id, guide.key)
    held = in_holdout(ctx.user_id, guide.key, guide.holdout_percent)
    return [
        {"check": "schedule", "passed": schedule_ok, "seen": _iso(now), "reason": schedule_why},
        {
            "check": "frequency",
            "passed": freq_ok,
            "seen": _state_json(state),
            "reason": freq_why,
        },
        {
            "check": "audience",
            "passed": audience_ok,
            "seen": None,
            "reason": tree["reason"],
            "tree": tree,
        },
        {
            "check": "holdout",
            "passed": not held,
            "seen": round(bucket, 4),
            "reason": (
                f"user is in the {guide.holdout_percent}% holdout (bucket {bucket:.2f})"
                if held
                else f"not in the {guide.holdout_percent}% holdout (bucket {bucket:.2f})"
            ),
        },
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _state_json(state: GuideStateView | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "times_seen": state.times_seen,
        "last_seen_at": _iso(state.last_seen_at),
        "completed_at": _iso(state.completed_at),
        "dismissed_at": _iso(state.dismissed_at),
        "snoozed_until": _iso(state.snoozed_until),
        "current_step": state.current_step,
    }

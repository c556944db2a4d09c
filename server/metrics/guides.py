"""Guide performance (METRICS.md "Guide performance"): views, step funnel, completion,
dismiss, goal conversion and lift against the holdout.

Counts are over the guide's events whose timestamp falls in the period.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..fastsql import FastSQL
from ..models import Event, Guide, GuideState, GuideVersion
from ..models.rollup import MetricActivityDay
from ..targeting.eligibility import in_holdout
from .cache import cached
from .days import Period, day_start, unindexed_is_null

_ev = Event.__table__  # type: ignore[attr-defined]
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class StepRow:
    step: int
    users: list[str]
    drop_off: float | None  # 1 − seen(i+1)/seen(i); None for the last step or seen(i) = 0


@dataclass(frozen=True, slots=True)
class Funnel:
    seen: list[str]
    completed: list[str]
    dismissed: list[str]
    steps: list[StepRow]

    @property
    def completion_rate(self) -> float | None:
        return len(self.completed) / len(self.seen) if self.seen else None

    @property
    def dismiss_rate(self) -> float | None:
        return len(self.dismissed) / len(self.seen) if self.seen else None


@cached
def guide_funnel(*, session: Session, environment_id: int, guide_key: str, period: Period,
                 step_count: int | None = None) -> Funnel:
    """METRICS.md "Guide performance" — Views, Step funnel, Completion rate, Dismiss rate.

    Views: distinct users with `guide_seen`; step i: distinct users with `step_seen` for
    step i; drop-off(i) = 1 − seen(i+1)/seen(i); completion = users with
    `guide_completed` / views; dismiss = users with `guide_dismissed` / views — every
    event counted when its timestamp is in the period. Steps run from 0 to the guide's
    step count − 1 (or the highest step seen), zeros included.
    """
    stmt = (sa.select(_ev.c.type, _ev.c.step, _ev.c.user_id).distinct()
            .where(_ev.c.environment_id == environment_id, _ev.c.guide_key == guide_key,
                   _ev.c.timestamp >= period.start_at, _ev.c.timestamp < period.end_at,
                   _ev.c.user_id.is_not(None),
                   _ev.c.type.in_(("guide_seen", "step_seen", "guide_completed",
                                   "guide_dismissed"))))
    by_type: dict[str, set[str]] = defaultdict(set)
    by_step: dict[int, set[str]] = defaultdict(set)
    for kind, step, user in session.execute(stmt):
        if kind == "step_seen":
            if step is not None and step >= 0:
                by_step[int(step)].add(user)
        else:
            by_type[kind].add(user)
    count = step_count if step_count is not None else (max(by_step) + 1 if by_step else 0)
    count = max(count, max(by_step) + 1 if by_step else 0)
    steps = []
    for i in range(count):
        here, nxt = len(by_step.get(i, ())), len(by_step.get(i + 1, ()))
        drop = None if i == count - 1 or here == 0 else 1 - nxt / here
        steps.append(StepRow(i, sorted(by_step.get(i, ())), drop))
    return Funnel(sorted(by_type["guide_seen"]), sorted(by_type["guide_completed"]),
                  sorted(by_type["guide_dismissed"]), steps)


@dataclass(frozen=True, slots=True)
class Group:
    users: list[str]
    converted: list[str]

    @property
    def rate(self) -> float | None:
        return len(self.converted) / len(self.users) if self.users else None


@dataclass(frozen=True, slots=True)
class Lift:
    shown: Group
    holdout: Group
    goal_event: str
    within_days: int
    holdout_source: str  # "recorded" | "hash"
    lift: float | None = None
    ci95: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)


def lift_interval(*, p1: float, n1: int, p2: float, n2: int) -> tuple[float, float]:
    """95 % interval of p1 − p2: difference of proportions, normal approximation."""
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    diff = p1 - p2
    return (diff - Z95 * se, diff + Z95 * se)


def _first_times(session: Session, where: list[Any]) -> dict[str, datetime]:
    stmt = (sa.select(_ev.c.user_id, sa.func.min(_ev.c.timestamp))
            .where(_ev.c.user_id.is_not(None), *where).group_by(_ev.c.user_id))
    return {u: _aware(t) for u, t in session.execute(stmt)}


def _aware(value: Any) -> datetime:
    out = FastSQL.read_ts(value)
    assert out is not None
    return out


def _converted(session: Session, environment_id: int, groups: list[dict[str, datetime]],
               goal_event: str, within: timedelta) -> list[list[str]]:
    """Per group of {user: window start}, the users with a goal event in their window."""
    starts = [t for g in groups for t in g.values()]
    if not starts:
        return [[] for _ in groups]
    lo, hi = min(starts), max(starts) + within
    wanted = set().union(*groups)
    base = sa.select(_ev.c.user_id, _ev.c.timestamp).where(
        _ev.c.environment_id == environment_id, _ev.c.timestamp >= lo, _ev.c.timestamp < hi)
    # Two index-friendly queries rather than one OR (SQLite would scan the table).
    rows = session.execute(base.where(_ev.c.name == goal_event)).all()
    rows += session.execute(base.where(_ev.c.type == goal_event,
                                       unindexed_is_null(_ev.c.name))).all()
    done: list[set[str]] = [set() for _ in groups]
    for user, ts in rows:
        if user not in wanted:
            continue
        moment = _aware(ts)
        for group, out in zip(groups, done, strict=True):
            start = group.get(user)
            if start is not None and start <= moment < start + within:
                out.add(user)
    return [sorted(d) for d in done]


@cached
def goal_lift(*, session: Session, environment_id: int, guide_key: str, period: Period,
              goal_event: str, within_days: int = 7, holdout_percent: float = 0,
              recorded_holdout: set[str] | None = None) -> Lift:
    """METRICS.md "Guide performance" — Goal conversion and lift (95 % interval).

    Shown: users whose first `guide_seen` of the guide (ever) is in the period; they
    convert with a goal event (an event named `goal_event`, or of that type without a
    name) at or after that first view and less than `within_days` days later.
    Holdout: users active in the period who never saw the guide before its end and are
    in the holdout — the recorded holdout (`guide_state.holdout`) when the targeting
    records one, else `in_holdout(user, guide, holdout_percent)` (the stable hash);
    their window starts at midnight UTC of their first active day in the period. The audience is not
    re-evaluated for the holdout (see docs/metrics.md). Lift = conversion(shown) −
    conversion(holdout), with the interval of a difference of proportions.
    """
    env = _ev.c.environment_id == environment_id
    seen = _first_times(session, [env, _ev.c.guide_key == guide_key,
                                  _ev.c.type == "guide_seen", _ev.c.timestamp < period.end_at])
    shown = {u: t for u, t in seen.items() if t >= period.start_at}
    act = MetricActivityDay.__table__  # type: ignore[attr-defined]
    first_day = {u: int(d) for u, d in session.execute(
        sa.select(act.c.subject_id, sa.func.min(act.c.day))
        .where(act.c.environment_id == environment_id, act.c.kind == "u",
               act.c.day.between(period.first, period.last))
        .group_by(act.c.subject_id)).all() if u not in seen}
    if recorded_holdout:
        held = sorted(set(first_day) & recorded_holdout)
        source = "recorded"
    else:
        held = sorted(u for u in first_day if in_holdout(u, guide_key, holdout_percent))
        source = "hash"
    starts = {u: day_start(first_day[u]) for u in held}
    within = timedelta(days=within_days)
    conv_shown, conv_held = _converted(session, environment_id, [shown, starts], goal_event,
                                       within)
    shown_group = Group(sorted(shown), conv_shown)
    held_group = Group(held, conv_held)
    lift = ci = None
    if shown_group.rate is not None and held_group.rate is not None:
        lift = shown_group.rate - held_group.rate
        ci = lift_interval(p1=shown_group.rate, n1=len(shown_group.users),
                           p2=held_group.rate, n2=len(held_group.users))
    return Lift(shown_group, held_group, goal_event, within_days, source, lift, ci)


@dataclass(frozen=True, slots=True)
class GuideInfo:
    """What the metrics read from a guide's published (else latest) definition."""

    key: str
    step_count: int
    holdout_percent: int
    goal: dict[str, Any] | None


def guide_info(*, session: Session, environment_id: int, guide_key: str) -> GuideInfo | None:
    """The guide's published definition (the latest version when unpublished), or None."""
    guide = session.execute(sa.select(Guide).where(
        Guide.environment_id == environment_id, Guide.key == guide_key)).scalar()  # type: ignore[arg-type]
    if guide is None:
        return None
    stmt = sa.select(GuideVersion.definition).where(GuideVersion.guide_id == guide.id)  # type: ignore[arg-type]
    if guide.published_version is not None:
        stmt = stmt.where(GuideVersion.number == guide.published_version)  # type: ignore[arg-type]
    definition = session.execute(
        stmt.order_by(GuideVersion.number.desc()).limit(1)).scalar()  # type: ignore[attr-defined]
    if definition is None:
        definition = guide.draft or {}
    goal = definition.get("goal")
    return GuideInfo(guide_key, len(definition.get("steps") or []),
                     int(definition.get("holdout_percent") or 0),
                     goal if isinstance(goal, dict) else None)


def recorded_holdout(*, session: Session, environment_id: int, guide_key: str) -> set[str]:
    """Users the targeting recorded as held out of the guide (`guide_state.holdout`)."""
    gs = GuideState.__table__  # type: ignore[attr-defined]
    stmt = sa.select(gs.c.user_id).where(gs.c.environment_id == environment_id,
                                         gs.c.guide_key == guide_key, gs.c.holdout.is_(True))
    return {u for (u,) in session.execute(stmt)}

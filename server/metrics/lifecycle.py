"""Lifecycle stages, the four-stage loyalty frame (METRICS.md "Lifecycle stage")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Event
from ..models.rollup import MetricFirstSeen
from .activity import weeks_active_select
from .adoption import breadth
from .cache import cached
from .days import Period, day_number, day_start, quintile_scores
from .loyalty import monetary_threshold
from .people import nps_categories, with_monetary

Stage = Literal["get", "build", "grow", "keep"]
STAGES: tuple[Stage, ...] = ("get", "build", "grow", "keep")


@dataclass(frozen=True, slots=True)
class LifecycleSettings:
    """The thresholds of the frame (METRICS.md: "The thresholds are settings")."""

    get_days: int = 14             # Get: first activity within the last N days
    habit_weeks: int = 4           # habitual: active in ≥ 4 …
    of_weeks: int = 8              # … of the last 8 weeks
    breadth_days: int = 30         # breadth measured over the last 30 days
    onboarding_guide: str | None = None  # completing it ends Get (None: only time does)
    monetary_trait: str = "mrr"
    threshold: float | None = None  # monetary threshold; None = the median


@dataclass(frozen=True, slots=True)
class Lifecycle:
    as_of: date
    stages: dict[Stage, list[str]]
    threshold: float
    flow: dict[str, dict[str, int]] = field(default_factory=dict)


def _onboarded(session: Session, environment_id: int, guide: str | None,
               before: object) -> set[str]:
    if guide is None:
        return set()
    ev = Event.__table__  # type: ignore[attr-defined]
    stmt = sa.select(ev.c.user_id).distinct().where(
        ev.c.environment_id == environment_id, ev.c.guide_key == guide,
        ev.c.type == "guide_completed", ev.c.timestamp < before, ev.c.user_id.is_not(None))
    return {u for (u,) in session.execute(stmt)}


@cached
def lifecycle_stages(*, session: Session, environment_id: int, as_of: date,
                     settings: LifecycleSettings | None = None) -> Lifecycle:
    """METRICS.md "Lifecycle stage (the four-stage loyalty frame)" on `as_of`.

    Users active in the last `of_weeks` weeks (the 7-day blocks ending on `as_of`):
    Get = first activity within the last `get_days` days and the onboarding guide not
    completed; otherwise habitual users (active in ≥ `habit_weeks` of those weeks) are
    Keep when promoter (or no NPS answer yet and breadth score 5 by quintile) and
    monetary ≥ threshold, else Grow; the rest are Build.
    """
    s = settings or LifecycleSettings()
    last = day_number(as_of)
    fs = MetricFirstSeen.__table__  # type: ignore[attr-defined]
    weeks = weeks_active_select(environment_id=environment_id, as_of=last,
                                weeks=s.of_weeks).subquery()
    base = (sa.select(weeks.c.subject_id, weeks.c.weeks, fs.c.first_day)
            .join(fs, sa.and_(fs.c.environment_id == environment_id, fs.c.kind == "u",
                              fs.c.subject_id == weeks.c.subject_id)).subquery())
    rows = session.execute(with_monetary(session, base, environment_id=environment_id,
                                         monetary_trait=s.monetary_trait)).all()
    end = day_start(last + 1)
    onboarded = _onboarded(session, environment_id, s.onboarding_guide, end)
    nps = nps_categories(session=session, environment_id=environment_id, before=end)
    width = breadth(session=session, environment_id=environment_id,
                    period=Period.ending(as_of=as_of, days=s.breadth_days))
    top = quintile_scores({row[0]: float(width.get(row[0], 0)) for row in rows})
    threshold = s.threshold if s.threshold is not None else monetary_threshold(
        session=session, environment_id=environment_id, as_of=as_of,
        monetary_trait=s.monetary_trait)
    stages: dict[Stage, list[str]] = {st: [] for st in STAGES}
    for user, active_weeks, first, money in sorted(rows):
        stages[_stage(s, last, int(first), int(active_weeks), user in onboarded, nps.get(user),
                      top[user], float(money) >= threshold)].append(user)
    return Lifecycle(as_of, stages, threshold)


def _stage(s: LifecycleSettings, last: int, first: int, active_weeks: int, onboarded: bool,
           nps: str | None, breadth_score: int, high_money: bool) -> Stage:
    if first > last - s.get_days and not onboarded:
        return "get"
    if active_weeks < s.habit_weeks:
        return "build"
    loyal = nps == "promoter" or (nps is None and breadth_score == 5)
    return "keep" if loyal and high_money else "grow"


@cached
def lifecycle_flow(*, session: Session, environment_id: int, as_of: date,
                   settings: LifecycleSettings | None = None,
                   months_back_days: int = 30) -> Lifecycle:
    """METRICS.md "Lifecycle stage" — the stages on `as_of` and the flow since a month ago.

    `flow[before][now]` counts users by their stage `months_back_days` (30) days earlier
    and now; "none" stands for not being in any stage (not active in the 8 weeks).
    """
    now = lifecycle_stages(session=session, environment_id=environment_id, as_of=as_of,
                           settings=settings)
    then = lifecycle_stages(session=session, environment_id=environment_id,
                            as_of=as_of - timedelta(days=months_back_days), settings=settings)
    where_now = {u: st for st, users in now.stages.items() for u in users}
    where_then = {u: st for st, users in then.stages.items() for u in users}
    keys = (*STAGES, "none")
    flow = {a: {b: 0 for b in keys} for a in keys}
    for user in set(where_now) | set(where_then):
        flow[where_then.get(user, "none")][where_now.get(user, "none")] += 1
    return Lifecycle(as_of, now.stages, now.threshold, flow)

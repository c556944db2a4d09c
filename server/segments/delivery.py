"""What bootstrap needs from segments: who the user is, for the guides that ask.

`SegmentPlan` is built with the environment's cache entry (server/delivery/cache.py)
from the published guides' audiences: the segment keys they name, and those that are
rule segments, compiled. Per request, `user_segments` makes ONE indexed query for the
user's materialised memberships (`ix_segment_member_env_user`) and evaluates the named
rule segments live against the same context (traits, event counts, guide states).
`record_holdouts` stores, once, that a user was withheld a guide by its holdout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ..fastsql import FastSQL
from ..models.segment import Segment
from ..targeting.context import EvalContext
from ..targeting.evaluate import Predicate, compile_rule
from ..targeting.frequency import GuideStateView
from .definition import referenced_segments, translate
from .rules import guide_keys_of


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """The segments published guides name, for one environment version."""

    referenced: frozenset[str]
    rules: tuple[tuple[str, Predicate], ...] = ()

    @property
    def rule_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.rules)


def build_plan(*, session: Session, environment_id: int,
               audiences: Iterable[Any]) -> SegmentPlan | None:
    """The plan for these audience rules; None when none names a segment (the usual case)."""
    referenced: set[str] = set()
    for rule in audiences:
        referenced |= referenced_segments(rule)
    if not referenced:
        return None
    rows = session.exec(select(Segment.key, Segment.definition).where(
        Segment.environment_id == environment_id, Segment.kind == "rule",
        col(Segment.key).in_(referenced))).all()
    rules = tuple((key, compile_rule(translate(defn))) for key, defn in sorted(rows))
    return SegmentPlan(frozenset(referenced), rules)


_SEL_MEMBER = "SELECT segment_key FROM segment_member WHERE environment_id = ? AND user_id = ?"


def user_segments(*, fast: FastSQL, cur: Any, plan: SegmentPlan, environment_id: int,
                  ctx: EvalContext, states: Mapping[str, GuideStateView]) -> frozenset[str]:
    """The user's segments for `ctx.segments`: materialised ones plus live rule segments."""
    cur.execute(fast.sql(_SEL_MEMBER), (environment_id, ctx.user_id))
    rule_keys = plan.rule_keys
    # Rule segments are evaluated live; their stored rows are only the last refresh's list.
    stored = {row[0] for row in cur.fetchall() if row[0] not in rule_keys}
    if not plan.rules:
        return frozenset(stored)
    builtin = set(stored)
    for key, st in states.items():
        builtin.update(guide_keys_of(st.times_seen, st.completed_at is not None, key))
    inner = EvalContext(user_id=ctx.user_id, user_traits=ctx.user_traits,
                        account_id=ctx.account_id, account_traits=ctx.account_traits,
                        now=ctx.now, segments=frozenset(builtin), event_count=ctx.event_count)
    return frozenset(stored | {key for key, passes in plan.rules if passes(inner)})


def session_segments(*, session: Session, environment_id: int, ctx: EvalContext,
                     states: Mapping[str, GuideStateView],
                     audiences: Iterable[Any]) -> frozenset[str]:
    """`user_segments` through a session (for "why didn't it show?" and tools)."""
    plan = build_plan(session=session, environment_id=environment_id, audiences=audiences)
    if plan is None:
        return frozenset()
    conn = session.connection().connection.dbapi_connection
    fast = FastSQL(session.get_bind())  # type: ignore[arg-type]
    cur = conn.cursor()  # type: ignore[union-attr]
    try:
        return user_segments(fast=fast, cur=cur, plan=plan, environment_id=environment_id,
                             ctx=ctx, states=states)
    finally:
        cur.close()


_HOLDOUT = (
    "INSERT INTO guide_state (environment_id, user_id, guide_key, times_seen, current_step,"
    " holdout, updated_at) VALUES (?, ?, ?, 0, 0, ?, ?)"
    " ON CONFLICT (environment_id, user_id, guide_key) DO UPDATE SET holdout = excluded.holdout,"
    " updated_at = excluded.updated_at WHERE guide_state.holdout = ?"
)


def record_holdouts(*, fast: FastSQL, cur: Any, environment_id: int, user_id: str,
                    keys: Iterable[str], now: datetime) -> None:
    """Mark the user as held out of these guides (`guide_state.holdout`), in one transaction.

    The caller passes only guides not yet recorded (it read `holdout` with the states),
    so a returning user costs no write.
    """
    rows = [(environment_id, user_id, key, True, fast.ts(now), False) for key in sorted(keys)]
    if not rows:
        return
    fast.begin_write(cur)
    cur.executemany(fast.sql(_HOLDOUT), rows)
    fast.commit(cur)


"""What bootstrap needs from segments: who the user is, for the guides that ask.

`SegmentPlan` is built with the environment's cache entry (server/delivery/cache.py)
from the published guides' audiences: the segment keys they name, and those that are
rule segments, compiled. Per request, `user_segments` takes the user's materialised
memberships (the covering `ix_segment_member_env_user_key`; bootstrap reads them in its
snapshot statement, other callers with one indexed query) and evaluates the named
rule segments live against the same context (traits, event counts, guide states). A
feature leaf (`{feature: KEY, op: used}`) counts the feature's uses as adoption does
(METRICS.md "Feature adoption"): the plan carries the feature's event-rule names and URL
rules, and each (feature, window) a rule reads costs ONE query on
`ix_event_env_user_time`: this user's `feature_used` named KEY and `track` named by an
event rule counted, and — only for a feature with URL rules — their page views grouped by
URL, each distinct URL matched once in Python.
`record_holdouts` stores, once, that a user was withheld a guide by its holdout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ..fastsql import FastSQL
from ..features.urlmatch import match_url
from ..features.usage import rule_parts
from ..models import Feature
from ..models.segment import Segment
from ..targeting.context import EvalContext
from ..targeting.evaluate import Predicate, compile_rule
from ..targeting.frequency import GuideStateView
from .definition import event_windows, feature_of, referenced_segments, translate
from .rules import guide_keys_of


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """The segments published guides name, for one environment version."""

    referenced: frozenset[str]
    rules: tuple[tuple[str, Predicate], ...] = ()
    #: feature key -> (event-rule names, URL rules) for the feature leaves of `rules`
    features: Mapping[str, tuple[tuple[str, ...], tuple[Any, ...]]] = field(
        default_factory=dict)
    #: (event name, whole days or None) of every event and feature leaf of `rules`: what
    #: bootstrap's snapshot statement can count ahead (server/delivery/counts.py)
    windows: frozenset[tuple[str, int | None]] = frozenset()

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
    translated = [(key, translate(defn)) for key, defn in sorted(rows)]
    rules = tuple((key, compile_rule(rule)) for key, rule in translated)
    keys = {k for _, rule in translated for name, _ in event_windows(rule)
            if (k := feature_of(name)) is not None}
    features: dict[str, tuple[tuple[str, ...], tuple[Any, ...]]] = {key: ((), ()) for key in keys}
    if keys:  # a feature's rules change bumps guides_version: the plan is rebuilt then
        for key, stored in session.exec(select(Feature.key, Feature.rules).where(
                Feature.environment_id == environment_id, col(Feature.key).in_(keys))).all():
            names, urls = rule_parts(stored or [])
            features[key] = (tuple(names), tuple(urls))
    windows = frozenset(w for _, rule in translated for w in event_windows(rule))
    return SegmentPlan(frozenset(referenced), rules, features, windows)


def _feature_counter(
    fast: FastSQL, cur: Any, plan: SegmentPlan, environment_id: int, ctx: EvalContext,
    known: Mapping[tuple[str, int | None], int] | None = None,
) -> Callable[[str, int | None], int | None]:
    """ctx.event_count for the segment rules: a feature leaf's name counts the feature's
    uses (one indexed query per (feature, days), remembered for the request; none when
    `known` — bootstrap's snapshot — has it already); any other name goes to the caller's
    counter."""
    seen: dict[tuple[str, int | None], int] = {}
    other = ctx.event_count

    def count(name: str, days: int | None) -> int | None:
        key = feature_of(name)
        if key is None:
            return None if other is None else other(name, days)
        if known is not None and (name, days) in known:
            return known[name, days]
        if (key, days) not in seen:
            names, urls = plan.features.get(key, ((), ()))
            seen[(key, days)] = _count_uses(fast, cur, environment_id, ctx, key, names, urls,
                                            days)
        return seen[(key, days)]

    return count


def _count_uses(fast: FastSQL, cur: Any, environment_id: int, ctx: EvalContext, key: str,
                names: tuple[str, ...], urls: tuple[Any, ...], days: int | None) -> int:
    url = "json_extract(properties, '$.url')" if fast.is_sqlite else "properties->>'url'"
    uses = ["(type = 'feature_used' AND name = ?)"]
    params: list[Any] = [environment_id, ctx.user_id, key]
    if names:
        uses.append(f"(type = 'track' AND name IN ({', '.join('?' * len(names))}))")
        params.extend(names)
    if urls:
        uses.append("type = 'page_view'")
    view = "CASE WHEN type = 'page_view' THEN 1 ELSE 0 END"
    sql = (f"SELECT {view}, CASE WHEN type = 'page_view' THEN {url} END, count(*) FROM event"
           f" WHERE environment_id = ? AND user_id = ? AND ({' OR '.join(uses)})")
    if days is not None:
        sql += " AND timestamp >= ?"
        params.append(fast.ts(ctx.now - timedelta(days=days)))
    cur.execute(fast.sql(sql + " GROUP BY 1, 2"), params)
    return total_uses(cur.fetchall(), urls)


def total_uses(rows: Iterable[Any], urls: tuple[Any, ...]) -> int:
    """A feature's uses from (is page view, its URL, count) rows: every event-rule use,
    and the page views whose URL one of the feature's URL rules matches."""
    total = 0
    for is_view, address, n in rows:
        if not is_view or any(match_url(rule, address) for rule in urls):
            total += int(n)
    return total


_SEL_MEMBER = "SELECT segment_key FROM segment_member WHERE environment_id = ? AND user_id = ?"


def user_segments(*, fast: FastSQL, cur: Any, plan: SegmentPlan, environment_id: int,
                  ctx: EvalContext, states: Mapping[str, GuideStateView],
                  members: Iterable[str] | None = None,
                  known: Mapping[tuple[str, int | None], int] | None = None) -> frozenset[str]:
    """The user's segments for `ctx.segments`: materialised ones plus live rule segments.

    `members`: the user's segment_member keys when the caller read them already
    (bootstrap's snapshot statement); else one indexed query reads them. `known`: counts
    of (event or feature name, days) read already (the same statement)."""
    if members is None:
        cur.execute(fast.sql(_SEL_MEMBER), (environment_id, ctx.user_id))
        members = [row[0] for row in cur.fetchall()]
    rule_keys = plan.rule_keys
    # Rule segments are evaluated live; their stored rows are only the last refresh's list.
    stored = {key for key in members if key not in rule_keys}
    if not plan.rules:
        return frozenset(stored)
    builtin = set(stored)
    for key, st in states.items():
        builtin.update(guide_keys_of(st.times_seen, st.completed_at is not None, key))
    inner = EvalContext(user_id=ctx.user_id, user_traits=ctx.user_traits,
                        account_id=ctx.account_id, account_traits=ctx.account_traits,
                        now=ctx.now, segments=frozenset(builtin),
                        event_count=_feature_counter(fast, cur, plan, environment_id, ctx, known)
                        if plan.features else ctx.event_count)
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


"""`shirube segments refresh`: materialise every segment's members and report changes.

Per environment, in one transaction: fold new events into the metrics rollups, compute
the computed segments (metrics layer), then the rule segments (which may name computed
ones), diff each against `segment_member`, write the difference, and write a webhook
outbox row for every change — `segment.entered` / `segment.left`, and
`lifecycle.changed` when an endpoint subscribes to it (stages kept under the built-in
keys `lifecycle:<stage>`; the first refresh after subscribing records them silently).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..metrics.lifecycle import STAGES, lifecycle_stages
from ..metrics.rollup import refresh_rollups
from ..models.segment import Segment, SegmentMember
from ..models.webhook import WebhookSubscription
from ..webhooks.outbox import Message, enqueue
from .compute import computed_members
from .rules import rule_members

_m = SegmentMember.__table__  # type: ignore[attr-defined]
_CHUNK = 500
LIFECYCLE_PREFIX = "lifecycle:"


@dataclass(slots=True)
class RefreshReport:
    members: dict[str, int] = field(default_factory=dict)
    entered: int = 0
    left: int = 0
    messages: int = 0


def _stored(session: Session, env_id: int, key: str) -> set[str]:
    return set(session.execute(sa.select(_m.c.user_id).where(
        _m.c.environment_id == env_id, _m.c.segment_key == key)).scalars())


def apply_members(*, session: Session, environment_id: int, key: str, members: set[str],
                  now: datetime) -> tuple[list[str], list[str]]:
    """Make `segment_member` hold exactly `members` for `key`; (entered, left), sorted."""
    old = _stored(session, environment_id, key)
    entered, left = sorted(members - old), sorted(old - members)
    for i in range(0, len(left), _CHUNK):
        session.execute(_m.delete().where(
            _m.c.environment_id == environment_id, _m.c.segment_key == key,
            _m.c.user_id.in_(left[i:i + _CHUNK])))
    if entered:
        session.execute(_m.insert(), [
            {"environment_id": environment_id, "segment_key": key, "user_id": u, "since": now}
            for u in entered])
    return entered, left


def _wants_lifecycle(session: Session, env_id: int) -> bool:
    types = session.exec(select(WebhookSubscription.event_types).where(
        WebhookSubscription.environment_id == env_id,
        col(WebhookSubscription.active).is_(True))).all()
    return any("lifecycle.changed" in (t or ()) for t in types)


def _lifecycle(session: Session, env_id: int, now: datetime) -> list[Message]:
    had_any = session.execute(sa.select(_m.c.user_id).where(
        _m.c.environment_id == env_id,
        _m.c.segment_key.like(LIFECYCLE_PREFIX + "%")).limit(1)).first() is not None
    stages = lifecycle_stages(session=session, environment_id=env_id, as_of=now.date())
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for stage in STAGES:
        entered, left = apply_members(session=session, environment_id=env_id,
                                      key=LIFECYCLE_PREFIX + stage,
                                      members=set(stages.stages[stage]), now=now)
        for user in entered:
            after[user] = stage
        for user in left:
            before[user] = stage
    if not had_any:
        return []
    return [("lifecycle.changed", {"user_id": user, "from": before.get(user),
                                   "to": after.get(user)})
            for user in sorted(set(before) | set(after))]


def refresh_segments(*, session: Session, environment_id: int, now: datetime,
                     keys: Iterable[str] | None = None) -> RefreshReport:
    """Refresh the segments of one environment (all, or those in `keys`); caller commits."""
    env = environment_id
    refresh_rollups(session=session, environment_id=env, now=now)
    stmt = select(Segment).where(Segment.environment_id == env)
    if keys is not None:
        stmt = stmt.where(col(Segment.key).in_(list(keys)))
    segments = list(session.exec(stmt.order_by(col(Segment.key))))
    computed = computed_members(
        session=session, environment_id=env, now=now,
        segments=[(s.key, s.definition) for s in segments if s.kind == "computed"])
    report = RefreshReport()
    messages: list[Message] = []
    by_key = {s.key: s for s in segments}

    def store(key: str, members: set[str]) -> None:
        segment = by_key[key]
        entered, left = apply_members(session=session, environment_id=env, key=key,
                                      members=members, now=now)
        segment.member_count, segment.refreshed_at = len(members), now
        session.add(segment)
        report.members[key] = len(members)
        report.entered += len(entered)
        report.left += len(left)
        base: dict[str, Any] = {"segment": key, "segment_name": segment.name}
        messages.extend(("segment.entered", {**base, "user_id": u}) for u in entered)
        messages.extend(("segment.left", {**base, "user_id": u}) for u in left)

    for key, members in computed.items():
        store(key, members)
    # Rule segments see every computed membership as stored now (including ones not
    # refreshed in this call).
    user_segments: dict[str, set[str]] = {}
    computed_keys = select(Segment.key).where(Segment.environment_id == env,
                                              Segment.kind == "computed")
    for user, key in session.execute(sa.select(_m.c.user_id, _m.c.segment_key).where(
            _m.c.environment_id == env, _m.c.segment_key.in_(computed_keys))):
        user_segments.setdefault(user, set()).add(key)
    rules = rule_members(session=session, environment_id=env, computed=user_segments, now=now,
                         segments=[(s.key, s.definition) for s in segments if s.kind == "rule"])
    for key, members in rules.items():
        store(key, members)
    if keys is None and _wants_lifecycle(session, env):
        messages += _lifecycle(session, env, now)
    report.messages = enqueue(session=session, environment_id=env, messages=messages, now=now)
    session.flush()
    return report

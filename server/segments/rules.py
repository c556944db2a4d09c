"""Members of rule segments across an environment, with the same evaluator as bootstrap.

Each user gets the context bootstrap would build: their traits and their account's,
event counts (one GROUP BY per distinct (event, window) the rules read, not one query
per user; a feature leaf's window counts the feature's uses as adoption does, through
server/features/usage.py `uses_per_user`), their computed segments, and the built-in
`guide:KEY:seen|completed` keys from guide states. Users considered: every end user plus
every user id in those counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..features.usage import uses_per_user
from ..metrics.people import user_accounts
from ..models import Account, EndUser, Event, Feature, GuideState
from ..targeting.context import EvalContext
from ..targeting.evaluate import compile_rule
from .definition import event_windows, feature_of, guide_key, translate

_ev = Event.__table__  # type: ignore[attr-defined]
_gs = GuideState.__table__  # type: ignore[attr-defined]
_users = EndUser.__table__  # type: ignore[attr-defined]
_accounts = Account.__table__  # type: ignore[attr-defined]
_features = Feature.__table__  # type: ignore[attr-defined]


def guide_keys_of(times_seen: int, completed: bool, guide: str) -> list[str]:
    """The built-in segment keys one guide state gives its user."""
    keys = [guide_key(guide, "seen")] if times_seen > 0 or completed else []
    if completed:
        keys.append(guide_key(guide, "completed"))
    return keys


def _counts(session: Session, env_id: int, name: str, days: int | None,
            now: datetime) -> dict[str, int]:
    # Same definition as bootstrap's counter: a track name, or an event type without one.
    stmt = (sa.select(_ev.c.user_id, sa.func.count())
            .where(_ev.c.environment_id == env_id, _ev.c.user_id.is_not(None),
                   sa.or_(_ev.c.name == name, sa.and_(_ev.c.name.is_(None), _ev.c.type == name)))
            .group_by(_ev.c.user_id))
    if days is not None:
        stmt = stmt.where(_ev.c.timestamp >= now - timedelta(days=days))
    return {u: int(n) for u, n in session.execute(stmt)}


def _window_counts(session: Session, env_id: int, windows: set[tuple[str, int | None]],
                   now: datetime) -> dict[tuple[str, int | None], dict[str, int]]:
    """user counts per (event name, days) window; feature leaves' windows count uses."""
    keys = {k for k in (feature_of(name) for name, _ in windows) if k is not None}
    rules = {} if not keys else {key: list(r or []) for key, r in session.execute(
        sa.select(_features.c.key, _features.c.rules)
        .where(_features.c.environment_id == env_id, _features.c.key.in_(sorted(keys))))}
    out: dict[tuple[str, int | None], dict[str, int]] = {}
    for name, days in windows:
        key = feature_of(name)
        if key is None:
            out[(name, days)] = _counts(session, env_id, name, days, now)
        else:  # a feature nobody defined: only `feature_used` events named by it
            since = None if days is None else now - timedelta(days=days)
            out[(name, days)] = uses_per_user(session=session, environment_id=env_id, key=key,
                                              rules=rules.get(key, []), since=since)
    return out


def _count_of(counts: Mapping[tuple[str, int | None], Mapping[str, int]], user: str,
              name: str, days: int | None) -> int:
    return counts.get((name, days), {}).get(user, 0)


def rule_members(*, session: Session, environment_id: int,
                 segments: Iterable[tuple[str, dict[str, Any]]],
                 computed: Mapping[str, set[str]], now: datetime) -> dict[str, set[str]]:
    """segment key -> user ids passing its rule; `computed` = user -> computed segment keys."""
    rules = [(key, translate(rule)) for key, rule in segments]
    if not rules:
        return {}
    env = environment_id
    windows = set().union(*(event_windows(rule) for _, rule in rules))
    counts = _window_counts(session, env, windows, now)
    traits = {u: t or {} for u, t in session.execute(
        sa.select(_users.c.external_id, _users.c.traits).where(_users.c.environment_id == env))}
    account_traits = {a: t or {} for a, t in session.execute(
        sa.select(_accounts.c.external_id, _accounts.c.traits)
        .where(_accounts.c.environment_id == env))}
    accounts = user_accounts(session=session, environment_id=env)
    builtin: dict[str, set[str]] = {}
    for user, guide, seen, done in session.execute(
            sa.select(_gs.c.user_id, _gs.c.guide_key, _gs.c.times_seen, _gs.c.completed_at)
            .where(_gs.c.environment_id == env)):
        builtin.setdefault(user, set()).update(guide_keys_of(seen, done is not None, guide))
    users = set(traits).union(*(set(c) for c in counts.values()), builtin)
    compiled = [(key, compile_rule(rule)) for key, rule in rules]
    out: dict[str, set[str]] = {key: set() for key, _ in rules}
    for user in users:
        account = accounts.get(user)
        ctx = EvalContext(
            user_id=user, user_traits=dict(traits.get(user, {})), account_id=account,
            account_traits=dict(account_traits.get(account, {})) if account else {}, now=now,
            segments=frozenset(computed.get(user, set()) | builtin.get(user, set())),
            event_count=partial(_count_of, counts, user),
        )
        for key, predicate in compiled:
            if predicate(ctx):
                out[key].add(user)
    return out

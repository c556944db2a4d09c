"""Keeping the daily rollups current: read the event log forward from a watermark.

The rollups (server/models/rollup.py) are presence facts, so re-reading events is
harmless: every insert is `ON CONFLICT DO NOTHING` (first-seen keeps the minimum). The
metrics API calls `refresh_rollups` before answering when `rollups_pending` says events
arrived since the watermark, so figures are always exact; `python -m server.metrics.rollup`
does the same for every environment (e.g. from cron after a large import).

Why the watermark may lag on PostgreSQL: an event id is taken from a sequence at INSERT
time, so a transaction still in flight can commit a lower id after a higher one became
visible. The watermark therefore only advances past events received more than
`lag_seconds` ago; newer ones are re-read on the next refresh (idempotently). SQLite has
one writer at a time, so ids become visible in order and no lag is needed.

`metric_feature_day` holds every use of a feature as server/features/usage.py defines it
(`feature_used` named by the key, `track` named by an event rule, `page_view` matching a
URL rule). Because URL and event rules are retroactive, `rebuild_feature` recomputes one
feature's rows from all folded events when it is created or its rules change
(server/features/service.py calls it in the same transaction).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from ..features.urlmatch import match_url
from ..models import Event, Feature
from ..models.rollup import (
    ACCOUNT,
    USER,
    MetricActivityDay,
    MetricFeatureDay,
    MetricFirstSeen,
    MetricRollupState,
)
from .days import sql_day

PG_LAG_SECONDS = 60

_ev = Event.__table__  # type: ignore[attr-defined]
_state = MetricRollupState.__table__  # type: ignore[attr-defined]
_activity = MetricActivityDay.__table__  # type: ignore[attr-defined]
_first = MetricFirstSeen.__table__  # type: ignore[attr-defined]
_feature = MetricFeatureDay.__table__  # type: ignore[attr-defined]
_features = Feature.__table__  # type: ignore[attr-defined]

#: Rows per INSERT when folding rule uses matched in Python.
_CHUNK = 1000
#: Distinct URLs whose matching features are remembered during one fold.
_URL_MEMO = 50_000


def _insert(session: Session, table: sa.Table) -> sa.Insert:
    dialect = session.get_bind().dialect.name
    return (sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table))  # type: ignore[return-value]


def _watermark(session: Session, environment_id: int, *, lock: bool = False) -> int:
    stmt = sa.select(_state.c.last_event_id).where(_state.c.environment_id == environment_id)
    if lock:
        stmt = stmt.with_for_update()
    value = session.execute(stmt).scalar()
    return int(value or 0)


def rollups_pending(*, session: Session, environment_id: int) -> bool:
    """Have events arrived past the watermark (a cheap primary-key range probe)?"""
    mark = _watermark(session, environment_id)
    probe = sa.select(_ev.c.id).where(_ev.c.id > mark, _ev.c.environment_id == environment_id)
    return session.execute(probe.limit(1)).first() is not None


def refresh_rollups(
    *, session: Session, environment_id: int, now: datetime, lag_seconds: int | None = None,
) -> int:
    """Fold the events past the watermark into the rollups; returns the events read.

    Runs in the caller's transaction (the caller commits). Concurrent refreshes of one
    environment are serialised by a row lock on its watermark (IMMEDIATE on SQLite).
    """
    dialect = session.get_bind().dialect.name
    if lag_seconds is None:
        lag_seconds = 0 if dialect == "sqlite" else PG_LAG_SECONDS
    session.execute(_insert(session, _state).values(environment_id=environment_id,
                                                    last_event_id=0).on_conflict_do_nothing())
    mark = _watermark(session, environment_id, lock=True)
    env = _ev.c.environment_id == environment_id
    top = session.execute(sa.select(sa.func.max(_ev.c.id), sa.func.count())
                          .where(_ev.c.id > mark, env)).one()
    if top[0] is None:
        return 0
    high = int(top[0])
    window = sa.and_(env, _ev.c.id > mark, _ev.c.id <= high)
    day = sql_day(_ev.c.timestamp, dialect).label("day")
    for kind, column in ((USER, _ev.c.user_id), (ACCOUNT, _ev.c.account_id)):
        rows = (sa.select(sa.literal(environment_id), sa.literal(kind), column, day)
                .where(window, column.is_not(None)).distinct())
        session.execute(_insert(session, _activity).from_select(
            ["environment_id", "kind", "subject_id", "day"], rows).on_conflict_do_nothing())
        firsts = (sa.select(sa.literal(environment_id), sa.literal(kind), column,
                            sa.func.min(_ev.c.timestamp), sa.func.min(day))
                  .where(window, column.is_not(None)).group_by(column))
        ins = _insert(session, _first).from_select(
            ["environment_id", "kind", "subject_id", "first_at", "first_day"], firsts)
        ins = ins.on_conflict_do_update(
            index_elements=["environment_id", "kind", "subject_id"],
            set_={
                "first_at": sa.case((ins.excluded.first_at < _first.c.first_at,
                                     ins.excluded.first_at), else_=_first.c.first_at),
                "first_day": sa.case((ins.excluded.first_day < _first.c.first_day,
                                      ins.excluded.first_day), else_=_first.c.first_day),
            },
        )
        session.execute(ins)
    used = (sa.select(sa.literal(environment_id), _ev.c.name, day, _ev.c.user_id,
                      sa.func.coalesce(_ev.c.account_id, ""))
            .where(window, _ev.c.type == "feature_used", _ev.c.name.is_not(None),
                   _ev.c.user_id.is_not(None)).distinct())
    session.execute(_insert(session, _feature).from_select(
        ["environment_id", "feature", "day", "user_id", "account_id"], used)
        .on_conflict_do_nothing())
    features = session.execute(sa.select(_features.c.key, _features.c.rules)
                               .where(_features.c.environment_id == environment_id)).all()
    _fold_rule_uses(session, environment_id, window, features)
    settled = high
    if lag_seconds:
        cutoff = now - timedelta(seconds=lag_seconds)
        settled = int(session.execute(
            sa.select(sa.func.coalesce(sa.func.max(_ev.c.id), mark))
            .where(window, _ev.c.received_at < cutoff)).scalar() or mark)
    if settled > mark:
        session.execute(_state.update().where(_state.c.environment_id == environment_id)
                        .values(last_event_id=settled))
    return int(top[1])


def _rule_index(
    features: Iterable[tuple[str, Any]],
) -> tuple[dict[str, set[str]], list[tuple[str, dict[str, Any]]]]:
    """Event rules as {track name: feature keys} and URL rules as [(key, url rule)]."""
    names: dict[str, set[str]] = {}
    urls: list[tuple[str, dict[str, Any]]] = []
    for key, rules in features:
        for rule in rules or []:
            if not isinstance(rule, dict):
                continue
            if rule.get("kind") == "event" and isinstance(rule.get("name"), str):
                names.setdefault(rule["name"], set()).add(key)
            elif rule.get("kind") == "url":
                urls.append((key, rule.get("url")))  # type: ignore[arg-type]
    return names, urls


def _fold_rule_uses(session: Session, environment_id: int, where: sa.ColumnElement[bool],
                    features: Iterable[tuple[str, Any]]) -> int:
    """Add to `metric_feature_day` the uses by event and URL rules among the events
    `where` selects (the same definition as server/features/usage.py): a `track` event
    named by an event rule (SQL), a `page_view` whose `properties.url` matches a URL rule
    (read once, matched in Python with `match_url`). Returns the rows offered."""
    names, urls = _rule_index(features)
    if not names and not urls:
        return 0
    day = sql_day(_ev.c.timestamp, session.get_bind().dialect.name).label("day")
    account = sa.func.coalesce(_ev.c.account_id, "")
    rows: set[tuple[str, int, str, str]] = set()
    if names:
        tracks = (sa.select(_ev.c.name, day, _ev.c.user_id, account)
                  .where(where, _ev.c.type == "track", _ev.c.name.in_(sorted(names)),
                         _ev.c.user_id.is_not(None)).distinct())
        for name, d, user, acc in session.execute(tracks):
            for key in names.get(name, ()):
                rows.add((key, int(d), user, acc))
    if urls:
        views = (sa.select(_ev.c.properties["url"].as_string(), day, _ev.c.user_id, account)
                 .where(where, _ev.c.type == "page_view", _ev.c.user_id.is_not(None)))
        memo: dict[str | None, tuple[str, ...]] = {}
        for url, d, user, acc in session.execute(views.execution_options(yield_per=2000)):
            keys = memo.get(url)
            if keys is None:
                keys = tuple(sorted({k for k, rule in urls if match_url(rule, url)}))
                if len(memo) < _URL_MEMO:
                    memo[url] = keys
            for key in keys:
                rows.add((key, int(d), user, acc))
    ordered = sorted(rows)
    stmt = _insert(session, _feature).on_conflict_do_nothing()
    for i in range(0, len(ordered), _CHUNK):
        session.execute(stmt, [
            {"environment_id": environment_id, "feature": k, "day": d, "user_id": u,
             "account_id": a} for k, d, u, a in ordered[i:i + _CHUNK]])
    return len(ordered)


def rebuild_feature(*, session: Session, environment_id: int, key: str,
                    rules: list[dict[str, Any]]) -> int:
    """Recompute feature `key`'s `metric_feature_day` rows from every event the rollups
    have read (ids up to the watermark) under its current `rules`; returns the rows offered.

    Called when a feature is created or its rules change, in the caller's transaction:
    URL and event rules are retroactive, so the rows must follow the new rules for all
    stored history. Events past the watermark are folded by the next `refresh_rollups`,
    which reads the rules then. Holds the watermark row lock like a refresh, so the two
    never interleave. Cost: one indexed query for `feature_used`/`track` plus, for a
    feature with URL rules, one pass over the environment's stored page views.
    """
    mark = _watermark(session, environment_id, lock=True)
    session.execute(_feature.delete().where(_feature.c.environment_id == environment_id,
                                            _feature.c.feature == key))
    if mark == 0:
        return 0
    where = sa.and_(_ev.c.environment_id == environment_id, _ev.c.id <= mark)
    day = sql_day(_ev.c.timestamp, session.get_bind().dialect.name)
    used = (sa.select(sa.literal(environment_id), _ev.c.name, day, _ev.c.user_id,
                      sa.func.coalesce(_ev.c.account_id, ""))
            .where(where, _ev.c.type == "feature_used", _ev.c.name == key,
                   _ev.c.user_id.is_not(None)).distinct())
    session.execute(_insert(session, _feature).from_select(
        ["environment_id", "feature", "day", "user_id", "account_id"], used)
        .on_conflict_do_nothing())
    return _fold_rule_uses(session, environment_id, where, [(key, rules)])


def main(argv: list[str] | None = None) -> int:
    """Refresh the rollups of every environment (`python -m server.metrics.rollup`)."""
    from ..db import Database
    from ..models import Environment
    from ..settings import Settings

    parser = argparse.ArgumentParser(prog="python -m server.metrics.rollup")
    parser.parse_args(argv)
    db = Database(Settings.from_env())
    try:
        with db.session() as session:
            env_ids = [e for (e,) in session.execute(sa.select(Environment.id))]  # type: ignore[call-overload]
        for env_id in env_ids:
            with db.session() as session:
                n = refresh_rollups(session=session, environment_id=env_id, now=datetime.now(UTC))
                session.commit()
            print(f"environment {env_id}: {n} events read")
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

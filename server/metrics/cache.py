"""A per-process cache of metric results, keyed by the data they were computed from.

A dashboard or a REST client reads the same figures again and again while the data does
not change; recomputing RFM or lifecycle over 50,000 users for each read is what made
them slow. `cached` wraps a metric function: the result is remembered under (database,
environment, function, arguments, *data version*) and served again only while the data
version is the same.

The data version (`data_version`) is read in one small query on every call:
- the environment's `publishable_key` (a new random value for a new environment, so a
  recreated database never matches an old entry) and `guides_version` (guide goals,
  holdout percentages and step counts);
- the rollup watermark (metric_rollup_state.last_event_id) and, past it, the highest event
  id and the number of events — so any new event, whether or not the rollups have folded
  it in yet, and every rollup refresh change the version;
- count and latest `last_seen_at` / `first_seen_at` of end users and accounts, count and
  latest `created_at` of account memberships (new people, new links), and a checksum of
  the people's `traits_hash` (every trait write — identify() from the SDK, the admin
  people import — stores the hash of the traits sent, so a trait change changes it).
As a backstop for a change none of these sees (a direct SQL edit of traits; the 1 in
83,521 checksum collision), no entry is served older than `MAX_AGE_SECONDS`.

Nested cached calls (lifecycle → breadth, threshold) reuse the version read by the
outermost call; an admin analytics request reads it once (`pin`, after its rollup
refresh). Results are shared, so callers must treat them as read-only (they are frozen
dataclasses; their lists and dicts are never mutated by the callers in this repo).
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Account, AccountMembership, EndUser, Environment, Event
from ..models.rollup import MetricRollupState

F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 96
MAX_AGE_SECONDS = 60.0

_lock = threading.Lock()
_store: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
_current: ContextVar[tuple[Any, ...] | None] = ContextVar("metrics_data_version", default=None)
_stats = {"hits": 0, "misses": 0}

_env = Environment.__table__  # type: ignore[attr-defined]
_ev = Event.__table__  # type: ignore[attr-defined]
_state = MetricRollupState.__table__  # type: ignore[attr-defined]
_user = EndUser.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_member = AccountMembership.__table__  # type: ignore[attr-defined]


_PIN = "shirube.metrics.data_version"


def pin(session: Session, environment_id: int) -> None:
    """Read the data version once for the rest of `session`'s life (one admin request,
    which calls a dozen metric functions): every cached call on this session for this
    environment uses it instead of reading it again. Call it after refreshing rollups."""
    session.info[_PIN] = (environment_id, data_version(session, environment_id))


def clear() -> None:
    """Forget every cached result (benchmarks time the cold path with it)."""
    with _lock:
        _store.clear()


def stats() -> dict[str, int]:
    """Hits and misses since the process started (tests and benchmarks read them)."""
    with _lock:
        return dict(_stats)


def _scalar(stmt: sa.Select) -> Any:
    return stmt.scalar_subquery()


def _hash_checksum(table: sa.Table, dialect: str) -> Any:
    """A sum over rows of a number taken from `traits_hash`: it changes when any row's
    trait write changes its hash. PostgreSQL: `hashtext` (32 bits per row). SQLite has no
    hash function: the first four hex digits (each 1–16 by position) as a base-17 number,
    so a changed hash goes unnoticed only when it starts like the old one (1 in 83,521)."""
    if dialect != "sqlite":
        return sa.func.coalesce(sa.func.sum(sa.cast(sa.func.hashtext(table.c.traits_hash),
                                                    sa.BigInteger)), 0)
    digits = sa.literal("0123456789abcdef")
    total: Any = sa.literal(0)
    for i in range(4):
        total = total + sa.func.instr(digits, sa.func.substr(table.c.traits_hash, i + 1, 1)) \
            * 17 ** i
    return sa.func.coalesce(sa.func.sum(total), 0)


def data_version(session: Session, environment_id: int) -> tuple[Any, ...]:
    """What the metrics of one environment were computed from (see the module docstring).

    One statement; each people table is scanned once (all its aggregates together).
    """
    dialect = session.get_bind().dialect.name
    # The mark first, as a value: with a subquery PostgreSQL cannot see that the id range
    # past it is tiny and plans a parallel scan (~90 ms of worker start-up).
    mark = int(session.execute(sa.select(sa.func.coalesce(sa.func.max(_state.c.last_event_id),
                                                          0))
                               .where(_state.c.environment_id == environment_id)).scalar())
    past = sa.and_(_ev.c.environment_id == environment_id, _ev.c.id > mark)
    parts: list[Any] = [
        sa.select(_env.c.publishable_key, _env.c.guides_version)
        .where(_env.c.id == environment_id).subquery(),
        sa.select(sa.literal(mark).label("mark"), sa.func.max(_ev.c.id), sa.func.count())
        .select_from(_ev).where(past).subquery(),
    ]
    for table, stamps in ((_user, ("last_seen_at", "first_seen_at")),
                          (_account, ("last_seen_at", "first_seen_at")),
                          (_member, ("created_at",))):
        columns = [sa.func.count(), *(sa.func.max(table.c[name]) for name in stamps)]
        if table is not _member:
            columns.append(_hash_checksum(table, dialect))
        parts.append(sa.select(*columns).select_from(table)
                     .where(table.c.environment_id == environment_id).subquery())
    joined = parts[0]
    for part in parts[1:]:  # one-row aggregates side by side
        joined = joined.join(part, sa.true())
    row = session.execute(sa.select(*(c for part in parts for c in part.c))
                          .select_from(joined)).first()
    if row is None:  # no such environment
        return (None,)
    return tuple(str(v) if v is not None and not isinstance(v, int | str) else v for v in row)


def _freeze(value: Any) -> Hashable:
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_freeze(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(_freeze(v) for v in value)))
    hash(value)  # TypeError for anything else unhashable: not cached
    return value  # type: ignore[no-any-return]


def cached(func: F) -> F:
    """Cache `func(*, session, environment_id, **params)` by data version (see above)."""
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, session: Session, environment_id: int, **params: Any) -> Any:
        try:  # defaults filled in: f(x) and f(x, y=default) are one entry
            bound = signature.bind(*args, session=None, environment_id=environment_id,
                                   **params)
            bound.apply_defaults()
            frozen = _freeze(sorted((k, v) for k, v in bound.arguments.items()
                                    if k != "session"))
        except TypeError:
            return func(*args, session=session, environment_id=environment_id, **params)
        version = _current.get()
        if version is None:
            pinned = session.info.get(_PIN)
            version = pinned[1] if pinned is not None and pinned[0] == environment_id \
                else data_version(session, environment_id)
        bind = session.get_bind()
        key = (str(bind.url), environment_id, name, frozen, version)
        now = time.monotonic()
        with _lock:
            hit = _store.get(key)
            if hit is not None and now - hit[0] <= MAX_AGE_SECONDS:
                _store.move_to_end(key)
                _stats["hits"] += 1
                return hit[1]
            _stats["misses"] += 1
        token = _current.set(version)
        try:
            value = func(*args, session=session, environment_id=environment_id, **params)
        finally:
            _current.reset(token)
        with _lock:
            _store[key] = (now, value)
            _store.move_to_end(key)
            while len(_store) > MAX_ENTRIES:
                _store.popitem(last=False)
        return value

    return wrapper  # type: ignore[return-value]

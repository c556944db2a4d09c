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

**Stale-while-revalidate.** An entry lives in one slot per (database, environment and its
publishable key, function, arguments); the slot remembers the data version it was computed
from. A read whose data version differs (new events, a rollup refresh) recomputes — unless
the caller's session allows stale results (`serve_stale`, done by the REST metrics routes
and the admin dashboards with `SHIRUBE_METRICS_STALE_SECONDS`, default 300): then an
entry younger than that window is returned at once and recomputed in the background —
one refresh per slot at a time (single-flight), at most `MAX_REFRESHES` running and
`MAX_PENDING` waiting, each in a pool thread with its own session on the same engine;
an error is logged and the old value kept. `fresh=True` (the API's `?fresh=1`) never
serves a stale entry. Sessions that did not opt in (tests calling metric functions,
segment refresh, the CLI) always get results of the current data. Nested calls are never
served stale: a computation sees one data version throughout. What a request was served
is collected on its session: `freshness(session)` gives the oldest `computed_at` among the
results and whether any was stale — the API puts both in its JSON, the dashboards show
"data as of HH:MM · refreshing".

Nested cached calls (lifecycle → breadth, threshold) reuse the version read by the
outermost call; an admin analytics request reads it once (`pin`, after its rollup
refresh). Results are shared, so callers must treat them as read-only (they are frozen
dataclasses; their lists and dicts are never mutated by the callers in this repo).
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Account, AccountMembership, EndUser, Environment, Event
from ..models.rollup import MetricRollupState

F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 96
MAX_AGE_SECONDS = 60.0
#: Background recomputations running at once (the machine also serves requests)…
MAX_REFRESHES = 2
#: …and scheduled at most (running + waiting); past it a stale read schedules nothing,
#: a later read will.
MAX_PENDING = 32

log = logging.getLogger("shirube.metrics.cache")


@dataclass(frozen=True, slots=True)
class _Entry:
    version: tuple[Any, ...]
    at: float              # time.monotonic() when the computation started
    computed_at: datetime  # the same instant, UTC wall clock: "data as of"
    value: Any


@dataclass(frozen=True, slots=True)
class Freshness:
    """What one request was served: the oldest `computed_at` among its results (now when
    nothing came from the cache) and whether any was stale (a refresh is running)."""

    computed_at: datetime
    stale: bool = False


_lock = threading.Lock()
_idle = threading.Condition(_lock)
_store: OrderedDict[Hashable, _Entry] = OrderedDict()
_inflight: set[Hashable] = set()
_pool: ThreadPoolExecutor | None = None
_current: ContextVar[tuple[Any, ...] | None] = ContextVar("metrics_data_version", default=None)
_stats = {"hits": 0, "misses": 0, "stale": 0, "refreshes": 0, "refresh_errors": 0}

_env = Environment.__table__  # type: ignore[attr-defined]
_ev = Event.__table__  # type: ignore[attr-defined]
_state = MetricRollupState.__table__  # type: ignore[attr-defined]
_user = EndUser.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_member = AccountMembership.__table__  # type: ignore[attr-defined]


_PIN = "shirube.metrics.data_version"
_STALE = "shirube.metrics.stale"
_SERVED = "shirube.metrics.served"


def pin(session: Session, environment_id: int) -> None:
    """Read the data version once for the rest of `session`'s life (one admin request,
    which calls a dozen metric functions): every cached call on this session for this
    environment uses it instead of reading it again. Call it after refreshing rollups."""
    session.info[_PIN] = (environment_id, data_version(session, environment_id))


def serve_stale(session: Session, seconds: float, *, fresh: bool = False) -> None:
    """Let cached calls on `session` return a result up to `seconds` old while it is
    recomputed in the background (0: always compute synchronously). `fresh=True`: never
    return a stale result (the API's `?fresh=1`)."""
    session.info[_STALE] = (max(0.0, float(seconds)), fresh)


def freshness(session: Session) -> Freshness:
    """What the cached calls on `session` served so far (see `Freshness`)."""
    served: Freshness | None = session.info.get(_SERVED)
    return served if served is not None else Freshness(datetime.now(UTC))


def _served(session: Session, entry: _Entry, stale: bool) -> None:
    old: Freshness | None = session.info.get(_SERVED)
    if old is None:
        session.info[_SERVED] = Freshness(entry.computed_at, stale)
    else:
        session.info[_SERVED] = Freshness(min(old.computed_at, entry.computed_at),
                                          old.stale or stale)


def _session_version(session: Session, environment_id: int) -> tuple[Any, ...]:
    """The data version `pin` stored on `session` for this environment, else read now."""
    pinned = session.info.get(_PIN)
    if pinned is not None and pinned[0] == environment_id:
        return pinned[1]  # type: ignore[no-any-return]
    return data_version(session, environment_id)


def clear() -> None:
    """Forget every cached result (benchmarks time the cold path with it)."""
    with _lock:
        _store.clear()


def stats() -> dict[str, int]:
    """Hits, misses, stale reads and background refreshes since the process started."""
    with _lock:
        return dict(_stats)


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until no background refresh is scheduled; False on timeout (tests, bench)."""
    deadline = time.monotonic() + timeout
    with _idle:
        while _inflight:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _idle.wait(left)
    return True


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool per process, made on first use
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=MAX_REFRESHES,
                                   thread_name_prefix="metrics-refresh")
    return _pool


def _put(slot: Hashable, entry: _Entry) -> None:
    """Store `entry` unless the slot holds a newer one (caller holds the lock)."""
    old = _store.get(slot)
    if old is None or old.at <= entry.at:
        _store[slot] = entry
    _store.move_to_end(slot)
    while len(_store) > MAX_ENTRIES:
        _store.popitem(last=False)


def _compute(func: Callable[..., Any], args: tuple[Any, ...], session: Session,
             environment_id: int, params: dict[str, Any],
             version: tuple[Any, ...]) -> _Entry:
    at, wall = time.monotonic(), datetime.now(UTC)
    token = _current.set(version)
    try:
        value = func(*args, session=session, environment_id=environment_id, **params)
    finally:
        _current.reset(token)
    return _Entry(version, at, wall, value)


def _refresh(slot: Hashable, func: Callable[..., Any], engine: sa.Engine,
             args: tuple[Any, ...], environment_id: int, params: dict[str, Any]) -> None:
    """Recompute one slot in a pool thread with its own session; errors are logged and
    the old value stays."""
    try:
        # Readers stay DEFERRED on SQLite even when the request's engine asks writers'
        # IMMEDIATE: a refresh must never hold the write lock.
        with Session(engine.execution_options(sqlite_begin="DEFERRED")) as session:
            version = data_version(session, environment_id)
            with _lock:  # already current (a request computed it meanwhile): nothing to do
                done = _store.get(slot)
                if done is not None and done.version == version \
                        and time.monotonic() - done.at <= MAX_AGE_SECONDS:
                    return
            entry = _compute(func, args, session, environment_id, params, version)
        with _lock:
            if version[0] == slot[2]:  # type: ignore[index]  # same environment incarnation
                _put(slot, entry)
            _stats["refreshes"] += 1
    except Exception:  # noqa: BLE001 - a failed refresh must never reach a request
        log.exception("metrics refresh of %s failed; the previous result is kept", slot[3])  # type: ignore[index]
        with _lock:
            _stats["refresh_errors"] += 1
    finally:
        with _idle:
            _inflight.discard(slot)
            _idle.notify_all()


def _schedule(slot: Hashable, func: Callable[..., Any], engine: sa.Engine,
              args: tuple[Any, ...], environment_id: int, params: dict[str, Any]) -> None:
    """Start a background refresh of `slot` unless one runs or too many are pending
    (caller holds the lock)."""
    if slot in _inflight or len(_inflight) >= MAX_PENDING:
        return
    _inflight.add(slot)
    try:
        _executor().submit(_refresh, slot, func, engine, args, environment_id, params)
    except RuntimeError:  # interpreter shutting down: no refresh, the old value stays
        _inflight.discard(slot)


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

    def freeze(args: tuple[Any, ...], environment_id: int, params: dict[str, Any]) -> Hashable:
        # defaults filled in: f(x) and f(x, y=default) are one entry; TypeError: not cached
        bound = signature.bind(*args, session=None, environment_id=environment_id, **params)
        bound.apply_defaults()
        return _freeze(sorted((k, v) for k, v in bound.arguments.items() if k != "session"))

    @functools.wraps(func)
    def wrapper(*args: Any, session: Session, environment_id: int, **params: Any) -> Any:
        try:
            frozen = freeze(args, environment_id, params)
        except TypeError:
            return func(*args, session=session, environment_id=environment_id, **params)
        version = _current.get()
        outermost = version is None
        if version is None:
            version = _session_version(session, environment_id)
        bind = session.get_bind()
        slot = (str(bind.url), environment_id, version[0], name, frozen)
        window, fresh = session.info.get(_STALE, (0.0, False)) if outermost else (0.0, True)
        now = time.monotonic()
        with _lock:
            hit = _store.get(slot)
            if hit is not None:
                age = now - hit.at
                if hit.version == version and age <= MAX_AGE_SECONDS:
                    _store.move_to_end(slot)
                    _stats["hits"] += 1
                    if outermost:
                        _served(session, hit, False)
                    return hit.value
                if not fresh and age <= window and isinstance(bind, sa.Engine):
                    _store.move_to_end(slot)
                    _stats["stale"] += 1
                    _schedule(slot, func, bind, args, environment_id, params)
                    _served(session, hit, True)
                    return hit.value
            _stats["misses"] += 1
        entry = _compute(func, args, session, environment_id, params, version)
        with _lock:
            _put(slot, entry)
        if outermost:
            _served(session, entry, False)
        return entry.value

    wrapper.__dict__[_META] = (func, name, freeze)
    return wrapper  # type: ignore[return-value]


_META = "_shirube_cached"


def warm(session: Session, environment_id: int,
         calls: list[tuple[Callable[..., Any], dict[str, Any]]]) -> int:
    """Schedule background computations of `calls` ((cached function, keyword arguments))
    whose result for the current data is not cached yet; returns how many were scheduled.
    Nothing happens unless `session` is bound to an engine (a pool thread needs its own
    connection). The computations run like stale refreshes (single-flight, bounded)."""
    bind = session.get_bind()
    if not isinstance(bind, sa.Engine):
        return 0
    version = _session_version(session, environment_id)
    now, scheduled = time.monotonic(), 0
    with _lock:
        for wrapper, params in calls:
            func, name, freeze = wrapper.__dict__[_META]
            slot = (str(bind.url), environment_id, version[0], name,
                    freeze((), environment_id, params))
            hit = _store.get(slot)
            if hit is not None and hit.version == version and now - hit.at <= MAX_AGE_SECONDS:
                continue
            if slot not in _inflight and len(_inflight) < MAX_PENDING:
                _schedule(slot, func, bind, (), environment_id, params)
                scheduled += 1
    return scheduled

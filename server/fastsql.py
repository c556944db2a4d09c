"""Driver-level SQL for the two hot paths (bootstrap, event intake).

Measured on this machine (issue "Backend core"): a primary-key read costs ~7 µs through
the raw driver, ~73 µs through SQLAlchemy Core and ~180 µs through a SQLModel session.
So the hot paths borrow a pooled DBAPI connection and run prepared SQL strings; the
rest of the server uses SQLModel. This module hides the dialect differences: paramstyle,
timestamp and JSON encoding, and transaction control.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa

from .loop_pool import LoopPool

T = TypeVar("T")


class FastSQL:
    """Prepared statements and value adapters for one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        if not self.is_sqlite:
            from psycopg.types.json import Jsonb

            self._jsonb = Jsonb
        # Pooled connections kept checked out between uses: a pool checkout + checkin costs
        # ~10-20 µs (events, reset-on-return), a list pop/append well under 1 µs. The hot
        # paths hold a connection only between awaits, so the list stays short (one for the
        # event loop, one per intake-writer thread, one per `read` thread); beyond IDLE_MAX
        # they go back to the pool.
        self._idle: list[tuple[Any, float]] = []
        self._executor: ThreadPoolExecutor | None = None
        # PostgreSQL: an asyncpg pool on the serving event loop (`start`), for `fetchrow`.
        self._loop_pool: Any = None
        self._loop_pool_loop: asyncio.AbstractEventLoop | None = None
        self._dollar: dict[str, str] = {}
        # PostgreSQL: bootstrap's snapshot reads batched per loop iteration (created by
        # server/delivery/bootstrap.py on first use).
        self.snapshot_batcher: Any = None
        # SQLite: `fetchrow`'s own connection per thread (the event loop's, in practice).
        self._readers = threading.local()
        self._reader_conns: list[Any] = []
        sa.event.listen(engine, "engine_disposed", self._close_idle)

    IDLE_MAX = 10
    IDLE_RECYCLE_SECONDS = 600.0
    #: Threads for `read` on PostgreSQL (each holds one connection while it waits).
    READ_THREADS = 8

    def _close_idle(self, _engine: Any = None) -> None:
        idle, self._idle = self._idle, []
        for raw, _born in idle:
            raw.close()
        readers, self._reader_conns = self._reader_conns, []
        self._readers = threading.local()
        for raw in readers:
            raw.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` with a hot-path connection; on PostgreSQL in a small thread pool.

        A PostgreSQL round trip (~0.1 ms idle, ~1 ms on a loaded host) would block the
        event loop, which then serves nothing meanwhile; in a thread the loop keeps
        answering and READ_THREADS queries are in flight at once. SQLite reads are
        in-process and shorter than the thread hop, so they run inline."""
        if self.is_sqlite:
            with self.connection() as conn:
                return fn(conn, *args)
        executor = self._executor
        if executor is None:
            executor = self._executor = ThreadPoolExecutor(
                self.READ_THREADS, thread_name_prefix="fastsql-read")
        return await asyncio.get_running_loop().run_in_executor(
            executor, self._read_in_thread, fn, args)

    #: Connections of the event-loop pool (asyncpg) per process.
    LOOP_POOL_SIZE = 8

    async def start(self) -> None:
        """Open the event-loop driver `fetchrow` uses (PostgreSQL: an asyncpg pool on the
        running loop; the app's lifespan calls this). Without it, or from another loop,
        `fetchrow` goes through psycopg in `read`'s threads.

        Measured (bench/bench_bootstrap.py, PostgreSQL): the thread hop plus psycopg's
        per-query work cost ~200 µs of CPU per bootstrap; asyncpg on the loop runs the same
        prepared statement in a fraction of that, with no thread switch."""
        if self.is_sqlite or self._loop_pool is not None:
            return
        try:
            import asyncpg  # noqa: F401
        except ImportError:  # an install without it: the thread path serves
            return
        url = self.engine.url.set(drivername="postgresql")
        # asyncpg passes unknown DSN parameters (libpq's `options`, e.g. -csearch_path=…)
        # to the server as startup settings, which is what libpq does with them too.
        # Our own small pool (server/loop_pool.py): asyncpg's costs ~95 µs of CPU per
        # checkout, more than the query. Connections open on first use.
        self._loop_pool = LoopPool(url.render_as_string(hide_password=False),
                                   self.LOOP_POOL_SIZE)
        self._loop_pool_loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        pool, self._loop_pool, self._loop_pool_loop = self._loop_pool, None, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), 5)
            except (TimeoutError, OSError):
                pool.terminate()

    async def fetchrow(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of one read statement (`?` placeholders), None when there is none.

        SQLite: inline. PostgreSQL: asyncpg on the event loop once `start` ran on this
        loop, else psycopg in `read`'s threads. Values come back as the sync drivers give
        them except JSON and JSONB, which asyncpg returns as text (`read_json` takes both)."""
        if self.is_sqlite:
            return self._sqlite_fetchrow(sql, params)
        pool = self._loop_pool
        if pool is None or self._loop_pool_loop is not asyncio.get_running_loop():
            return await self.read(_fetchrow, self.sql(sql), params)
        row = await pool.fetchrow(self.dollar(sql), params)
        return None if row is None else tuple(row)

    def loop_pool(self) -> LoopPool | None:
        """The event-loop pool, when `start` opened it on the running loop (PostgreSQL)."""
        pool = self._loop_pool
        if pool is None or self._loop_pool_loop is not asyncio.get_running_loop():
            return None
        return pool

    def dollar(self, sql: str) -> str:
        """`?` placeholders as asyncpg's $1, $2, …"""
        text = self._dollar.get(sql)
        if text is None:
            parts = sql.split("?")
            text = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))
            self._dollar[sql] = text
        return text

    def _sqlite_fetchrow(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row through this thread's own read connection: no pool checkout, no cursor
        object kept (fetchall steps the statement to its end, which resets it, so no read
        transaction stays open between requests to hold back WAL checkpoints)."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            raw = self.engine.raw_connection()
            self._reader_conns.append(raw)
            conn = self._readers.conn = raw.dbapi_connection
        try:
            rows = conn.execute(sql, params).fetchall()
        except BaseException:
            self._readers.conn = None  # a fresh one next time
            raw = next((r for r in self._reader_conns if r.dbapi_connection is conn), None)
            if raw is not None:
                self._reader_conns.remove(raw)
                raw.invalidate()
            raise
        return tuple(rows[0]) if rows else None

    def _read_in_thread(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self.connection() as conn:
            return fn(conn, *args)

    def sql(self, text: str) -> str:
        """Our SQL uses `?` placeholders; psycopg wants `%s`."""
        return text if self.is_sqlite else text.replace("%", "%%").replace("?", "%s")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A pooled DBAPI connection in autocommit mode (SQLite: isolation_level None;
        PostgreSQL: the hot-path engine). Reads need no transaction; writers call
        `begin_write` / `commit`. An open transaction is rolled back if the block raises."""
        try:
            raw, born = self._idle.pop()
            if time.monotonic() - born > self.IDLE_RECYCLE_SECONDS:
                raw.close()  # back to the pool, which applies its own pool_recycle
                raise IndexError
        except IndexError:
            raw, born = self.engine.raw_connection(), time.monotonic()
        try:
            yield raw
        except BaseException:
            if not self._rollback(raw):
                raw.invalidate()  # the connection is gone: the pool opens a new one
            raw.close()
            raise
        # Kept only when no transaction is left open (else the pool's reset rolls it back).
        dbapi = raw.dbapi_connection
        idle = not dbapi.in_transaction if self.is_sqlite else dbapi.info.transaction_status == 0
        if idle and len(self._idle) < self.IDLE_MAX:
            self._idle.append((raw, born))
        else:
            raw.close()

    def begin_write(self, cur: Any) -> None:
        """Start a write transaction (on SQLite it takes the write lock now)."""
        cur.execute("BEGIN IMMEDIATE" if self.is_sqlite else "BEGIN")

    @staticmethod
    def commit(cur: Any) -> None:
        cur.execute("COMMIT")

    def _rollback(self, raw: Any) -> bool:
        """Roll back whatever is open; False when the connection is unusable."""
        try:
            if self.is_sqlite:
                if raw.dbapi_connection.in_transaction:
                    cur = raw.cursor()
                    cur.execute("ROLLBACK")
                    cur.close()
                return True
            raw.rollback()  # psycopg: a no-op (no round trip) outside a transaction
            return not raw.dbapi_connection.broken
        except Exception:  # noqa: BLE001 - the connection is gone
            return False

    # -- value adapters -------------------------------------------------------------
    def ts(self, value: datetime | None) -> Any:
        """A UTC datetime as the column stores it (matches server.models.types.UTCDateTime)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if self.is_sqlite:
            # "YYYY-MM-DD HH:MM:SS.ffffff": isoformat (C) of the UTC value without its offset,
            # a third of the cost of formatting the seven fields in Python.
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]
        return value

    @staticmethod
    def read_ts(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def json(self, obj: Any) -> Any:
        """A JSON column parameter."""
        if self.is_sqlite:
            return orjson.dumps(obj).decode()
        return self._jsonb(obj)

    @property
    def json_placeholder(self) -> str:
        """Placeholder for a JSON column bound as serialised text (see `sql`)."""
        return "?" if self.is_sqlite else "CAST(? AS JSONB)"

    @staticmethod
    def read_json(value: Any) -> Any:
        if isinstance(value, str | bytes):
            return orjson.loads(value)
        return value



def _fetchrow(conn: Any, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    cur = conn.cursor()
    cur.execute(sql, params)
    row = cur.fetchone()
    cur.close()
    return None if row is None else tuple(row)

"""Driver-level SQL for the two hot paths (bootstrap, event intake).

Measured on this machine (issue "Backend core"): a primary-key read costs ~7 µs through
the raw driver, ~73 µs through SQLAlchemy Core and ~180 µs through a SQLModel session.
So the hot paths borrow a pooled DBAPI connection and run prepared SQL strings; the
rest of the server uses SQLModel. This module hides the dialect differences: paramstyle,
timestamp and JSON encoding, and transaction control.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa

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
        sa.event.listen(engine, "engine_disposed", self._close_idle)

    IDLE_MAX = 10
    IDLE_RECYCLE_SECONDS = 600.0
    #: Threads for `read` on PostgreSQL (each holds one connection while it waits).
    READ_THREADS = 8

    def _close_idle(self, _engine: Any = None) -> None:
        idle, self._idle = self._idle, []
        for raw, _born in idle:
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
            v = value.astimezone(UTC)
            return (
                f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
                f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
            )
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

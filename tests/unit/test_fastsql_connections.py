"""FastSQL keeps hot-path connections checked out between uses: only clean ones."""

from __future__ import annotations

import asyncio
import threading

import pytest

from server.db import Database
from server.fastsql import FastSQL
from tests.asyncio_support import run as run_async


def _fast(db: Database) -> FastSQL:
    return FastSQL(db.hot_engine)


def test_a_clean_connection_is_reused_and_one_left_in_a_transaction_is_not(db: Database) -> None:
    fast = _fast(db)
    with fast.connection() as first:
        pass
    with fast.connection() as again:
        assert again is first  # no pool round trip
        cur = again.cursor()
        fast.begin_write(cur)  # left open: must not be handed out again as is
    with fast.connection() as third:
        assert third is not first
        cur = third.cursor()
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
        cur.close()


def test_an_error_rolls_back_and_the_connection_is_not_kept(db: Database) -> None:
    fast = _fast(db)
    with pytest.raises(RuntimeError), fast.connection() as conn:
        cur = conn.cursor()
        fast.begin_write(cur)
        cur.execute(fast.sql("UPDATE environment SET name = ? WHERE id = -1"), ("x",))
        raise RuntimeError("boom")
    assert fast._idle == []
    with fast.connection() as conn:  # a fresh, usable connection with no transaction open
        cur = conn.cursor()
        fast.begin_write(cur)
        fast.commit(cur)
        cur.close()
    assert len(fast._idle) == 1


def test_disposing_the_engine_closes_the_kept_connections(db: Database) -> None:
    fast = _fast(db)
    with fast.connection():
        pass
    assert len(fast._idle) == 1
    db.hot_engine.dispose()
    assert fast._idle == []


def test_read_runs_the_query_off_the_event_loop_on_postgresql(db: Database) -> None:
    fast = _fast(db)

    def query(conn: object, value: int) -> tuple[int, str]:
        cur = conn.cursor()  # type: ignore[attr-defined]
        cur.execute(fast.sql("SELECT ?"), (value,))
        got = cur.fetchone()[0]
        cur.close()
        return got, threading.current_thread().name

    def failing(conn: object) -> None:
        cur = conn.cursor()  # type: ignore[attr-defined]
        fast.begin_write(cur)
        raise LookupError("nope")

    async def main() -> tuple[tuple[tuple[int, str], ...], str]:
        results = await asyncio.gather(*(fast.read(query, i) for i in range(20)))
        with pytest.raises(LookupError):
            await fast.read(failing)
        return tuple(results), threading.current_thread().name

    results, loop_thread = run_async(main())
    assert [v for v, _ in results] == list(range(20))
    threads = {name for _, name in results}
    if fast.is_sqlite:  # in-process: inline, no thread hop
        assert threads == {loop_thread}
    else:
        assert all(name.startswith("fastsql-read") for name in threads)
    # Whatever was kept is clean: no transaction left open by the failed read.
    with fast.connection() as conn:
        cur = conn.cursor()
        fast.begin_write(cur)
        fast.commit(cur)
        cur.close()
    db.hot_engine.dispose()
    assert fast._idle == [] and fast._executor is None

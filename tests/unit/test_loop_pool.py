"""server/loop_pool.py against the real PostgreSQL server: checkouts past the size wait
for a release, a refused statement keeps its connection, a cancelled one is closed."""

from __future__ import annotations

import asyncio
import os

import pytest

from server.loop_pool import LoopPool
from tests.asyncio_support import run

PG = os.environ.get("SHIRUBE_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL (SHIRUBE_TEST_POSTGRES_URL)")


def _dsn() -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG).set(drivername="postgresql").render_as_string(hide_password=False)


def test_at_most_size_connections_and_the_rest_wait_their_turn():
    async def main() -> tuple[int, int, list[int]]:
        pool = LoopPool(_dsn(), 2)
        rows = await asyncio.gather(*(pool.fetchrow("SELECT $1::int, pg_sleep(0.05)", (i,))
                                      for i in range(6)))
        backends = await asyncio.gather(*(pool.fetchrow("SELECT pg_backend_pid()", ())
                                          for _ in range(6)))
        size = pool.get_size()
        await pool.close()
        return size, len({b[0] for b in backends}), [r[0] for r in rows]

    size, distinct_backends, values = run(main())
    assert size == 2 and distinct_backends <= 2
    assert values == list(range(6))


def test_a_refused_statement_keeps_the_connection_and_a_cancelled_one_is_closed():
    import asyncpg

    async def main() -> tuple[int, int, int, int]:
        pool = LoopPool(_dsn(), 1)
        (pid,) = await pool.fetchrow("SELECT pg_backend_pid()", ())
        with pytest.raises(asyncpg.PostgresError):
            await pool.fetchrow("SELECT 1/0", ())
        (again,) = await pool.fetchrow("SELECT pg_backend_pid()", ())
        slow = asyncio.ensure_future(pool.fetchrow("SELECT pg_sleep(5)", ()))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        open_after_cancel = pool.get_size()
        (fresh,) = await pool.fetchrow("SELECT pg_backend_pid()", ())
        await pool.close()
        return pid, again, fresh, open_after_cancel

    pid, again, fresh, open_after_cancel = run(main())
    assert again == pid  # the division by zero left the connection in use
    assert open_after_cancel == 0 and fresh != pid  # the cancelled one was not reused


def test_a_closed_pool_refuses_checkouts():
    async def main() -> None:
        pool = LoopPool(_dsn(), 1)
        await pool.fetchrow("SELECT 1", ())
        await pool.close()
        assert pool.get_size() == 0
        with pytest.raises(RuntimeError):
            await pool.fetchrow("SELECT 1", ())

    run(main())

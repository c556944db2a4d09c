"""The intake writer: concurrent batches share one commit, dedupe holds across them,
and a batch that fails is reported to its own request only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.fastsql import FastSQL
from server.ingest.service import prepare_batch
from server.ingest.writer import IntakeWriter
from tests.asyncio_support import run as run_async


def _events(n: int, user: str = "u") -> list[dict]:
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "guide_seen",
            "guide": "g",
            "user_id": user,
            "timestamp": "2026-11-01T00:00:00Z",
        }
        for _ in range(n)
    ]


def _count(db, sql: str) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_concurrent_batches_are_committed_together_and_deduplicated(db, factory):
    env_id = factory.environment().environment.id
    writer = IntakeWriter(FastSQL(db.hot_engine))
    shared = _events(5, "shared")
    batches = [_events(20, f"user-{i}") + shared for i in range(10)]

    async def main():  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        return await asyncio.gather(
            *[writer.write(environment_id=env_id, batch=prepare_batch(b), now=now) for b in batches]
        )

    try:
        results = run_async(main())
    finally:
        writer.stop()
    assert sum(r.accepted for r in results) == 10 * 20 + 5
    assert sum(r.duplicates for r in results) == 9 * 5
    assert _count(db, "SELECT count(*) FROM event") == 205
    # The shared guide_seen events counted once each, whichever batch stored them.
    assert _count(db, "SELECT times_seen FROM guide_state WHERE user_id = 'shared'") == 5


def test_a_failing_batch_does_not_undo_the_others(db, factory):
    env_id = factory.environment().environment.id
    writer = IntakeWriter(FastSQL(db.hot_engine))

    async def main():  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        good = writer.write(environment_id=env_id, batch=prepare_batch(_events(3)), now=now)
        # An environment that does not exist violates the foreign key.
        bad = writer.write(environment_id=987654, batch=prepare_batch(_events(3)), now=now)
        return await asyncio.gather(good, bad, return_exceptions=True)

    try:
        good, bad = run_async(main())
    finally:
        writer.stop()
    assert isinstance(bad, Exception)
    assert not isinstance(good, Exception) and good.accepted == 3
    assert _count(db, "SELECT count(*) FROM event") == 3


def test_stop_is_idempotent_and_an_empty_batch_needs_no_thread(db):
    writer = IntakeWriter(FastSQL(db.hot_engine))
    result = run_async(
        writer.write(environment_id=1, batch=prepare_batch([]), now=datetime.now(UTC))
    )
    assert result.accepted == 0
    writer.stop()
    writer.stop()
    with pytest.raises(AssertionError):
        assert writer._thread is not None


class _WriteLock:
    """Holds the database's write lock from another connection, so the writer's next
    transaction waits and the requests arriving meanwhile queue up into one group."""

    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        self.conn = db.engine.raw_connection()
        cur = self.conn.cursor()
        if db.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("LOCK TABLE event IN SHARE ROW EXCLUSIVE MODE")
        cur.close()

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


async def _queued(writer: IntakeWriter, n: int) -> None:
    """Wait until `n` batches wait in the writer's queue (behind the one it is writing)."""
    for _ in range(1000):
        if writer._queue.qsize() >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the batches never queued up")


def test_requests_queued_behind_a_commit_share_the_next_one_with_exact_counts(db, factory):
    env_id = factory.environment().environment.id
    other_env = factory.environment(name="staging").environment.id
    writer = IntakeWriter(FastSQL(db.hot_engine))
    shared = _events(3, "shared")
    batches = [
        (env_id, _events(1, "first")),
        *[(env_id, _events(4, f"user-{i}") + shared) for i in range(6)],
        (env_id, shared + shared[:1]),  # all already sent by an earlier batch of the group
        (other_env, shared),  # same ids, another environment: new there
    ]

    async def main():  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        lock = _WriteLock(db)
        try:
            first = asyncio.ensure_future(
                writer.write(environment_id=batches[0][0], batch=prepare_batch(batches[0][1]), now=now)
            )
            await asyncio.sleep(0.2)  # the writer took it and waits for the lock
            rest = [
                asyncio.ensure_future(writer.write(environment_id=e, batch=prepare_batch(b), now=now))
                for e, b in batches[1:]
            ]
            await _queued(writer, len(rest))
        finally:
            lock.release()
        return [await first, *[await r for r in rest]]

    try:
        results = run_async(main())
    finally:
        writer.stop()
    assert writer.groups == 2 and writer.batches == len(batches)
    counts = [(r.accepted, r.duplicates) for r in results]
    assert counts == [(1, 0), (7, 0), (4, 3), (4, 3), (4, 3), (4, 3), (4, 3), (0, 4), (3, 0)]
    assert _count(db, "SELECT count(*) FROM event") == 1 + 6 * 4 + 3 + 3
    assert _count(db, f"SELECT count(*) FROM event WHERE environment_id = {other_env}") == 3
    assert _count(db, "SELECT times_seen FROM guide_state WHERE user_id = 'shared'"
                      f" AND environment_id = {env_id}") == 3


_FAIL_AT_COMMIT = {
    # An event of user 'fail-at-commit' inserts a row whose deferred foreign key is checked
    # only at COMMIT: a real commit failure, after every statement of the group succeeded.
    "sqlite": [
        "CREATE TABLE commit_probe (env INTEGER REFERENCES environment(id)"
        " DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TRIGGER commit_probe_t AFTER INSERT ON event WHEN NEW.user_id = 'fail-at-commit'"
        " BEGIN INSERT INTO commit_probe VALUES (-1); END",
    ],
    "postgresql": [
        "CREATE TABLE commit_probe (env INTEGER REFERENCES environment(id)"
        " DEFERRABLE INITIALLY DEFERRED)",
        "CREATE FUNCTION commit_probe_f() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN INSERT INTO commit_probe VALUES (-1); RETURN NEW; END $$",
        "CREATE TRIGGER commit_probe_t AFTER INSERT ON event FOR EACH ROW"
        " WHEN (NEW.user_id = 'fail-at-commit') EXECUTE FUNCTION commit_probe_f()",
    ],
}
_DROP_PROBE = {
    "sqlite": ["DROP TRIGGER IF EXISTS commit_probe_t", "DROP TABLE IF EXISTS commit_probe"],
    "postgresql": ["DROP TRIGGER IF EXISTS commit_probe_t ON event",
                   "DROP FUNCTION IF EXISTS commit_probe_f()", "DROP TABLE IF EXISTS commit_probe"],
}


def test_a_failing_commit_fails_every_request_of_its_group_with_503_and_stores_nothing(
    db, factory
):
    from server.errors import ApiError

    env_id = factory.environment().environment.id
    with db.engine.begin() as conn:
        for sql in _FAIL_AT_COMMIT[db.dialect]:
            conn.exec_driver_sql(sql)
    writer = IntakeWriter(FastSQL(db.hot_engine))
    good = [_events(5, f"good-{i}") for i in range(4)]
    poison = _events(2, "fail-at-commit")

    async def main():  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        lock = _WriteLock(db)
        try:
            first = asyncio.ensure_future(
                writer.write(environment_id=env_id, batch=prepare_batch(_events(1, "x")), now=now)
            )
            await asyncio.sleep(0.2)
            rest = [
                asyncio.ensure_future(writer.write(environment_id=env_id, batch=prepare_batch(b), now=now))
                for b in [*good[:2], poison, *good[2:]]
            ]
            await _queued(writer, len(rest))
        finally:
            lock.release()
        return await first, await asyncio.gather(*rest, return_exceptions=True)

    try:
        first, failed = run_async(main())
        after = run_async(
            writer.write(environment_id=env_id, batch=prepare_batch(good[0]), now=datetime.now(UTC))
        )
    finally:
        writer.stop()
        with db.engine.begin() as conn:
            for sql in _DROP_PROBE[db.dialect]:
                conn.exec_driver_sql(sql)
    assert first.accepted == 1
    assert writer.groups == 3
    assert len(failed) == 5
    assert all(isinstance(r, ApiError) and r.status == 503 for r in failed)
    assert all(r.headers.get("Retry-After") for r in failed)
    # Nothing of the failed group was stored; a retry after the failure stores normally.
    assert after.accepted == 5 and after.duplicates == 0
    assert _count(db, "SELECT count(*) FROM event") == 1 + 5


def test_sqlite_wal_checkpoints_run_off_the_writers_commit_path(db, factory):
    """SQLite files: the writer's connection does not checkpoint at COMMIT
    (wal_autocheckpoint=0); the checkpoint thread copies the WAL back instead."""
    import time

    if db.dialect != "sqlite":
        pytest.skip("a SQLite WAL matter")
    env_id = factory.environment().environment.id
    fast = FastSQL(db.hot_engine)
    writer = IntakeWriter(fast)
    checkpointer = writer._checkpointer
    assert checkpointer is not None

    async def main():  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        for i in range(3):
            await writer.write(environment_id=env_id, batch=prepare_batch(_events(40, f"w{i}")),
                               now=now)

    try:
        run_async(main())
        deadline = time.monotonic() + 10
        while checkpointer.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert checkpointer.runs >= 1
        adopted = [raw for raw, _ in fast._idle
                   if id(raw.dbapi_connection) in checkpointer._adopted]
        assert adopted  # the connection the writer committed on is back in the idle list
        for raw in adopted:
            cur = raw.cursor()
            cur.execute("PRAGMA wal_autocheckpoint")
            assert cur.fetchone()[0] == 0
            cur.close()
    finally:
        writer.stop()
    assert _count(db, "SELECT count(*) FROM event") == 120
    with db.engine.connect() as conn:  # nothing is left for a checkpoint to copy
        busy, log_frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and log_frames == done

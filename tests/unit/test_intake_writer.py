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
        results = asyncio.run(main())
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
        good, bad = asyncio.run(main())
    finally:
        writer.stop()
    assert isinstance(bad, Exception)
    assert not isinstance(good, Exception) and good.accepted == 3
    assert _count(db, "SELECT count(*) FROM event") == 3


def test_stop_is_idempotent_and_an_empty_batch_needs_no_thread(db):
    writer = IntakeWriter(FastSQL(db.hot_engine))
    result = asyncio.run(
        writer.write(environment_id=1, batch=prepare_batch([]), now=datetime.now(UTC))
    )
    assert result.accepted == 0
    writer.stop()
    writer.stop()
    with pytest.raises(AssertionError):
        assert writer._thread is not None

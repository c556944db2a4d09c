"""Group commit for SDK event intake: one writer thread per process.

Measured on this machine, a batch of 50 events costs ~0.9 ms of CPU but its COMMIT
(an fsync with synchronous=FULL, or PostgreSQL's WAL flush) costs 1–2 ms, and on SQLite a
worker waiting for the write lock would sleep inside the event loop. So handlers validate
on the loop and hand the batch to this thread; it takes every batch waiting and writes
them as one group:

- **Together first.** The group's rows go into one INSERT per chunk and environment
  (server/ingest/service.py: SQLite 500-row VALUES lists after one read of the ids stored
  already; PostgreSQL one JSON document for up to 5,000 rows), one
  guide-state upsert, one survey/webhook pass, one COMMIT — a handful of statements for
  the whole group instead of several per request. Every statement releases the GIL and
  must take it back from a busy event loop (up to the 5 ms switch interval), so the
  statement count, not the rows, was what bounded the old one-SAVEPOINT-per-batch loop.
  An id sent by two requests of the same group is stored for the first one and
  acknowledged as a duplicate to the other, as if they had committed one after another.
- **One by one if that fails.** If a statement fails (say, an environment deleted
  meanwhile violates the foreign key), the whole transaction is rolled back and the group
  is written again with each batch under its own SAVEPOINT, so a bad batch fails only
  its own request and never undoes another.
- **Durable before answered.** Results are delivered only after COMMIT returns; if the
  COMMIT fails, every request of the group gets the error (the API answers 503) and
  nothing of the group is stored.

On SQLite several worker processes share one write lock. SQLite's busy handler polls it
with growing sleeps (up to 100 ms), so the writers also queue on an `flock` of a file
next to the database, taken in this thread: the next writer wakes the moment the lock is
released, and meanwhile its own queue grows into a larger group.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import ApiError
from ..fastsql import FastSQL
from .events import Event
from .service import IngestResult, PreparedBatch, finish, write_batch, write_rows

log = logging.getLogger("shirube.ingest")

MAX_GROUP = 256  # batches per transaction
MAX_GROUP_EVENTS = 10_000  # rows per transaction (a group stops growing past this)


class CommitFailed(Exception):
    """The group's COMMIT failed: none of its batches is stored."""


@dataclass(slots=True)
class _Job:
    environment_id: int
    batch: PreparedBatch
    now: datetime
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[IngestResult]


_Outcome = tuple[_Job, "set[str] | BaseException"]


class IntakeWriter:
    """Serialises intake writes of one process into group commits."""

    def __init__(self, fast: FastSQL) -> None:
        self._fast = fast
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._lock_path = _sqlite_lock_path(fast)
        self._lock_fd: int | None = None
        # SQLite files: WAL checkpoints run in their own thread (see _Checkpointer).
        self._checkpointer = _Checkpointer(fast) if self._lock_path is not None else None
        #: Groups written and batches in them (tests and diagnostics).
        self.groups = 0
        self.batches = 0

    async def write(self, *, environment_id: int, batch: PreparedBatch, now: datetime) -> IngestResult:
        """Store a prepared batch; returns once it is committed.

        Raises ApiError 503 (with Retry-After) when the batch could not be stored: nothing
        of it was written, and resending it is safe (ids are deduplicated)."""
        if not batch.events:
            return batch.result
        loop = asyncio.get_running_loop()
        job = _Job(environment_id, batch, now, loop, loop.create_future())
        self._ensure_started()
        self._queue.put(job)
        try:
            return await job.future
        except (ApiError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - logged by the writer thread
            raise ApiError(503, "storage_unavailable",
                           "the events could not be stored; nothing was written, retry later",
                           headers={"Retry-After": "1"}) from exc

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="shirube-intake", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Finish what is queued and stop the thread (app shutdown)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            rows = len(first.batch.events)
            stop = False
            while len(group) < MAX_GROUP and rows < MAX_GROUP_EVENTS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
                rows += len(nxt.batch.events)
            try:
                outcomes = self._write_group(group)
            except BaseException as exc:  # the commit failed: nothing of the group is stored
                log.exception("intake group of %d batches failed", len(group))
                outcomes = [(job, exc) for job in group]
            self.groups += 1
            self.batches += len(group)
            _deliver(outcomes)
            if stop:
                return

    # -- writing --------------------------------------------------------------------
    def _write_group(self, group: list[_Job]) -> list[_Outcome]:
        with self._cross_process_lock():
            try:
                return self._write_together(group)
            except CommitFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - retried batch by batch below
                if len(group) == 1:
                    return [(group[0], exc)]
                log.warning("intake group of %d batches failed (%r); writing them one by one",
                            len(group), exc)
            return self._write_one_by_one(group)

    def _write_together(self, group: list[_Job]) -> list[_Outcome]:
        fast = self._fast
        by_env: dict[int, list[_Job]] = {}
        for job in group:
            by_env.setdefault(job.environment_id, []).append(job)
        now = max(job.now for job in group)
        inserted: dict[int, set[str]] = {}
        with fast.connection() as conn:
            cur = conn.cursor()
            if self._checkpointer is not None:
                self._checkpointer.adopt(conn, cur)
            fast.begin_write(cur)
            for env_id, jobs in by_env.items():
                rows: list[tuple[Event, str, datetime]] = []
                claimed: set[str] = set()
                for job in jobs:
                    for _, e, props in job.batch.events:
                        if e.id not in claimed:  # an id in two batches: the first one stores it
                            claimed.add(e.id)
                            rows.append((e, props, job.now))
                new = write_rows(fast=fast, cur=cur, environment_id=env_id, rows=rows, now=now)
                inserted[env_id] = new
            _commit(fast, cur)
            cur.close()
        if self._checkpointer is not None:
            self._checkpointer.committed()
        outcomes: list[_Outcome] = []
        for env_id, jobs in by_env.items():
            new = inserted[env_id]
            for job in jobs:
                mine = {e.id for _, e, _ in job.batch.events if e.id in new}
                new -= mine  # a later batch of the group sent the same id: a duplicate there
                outcomes.append((job, mine))
        return outcomes

    def _write_one_by_one(self, group: list[_Job]) -> list[_Outcome]:
        fast = self._fast
        outcomes: list[_Outcome] = []
        with fast.connection() as conn:
            cur = conn.cursor()
            fast.begin_write(cur)
            for job in group:
                cur.execute("SAVEPOINT intake_job")
                try:
                    inserted = write_batch(
                        fast=fast, cur=cur, environment_id=job.environment_id,
                        events=job.batch.events, now=job.now,
                    )
                except Exception as exc:  # noqa: BLE001 - reported to that request only
                    cur.execute("ROLLBACK TO SAVEPOINT intake_job")
                    cur.execute("RELEASE SAVEPOINT intake_job")
                    log.error("intake batch failed: %r", exc)
                    outcomes.append((job, exc))
                else:
                    cur.execute("RELEASE SAVEPOINT intake_job")
                    outcomes.append((job, inserted))
            _commit(fast, cur)
            cur.close()
        return outcomes

    @contextlib.contextmanager
    def _cross_process_lock(self) -> Iterator[None]:
        """SQLite file databases: queue on an flock shared by every worker process."""
        if self._lock_path is None:
            yield
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # blocks this thread only (GIL released)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)


class _Checkpointer:
    """WAL checkpoints of a SQLite file off the intake writer's commit path.

    By default the COMMIT that grows the WAL past 1,000 pages copies the WAL back into the
    database and fsyncs it, inside the writer's group: measured in the live server, COMMIT
    took ~24 ms per 1,550-row group against ~8 ms in a quiet process. The writer's
    connections turn that off (`wal_autocheckpoint=0`, once per connection) and this thread
    runs a PASSIVE checkpoint (never blocks writers or readers) on its own connection at
    most every `EVERY` seconds after a commit. Other connections keep SQLite's automatic
    checkpoints, and the last connection to close checkpoints as usual."""

    EVERY = 0.5

    def __init__(self, fast: FastSQL) -> None:
        self._fast = fast
        self._wake = threading.Event()
        self._stopping = False
        self._adopted: set[int] = set()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def adopt(self, conn: Any, cur: Any) -> None:
        key = id(conn.dbapi_connection)
        if key not in self._adopted:
            cur.execute("PRAGMA wal_autocheckpoint=0")
            self._adopted.add(key)

    def committed(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="shirube-checkpoint",
                                            daemon=True)
            self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping = True
            self._wake.set()
            thread.join(timeout=10)
            self._stopping = False

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                with self._fast.connection() as conn:
                    cur = conn.cursor()
                    cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cur.fetchall()
                    cur.close()
                self.runs += 1
            except Exception as exc:  # noqa: BLE001 - the next commit's wake-up retries
                log.warning("WAL checkpoint failed: %r", exc)
            if self._stopping:
                return
            time.sleep(self.EVERY)


def _commit(fast: FastSQL, cur: Any) -> None:
    try:
        fast.commit(cur)
    except Exception as exc:
        raise CommitFailed(f"intake commit failed: {exc}") from exc


def _sqlite_lock_path(fast: FastSQL) -> str | None:
    if not fast.is_sqlite:
        return None
    path = fast.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return f"{os.path.abspath(path)}-intake.lock"


def _deliver(outcomes: list[_Outcome]) -> None:
    """Answer the group's requests: one wake-up per event loop, not one per request."""
    per_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        per_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, items in per_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[_Outcome]) -> None:
    for job, outcome in items:
        if job.future.done():  # the request was cancelled (client gone)
            continue
        if isinstance(outcome, BaseException):
            job.future.set_exception(outcome)
        else:
            job.future.set_result(finish(job.batch, outcome))


def stop_writer(writer: Any) -> None:
    if isinstance(writer, IntakeWriter):
        writer.stop()

"""How much SDK traffic carries a valid identity signature (before enforcing verification).

Each worker counts bootstraps per (environment, UTC day) in memory — a dict increment on
the hot path — and adds its counts to `signed_traffic_daily` at most every
`FLUSH_SECONDS` (and at shutdown) with one upsert per row: increments, so any number of
workers on any number of hosts add up correctly. A crash loses at most that window,
which is fine for a share. The admin reads the last 7 days.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from ..models.admin import SignedTrafficDaily

FLUSH_SECONDS = 30.0
log = logging.getLogger("shirube")
_TABLE = SignedTrafficDaily.__table__  # type: ignore[attr-defined]


class SignedTrafficCounter:
    """Per-process counts of bootstraps and signed bootstraps, flushed in increments."""

    def __init__(self, engine: sa.Engine, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.engine = engine
        self.flush_seconds = flush_seconds
        self._counts: defaultdict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def record(self, environment_id: int, signed: bool, day: date) -> None:
        """Count one bootstrap; flushes when the last flush is older than flush_seconds."""
        with self._lock:
            now = time.monotonic()
            due = now - self._last_flush >= self.flush_seconds
            if due:
                self._last_flush = now
            cell = self._counts[(environment_id, day)]  # the day formatted at flush
            cell[0] += 1
            if signed:
                cell[1] += 1
        if due:
            # Off the event loop: the request never waits for the write.
            threading.Thread(target=self._flush_quietly, daemon=True).start()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:  # a lost window of counts is acceptable; a crashed worker is not
            log.exception("signed-traffic counter: flush failed")

    def flush(self) -> None:
        """Add the pending counts to the table (one upsert per environment and day)."""
        with self._lock:
            pending, self._counts = self._counts, defaultdict(lambda: [0, 0])
            self._last_flush = time.monotonic()
        if not pending:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        rows = [{"environment_id": env, "day": day.isoformat(), "total": t, "signed": s}
                for (env, day), (t, s) in pending.items()]
        stmt = insert(_TABLE).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["environment_id", "day"],
            set_={"total": _TABLE.c.total + stmt.excluded.total,
                  "signed": _TABLE.c.signed + stmt.excluded.signed},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)


def signed_share(*, session: Session, environment_id: int, today: date,
                 days: int = 7) -> tuple[int, int, float | None]:
    """(bootstraps, signed bootstraps, share or None without traffic) over the last `days`."""
    since = (today - timedelta(days=days - 1)).isoformat()
    total, signed = session.exec(
        select(func.coalesce(func.sum(SignedTrafficDaily.total), 0),
               func.coalesce(func.sum(SignedTrafficDaily.signed), 0))
        .where(SignedTrafficDaily.environment_id == environment_id,
               col(SignedTrafficDaily.day) >= since)
    ).one()
    total, signed = int(total), int(signed)
    return total, signed, (signed / total if total else None)

"""The delivery worker: claim due outbox rows with a lease, POST them signed, record.

A claim sets `lease_until` on up to `batch` due rows in one short transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL so concurrent workers take different rows;
SQLite's IMMEDIATE transaction serialises claimers). The HTTP calls happen outside any
transaction. A worker killed after claiming loses nothing: when the lease expires the
rows are due again and another worker sends them with the same `webhook-id` (at least
once; receivers dedupe on the id). A row leaves `pending` only on a 2xx (`delivered`)
or when the retry schedule is over (`failed`).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from ..db import Database
from ..models.webhook import WebhookAttempt, WebhookDelivery, WebhookSubscription
from .signing import signed_headers

log = logging.getLogger("shirube.webhooks")

#: Seconds to wait after the 1st, 2nd, … failed attempt; then one last try at 24 h.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600, 43200)
GIVE_UP_AFTER = timedelta(hours=24)
LEASE_SECONDS = 120
TIMEOUT_SECONDS = 10.0

#: post(url, body, headers) -> HTTP status; raises OSError on network failure.
Poster = Callable[[str, bytes, dict[str, str]], int]

_d = WebhookDelivery.__table__  # type: ignore[attr-defined]
_s = WebhookSubscription.__table__  # type: ignore[attr-defined]
_a = WebhookAttempt.__table__  # type: ignore[attr-defined]


def next_attempt_at(*, created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts, or None: give up.

    1 min, 5 min, 30 min, 2 h, 6 h, 12 h after each failure (never past 24 h after the
    message was created), then one last attempt at 24 h.
    """
    deadline = created_at + GIVE_UP_AFTER
    if now >= deadline:
        return None
    if 1 <= attempts <= len(BACKOFF_SECONDS):
        return min(now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1]), deadline)
    return deadline


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    message_id: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    lease_until: datetime
    url: str
    secret: str


def claim(*, db: Database, now: datetime, batch: int = 20,
          lease_seconds: int = LEASE_SECONDS) -> list[Claimed]:
    """Lease up to `batch` due deliveries (oldest due first) and return them."""
    lease = now + timedelta(seconds=lease_seconds)
    due = (sa.select(_d.c.id)
           .where(_d.c.status == "pending", _d.c.next_attempt_at <= now,
                  sa.or_(_d.c.lease_until.is_(None), _d.c.lease_until <= now))
           .order_by(_d.c.next_attempt_at, _d.c.id).limit(batch)
           .with_for_update(skip_locked=True))
    with db.write_engine.begin() as conn:
        ids = [row[0] for row in conn.execute(due)]
        if not ids:
            return []
        conn.execute(_d.update().where(_d.c.id.in_(ids)).values(lease_until=lease))
        rows = conn.execute(
            sa.select(_d.c.id, _d.c.message_id, _d.c.payload, _d.c.attempts, _d.c.created_at,
                      _s.c.url, _s.c.secret)
            .join(_s, _s.c.id == _d.c.subscription_id).where(_d.c.id.in_(ids))
            .order_by(_d.c.next_attempt_at, _d.c.id)).all()
    return [Claimed(r.id, r.message_id, r.payload, r.attempts, r.created_at, lease, r.url,
                    r.secret) for r in rows]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a 3xx is a failure
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with the standard library (no redirects followed); the HTTP status."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def attempt(item: Claimed, *, post: Poster, now: datetime) -> tuple[int | None, str | None, int]:
    """Send one claimed message: (HTTP status or None, error text, duration in ms)."""
    body = orjson.dumps(item.payload)
    headers = signed_headers(item.secret, item.message_id, int(now.timestamp()), body)
    started = time.perf_counter()
    try:
        status: int | None = post(item.url, body, headers)
        error = None if 200 <= (status or 0) < 300 else f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - any failure to deliver is a retry
        status, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return status, error, int((time.perf_counter() - started) * 1000)


def record(*, db: Database, item: Claimed, status: int | None, error: str | None,
           duration_ms: int, now: datetime) -> str:
    """Store the attempt and the row's new status; returns it ("delivered", "pending", "failed").

    Applies only while this worker still holds the lease; otherwise the attempt is
    logged and another worker owns the row.
    """
    attempts = item.attempts + 1
    if error is None:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now}
        outcome = "delivered"
    else:
        retry = next_attempt_at(created_at=item.created_at, attempts=attempts, now=now)
        outcome = "pending" if retry is not None else "failed"
        values = {"status": outcome, "next_attempt_at": retry or now}
    values.update(attempts=attempts, lease_until=None, last_status=status, last_error=error)
    with db.write_engine.begin() as conn:
        conn.execute(_a.insert().values(delivery_id=item.id, attempted_at=now, status=status,
                                        error=error, duration_ms=duration_ms))
        done = conn.execute(_d.update().where(_d.c.id == item.id, _d.c.status == "pending",
                                              _d.c.lease_until == item.lease_until)
                            .values(**values))
    return outcome if done.rowcount else "lost-lease"


def deliver_due(*, db: Database, now: Callable[[], datetime] | None = None,
                post: Poster = http_post, batch: int = 20,
                lease_seconds: int = LEASE_SECONDS) -> dict[str, int]:
    """One pass: claim due deliveries, send each, record. Returns counts by outcome."""
    clock = now or (lambda: datetime.now(UTC))
    counts: dict[str, int] = {}
    for item in claim(db=db, now=clock(), batch=batch, lease_seconds=lease_seconds):
        status, error, ms = attempt(item, post=post, now=clock())
        outcome = record(db=db, item=item, status=status, error=error, duration_ms=ms,
                         now=clock())
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def run_forever(*, db: Database, idle_seconds: float = 5.0, batch: int = 20,
                stop: Callable[[], bool] = lambda: False) -> None:
    """`shirube webhooks deliver`: deliver in a loop, sleeping when nothing is due."""
    while not stop():
        try:
            counts = deliver_due(db=db, batch=batch)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            log.exception("webhook delivery pass failed")
            counts = {}
        if counts:
            log.info("webhooks: %s", counts)
        else:
            time.sleep(idle_seconds)

"""The outbox: one `webhook_delivery` row per (message, subscribed endpoint).

Rows are written by the code that makes the change, inside its transaction (event
intake through the DBAPI cursor, segment refresh through a session), so a change is
never committed without its messages, nor a message without its change. The payload is
the Standard Webhooks envelope ``{"type", "timestamp", "data"}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import Session

from ..fastsql import FastSQL
from ..models.webhook import WebhookDelivery, WebhookSubscription

Message = tuple[str, dict[str, Any]]  # (event type, data)

_COLUMNS = ("environment_id, subscription_id, message_id, event_type, payload, status,"
            " attempts, next_attempt_at, created_at")
_SUBS = "SELECT id, event_types FROM webhook_subscription WHERE environment_id = ? AND active = ?"


def new_message_id() -> str:
    """A unique `webhook-id` (the same on every attempt of the message)."""
    return "msg_" + uuid.uuid4().hex


def envelope(event_type: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The JSON body of a message."""
    stamp = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"type": event_type, "timestamp": stamp, "data": data}


def _rows(env_id: int, subs: Sequence[tuple[int, Any]], messages: Sequence[Message],
          now: datetime) -> list[dict[str, Any]]:
    rows = []
    for sub_id, types in subs:
        wanted = set(FastSQL.read_json(types) or ())
        for event_type, data in messages:
            if event_type in wanted:
                rows.append({
                    "environment_id": env_id, "subscription_id": sub_id,
                    "message_id": new_message_id(), "event_type": event_type,
                    "payload": envelope(event_type, data, now), "status": "pending",
                    "attempts": 0, "next_attempt_at": now, "created_at": now,
                })
    return rows


def enqueue_fast(*, fast: FastSQL, cur: Any, environment_id: int,
                 messages: Sequence[Message], now: datetime) -> int:
    """Write the messages' delivery rows in the cursor's open transaction; returns how many."""
    if not messages:
        return 0
    cur.execute(fast.sql(_SUBS), (environment_id, True))
    rows = _rows(environment_id, cur.fetchall(), messages, now)
    if not rows:
        return 0
    sql = fast.sql(f"INSERT INTO webhook_delivery ({_COLUMNS}) VALUES"
                   f" (?, ?, ?, ?, {fast.json_placeholder}, ?, ?, ?, ?)")
    cur.executemany(sql, [
        (r["environment_id"], r["subscription_id"], r["message_id"], r["event_type"],
         orjson.dumps(r["payload"]).decode(), r["status"], r["attempts"],
         fast.ts(r["next_attempt_at"]), fast.ts(r["created_at"]))
        for r in rows
    ])
    return len(rows)


def enqueue(*, session: Session, environment_id: int, messages: Sequence[Message],
            now: datetime) -> int:
    """Write the messages' delivery rows in the session's transaction; returns how many."""
    if not messages:
        return 0
    sub = WebhookSubscription.__table__  # type: ignore[attr-defined]
    subs = session.execute(sa.select(sub.c.id, sub.c.event_types).where(
        sub.c.environment_id == environment_id, sub.c.active.is_(True))).all()
    rows = _rows(environment_id, [tuple(s) for s in subs], messages, now)
    if rows:
        session.execute(sa.insert(WebhookDelivery.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)

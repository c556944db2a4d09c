"""The intake hook: what new events change for segments and webhooks, in the same transaction.

Called by server/ingest/service.py after the events, guide states and survey answers of
a batch were written (only the events that were new). It

- moves the users who answered an NPS question between the environment's NPS-category
  segments at once (the cheap incremental case of `segments refresh`), reading the
  category from the `nps_category` trait the survey hook just set — the user's most
  recent answer, even when an older one arrives late;
- writes webhook outbox rows: `survey.answered` per answer, `guide.completed` per
  completion event, `segment.entered` / `segment.left` per NPS move.

It costs nothing for batches without survey answers or completions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..fastsql import FastSQL
from ..surveys.responses import answers_from_events
from ..webhooks.outbox import Message, enqueue_fast

_SEGMENTS = "SELECT key, name, definition FROM segment WHERE environment_id = ? AND kind = ?"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def after_intake(*, fast: FastSQL, cur: Any, environment_id: int, events: list[Any],
                 now: datetime) -> None:
    """Segment moves and webhook messages caused by a batch of new events (`EventIn`)."""
    messages: list[Message] = []
    answers = answers_from_events(events)
    for a in answers:
        messages.append(("survey.answered", {
            "user_id": a.user_id, "account_id": a.account_id, "survey": a.survey_key,
            "kind": a.kind, "score": a.score, "scale": a.scale, "category": a.category,
            "comment": a.comment, "followup": a.followup, "asked_at": _iso(a.asked_at),
            "answered_at": _iso(a.answered_at), "event_id": a.event_uuid,
        }))
    for e in events:
        if e.type == "guide_completed" and e.guide:
            messages.append(("guide.completed", {
                "user_id": e.user_id, "account_id": e.account_id, "guide": e.guide,
                "completed_at": _iso(e.timestamp), "event_id": e.id,
            }))
    nps_users = sorted({a.user_id for a in answers if a.category is not None})
    if nps_users:
        messages += _move_nps(fast, cur, environment_id, nps_users, now)
    if messages:
        enqueue_fast(fast=fast, cur=cur, environment_id=environment_id, messages=messages,
                     now=now)


def _move_nps(fast: FastSQL, cur: Any, env_id: int, users: list[str],
              now: datetime) -> list[Message]:
    cur.execute(fast.sql(_SEGMENTS), (env_id, "computed"))
    segments = {}
    for key, name, definition in cur.fetchall():
        d = fast.read_json(definition) or {}
        if d.get("metric") == "nps":
            segments[key] = (name, d.get("category"))
    if not segments:
        return []
    marks = ", ".join("?" * len(users))
    cur.execute(fast.sql(f"SELECT external_id, traits FROM end_user WHERE environment_id = ?"
                         f" AND external_id IN ({marks})"), (env_id, *users))
    category = {u: (fast.read_json(t) or {}).get("nps_category") for u, t in cur.fetchall()}
    keys = sorted(segments)
    cur.execute(fast.sql(
        f"SELECT segment_key, user_id FROM segment_member WHERE environment_id = ?"
        f" AND user_id IN ({marks}) AND segment_key IN ({', '.join('?' * len(keys))})"),
        (env_id, *users, *keys))
    stored = {(k, u) for k, u in cur.fetchall()}
    wanted = {(k, u) for u in users for k in keys if segments[k][1] == category.get(u)}
    messages: list[Message] = []
    for key, user in sorted(stored - wanted):
        cur.execute(fast.sql("DELETE FROM segment_member WHERE environment_id = ?"
                             " AND segment_key = ? AND user_id = ?"), (env_id, key, user))
        messages.append(("segment.left", {"segment": key, "segment_name": segments[key][0],
                                          "user_id": user}))
    for key, user in sorted(wanted - stored):
        cur.execute(fast.sql("INSERT INTO segment_member (environment_id, segment_key, user_id,"
                             " since) VALUES (?, ?, ?, ?)"), (env_id, key, user, fast.ts(now)))
        messages.append(("segment.entered", {"segment": key, "segment_name": segments[key][0],
                                             "user_id": user}))
    return messages

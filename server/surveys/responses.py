"""The intake hook: store survey answers from newly inserted `survey_answered` events.

Called by server/ingest/service.py inside the intake transaction, after the events
themselves were inserted, with only the events that were new (a retried batch is a
no-op here too). Answers of one showing — the same (user, survey, `asked_at`) — are
folded in memory first and then written with one multi-row
`INSERT … ON CONFLICT DO UPDATE` per 500 rows that merges with what is stored: a score,
a comment sent later and follow-up answers end up in one row.

A user's latest NPS answer also sets the traits `nps_category`, `nps_score` and
`nps_answered_at` on their end user (METRICS.md "Surveys": that answer decides the NPS
category for targeting), so audience rules can say `{attr: user.nps_category, op: eq,
value: detractor}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from ..fastsql import FastSQL
from .answers import Answer, parse_answer

_CHUNK = 500  # rows per statement (× 17 parameters)
_COLUMNS = (
    "environment_id, user_id, survey_key, asked_at, answered_at, kind, score, scale, category,"
    " comment, followup, locale, url, account_id, event_uuid, created_at, updated_at"
)


def answers_from_events(events: Iterable[Any]) -> list[Answer]:
    """Parse and fold the answers in a batch of validated events (`EventIn`), one per showing."""
    folded: dict[tuple[str, str, datetime], Answer] = {}
    answers = []
    for e in events:
        if e.type != "survey_answered":
            continue
        answer = parse_answer(
            uuid=e.id, user_id=e.user_id, account_id=e.account_id, guide=e.guide, step=e.step,
            properties=e.properties, timestamp=e.timestamp,
        )
        if answer is not None:
            answers.append(answer)
    for answer in sorted(answers, key=lambda a: a.answered_at):
        key = (answer.user_id, answer.survey_key, answer.asked_at)
        if key in folded:
            folded[key].merge(answer)
        else:
            folded[key] = answer
    return list(folded.values())


def store_survey_answers(
    *, fast: FastSQL, cur: Any, environment_id: int, events: list[Any], now: datetime
) -> int:
    """Store the answers of the new events in the caller's transaction; returns how many
    responses were written (inserted or merged)."""
    answers = answers_from_events(events)
    if not answers:
        return 0
    for start in range(0, len(answers), _CHUNK):
        _upsert(fast, cur, environment_id, answers[start : start + _CHUNK], now)
    _set_nps_traits(fast, cur, environment_id, answers, now)
    return len(answers)


def _upsert(fast: FastSQL, cur: Any, env_id: int, chunk: list[Answer], now: datetime) -> None:
    j = fast.json_placeholder
    row = f"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {j}, ?, ?, ?, ?, ?, ?)"
    big = "max" if fast.is_sqlite else "GREATEST"
    merge_json = (
        "json_patch(survey_response.followup, excluded.followup)" if fast.is_sqlite
        else "survey_response.followup || excluded.followup"
    )
    keep = "= COALESCE(excluded.{0}, survey_response.{0})"
    sql = (
        f"INSERT INTO survey_response ({_COLUMNS}) VALUES " + ", ".join([row] * len(chunk))
        + " ON CONFLICT (environment_id, user_id, survey_key, asked_at) DO UPDATE SET"
        f" answered_at = {big}(survey_response.answered_at, excluded.answered_at),"
        # A score sent again (a changed answer) replaces the stored one with its kind.
        " kind = COALESCE(excluded.kind, survey_response.kind),"
        " score = COALESCE(excluded.score, survey_response.score),"
        " scale = CASE WHEN excluded.score IS NULL THEN survey_response.scale"
        " ELSE excluded.scale END,"
        " category = CASE WHEN excluded.score IS NULL THEN survey_response.category"
        " ELSE excluded.category END,"
        + ",".join(f" {c} {keep.format(c)}" for c in ("comment", "locale", "url", "account_id"))
        + f", followup = {merge_json}, updated_at = excluded.updated_at"
    )
    ts = fast.ts
    params: list[Any] = []
    for a in chunk:
        params += [
            env_id, a.user_id, a.survey_key, ts(a.asked_at), ts(a.answered_at), a.kind, a.score,
            a.scale, a.category, a.comment, orjson.dumps(a.followup).decode(), a.locale, a.url,
            a.account_id, a.event_uuid, ts(now), ts(now),
        ]
    cur.execute(fast.sql(sql), params)


def nps_traits(score: int, category: str, answered_at: datetime) -> dict[str, Any]:
    """The end-user traits one NPS answer sets (fixed-width ISO time: compared as text)."""
    when = answered_at.astimezone(UTC).isoformat(timespec="seconds")
    return {"nps_category": category, "nps_score": score, "nps_answered_at": when}


def _set_nps_traits(
    fast: FastSQL, cur: Any, env_id: int, answers: list[Answer], now: datetime
) -> None:
    latest: dict[str, Answer] = {}
    for a in answers:
        if a.category is None:
            continue
        seen = latest.get(a.user_id)
        if seen is None or a.answered_at >= seen.answered_at:
            latest[a.user_id] = a
    if not latest:
        return
    if fast.is_sqlite:
        merged = "json_patch(end_user.traits, excluded.traits)"
        stored_at = "json_extract(end_user.traits, '$.nps_answered_at')"
        new_at = "json_extract(excluded.traits, '$.nps_answered_at')"
    else:
        merged = "end_user.traits || excluded.traits"
        stored_at = "(end_user.traits ->> 'nps_answered_at')"
        new_at = "(excluded.traits ->> 'nps_answered_at')"
    # Atomic merge in SQL (no read-modify-write race with bootstrap's trait updates);
    # an older answer arriving late never overwrites a newer one. A user not seen by
    # bootstrap yet is created, so the category is there when they first arrive.
    sql = fast.sql(
        "INSERT INTO end_user (environment_id, external_id, traits, traits_hash, first_seen_at,"
        f" last_seen_at) VALUES (?, ?, {fast.json_placeholder}, '', ?, ?)"
        f" ON CONFLICT (environment_id, external_id) DO UPDATE SET traits = {merged}"
        f" WHERE COALESCE({stored_at}, '') <= {new_at}"
    )
    rows = []
    for user_id, a in sorted(latest.items()):
        assert a.score is not None and a.category is not None
        traits = nps_traits(a.score, a.category, a.answered_at)
        rows.append((env_id, user_id, orjson.dumps(traits).decode(), fast.ts(now), fast.ts(now)))
    cur.executemany(sql, rows)

"""POST /api/sdk/v1/events: validation, dedupe, limits, guide-state updates."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from .sdkclient import ORIGIN, count, event


def test_a_batch_is_stored_and_counted(sdk, db):
    events = [
        event(),
        event("page_view", properties={"url": "https://app.acme.test/x"}),
        event("guide_seen", guide="welcome", step=0, account_id="acct-1"),
    ]
    r = sdk.send(events)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert count(db, "SELECT count(*) FROM event") == 3
    assert (
        count(
            db,
            "SELECT count(*) FROM event WHERE uuid = :u AND guide_key = 'welcome' "
            "AND account_id = 'acct-1' AND step = 0",
            u=events[2]["id"],
        )
        == 1
    )


def test_resent_events_are_acknowledged_as_duplicates_and_stored_once(sdk, db):
    events = [event() for _ in range(5)]
    assert sdk.send(events).json()["accepted"] == 5
    r = sdk.send(events + events[:2] + [event()])
    assert r.json() == {"accepted": 1, "duplicates": 7, "rejected": []}
    assert count(db, "SELECT count(*) FROM event") == 6


def test_uuid_case_does_not_defeat_dedupe(sdk, db):
    e = event()
    sdk.send([e])
    r = sdk.send([{**e, "id": e["id"].upper()}])
    assert r.json()["duplicates"] == 1
    assert count(db, "SELECT count(*) FROM event") == 1


def test_invalid_events_are_rejected_by_index_with_a_reason_and_the_rest_stored(sdk, db):
    events = [
        event(),
        {**event(), "id": "not-a-uuid"},
        {**event(), "type": "nonsense"},
        event("track", name=None),
        event("guide_seen"),  # no guide
        {**event(), "timestamp": "yesterday"},
        {**event(), "timestamp": "1999-01-01T00:00:00Z"},
        {**event(), "properties": {"x": "a" * 20000}},
        {**event(), "extra_field": 1},
        "not an object",
        event("step_seen", guide="g", step=-1),
        event(),
    ]
    r = sdk.send(events)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 2
    assert [x["index"] for x in body["rejected"]] == list(range(1, 11))
    assert all(x["reason"] for x in body["rejected"])
    assert "id" in body["rejected"][0]["reason"] and "UUID" in body["rejected"][0]["reason"]
    assert "name is required" in body["rejected"][2]["reason"]
    assert count(db, "SELECT count(*) FROM event") == 2


def test_text_plain_beacon_bodies_are_accepted(client, env, db):
    body = json.dumps({"key": env.environment.publishable_key, "events": [event()]})
    r = client.post(
        "/api/sdk/v1/events",
        content=body,
        headers={"content-type": "text/plain;charset=UTF-8", "origin": ORIGIN},
    )
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_more_than_500_events_or_512kb_is_413_and_nothing_is_stored(sdk, db):
    r = sdk.send([event() for _ in range(501)])
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = sdk.send([event(properties={"blob": "x" * 8000}) for _ in range(70)])
    assert r.status_code == 413
    assert count(db, "SELECT count(*) FROM event") == 0


def test_events_from_a_foreign_origin_are_refused(sdk, db):
    sdk.origin = "https://evil.test"
    r = sdk.send([event()])
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    assert count(db, "SELECT count(*) FROM event") == 0


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{", 400),
        (b"[1]", 400),
        (b'{"events": "x"}', 422),
        (b'{"events": [NaN]}', 400),
    ],
)
def test_malformed_event_bodies_are_4xx(client, env, raw, status):
    r = client.post(
        "/api/sdk/v1/events",
        content=raw,
        headers={"x-shirube-key": env.environment.publishable_key},
    )
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_huge_numbers_reject_only_their_event_and_non_finite_json_is_400(client, env):
    key = env.environment.publishable_key
    good = json.dumps(event())
    huge = json.dumps(event(properties={"n": 1})).replace(
        '"n": 1', '"n": 123456789012345678901234567890'
    )
    r = client.post("/api/sdk/v1/events", content=f'{{"key": "{key}", "events": [{good}, {huge}]}}')
    assert r.status_code == 200
    assert r.json()["accepted"] == 1 and [x["index"] for x in r.json()["rejected"]] == [1]
    r = client.post(
        "/api/sdk/v1/events", content=f'{{"key": "{key}", "events": [{{"id": 1e400}}]}}'
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"


def test_guide_events_update_the_users_guide_state(sdk, db):
    g = {"guide": "tour"}
    sdk.send(
        [
            event("guide_seen", **g, step=0),
            event("step_seen", **g, step=0),
            event("step_completed", **g, step=0),
            event("step_seen", **g, step=1),
        ]
    )
    row = _state(db, "user-1", "tour")
    assert row["times_seen"] == 1 and row["current_step"] == 1
    assert row["completed_at"] is None and row["dismissed_at"] is None
    sdk.send([event("guide_dismissed", **g), event("guide_seen", **g, step=1)])
    row = _state(db, "user-1", "tour")
    assert row["times_seen"] == 2 and row["dismissed_at"] is not None
    sdk.send([event("guide_completed", **g)])
    assert _state(db, "user-1", "tour")["completed_at"] is not None


def test_a_retried_guide_seen_is_not_counted_twice(sdk, db):
    seen = event("guide_seen", guide="tour")
    sdk.send([seen])
    sdk.send([seen])
    assert _state(db, "user-1", "tour")["times_seen"] == 1


def _state(db, user: str, guide: str) -> dict:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    with db.engine.connect() as conn:
        row = (
            conn.execute(
                sa.text("SELECT * FROM guide_state WHERE user_id = :u AND guide_key = :g"),
                {"u": user, "g": guide},
            )
            .mappings()
            .one()
        )
    return dict(row)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(min_value=1, max_value=25),
    data=st.data(),
)
def test_dedupe_holds_for_any_order_and_batching(sdk, db, n, data):
    """Whatever order and batch split events (and their retries) arrive in, each id is
    stored exactly once and guide views are counted once per distinct guide_seen."""
    user = f"prop-{uuid.uuid4()}"
    events = [
        event(data.draw(st.sampled_from(["track", "guide_seen"])), user_id=user, guide="g")
        for _ in range(n)
    ]
    # Every event is sent at least once, some several times, in any order.
    sends = events + data.draw(st.lists(st.sampled_from(events), max_size=2 * n))
    order = data.draw(st.permutations(sends))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=5)))
    batches, start = [], 0
    for cut in [*cuts, len(order)]:
        batches.append(order[start:cut])
        start = cut
    accepted = duplicates = 0
    for batch in batches:
        if batch:
            body = sdk.send(list(batch)).json()
            accepted += body["accepted"]
            duplicates += body["duplicates"]
    assert accepted == n
    assert accepted + duplicates == len(order)
    assert count(db, "SELECT count(*) FROM event WHERE user_id = :u", u=user) == n
    views = sum(1 for e in events if e["type"] == "guide_seen")
    got = count(
        db, "SELECT coalesce(sum(times_seen), 0) FROM guide_state WHERE user_id = :u", u=user
    )
    assert got == views


def test_nul_characters_are_rejected_per_event_not_a_server_error(sdk, db):
    r = sdk.send(
        [
            event(),
            event(name="bad\x00name"),
            event(properties={"k": "v\x00"}),
            event(user_id="u\x00"),
        ]
    )
    assert r.status_code == 200
    assert r.json()["accepted"] == 1
    assert [x["index"] for x in r.json()["rejected"]] == [1, 2, 3]
    r = sdk.bootstrap("user\x00x")
    assert r.status_code == 400 and "NUL" in r.json()["error"]["message"]
    r = sdk.bootstrap("u1", {"nick": "a\x00b"})
    assert r.status_code == 400


def test_a_batch_whose_commit_fails_is_a_503_in_the_error_shape_and_nothing_is_stored(sdk, db):
    from tests.unit.test_intake_writer import _DROP_PROBE, _FAIL_AT_COMMIT

    with db.engine.begin() as conn:
        for sql in _FAIL_AT_COMMIT[db.dialect]:
            conn.exec_driver_sql(sql)
    try:
        r = sdk.send([event(), event(user_id="fail-at-commit"), event()])
    finally:
        with db.engine.begin() as conn:
            for sql in _DROP_PROBE[db.dialect]:
                conn.exec_driver_sql(sql)
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "storage_unavailable"
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert r.headers["retry-after"] == "1"
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert count(db, "SELECT count(*) FROM event") == 0
    # Resending the same kind of batch once the fault is gone stores it.
    assert sdk.send([event(), event()]).json()["accepted"] == 2


def test_every_column_is_stored_as_sent(sdk, db):
    """What the writer stores (PostgreSQL: one JSON document unpacked by
    jsonb_to_recordset; SQLite: a multi-row VALUES list) reads back as sent: nulls,
    integers, nested and non-ASCII properties, timestamps with an offset as UTC."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    sent = [
        event("track", name="exported", properties={"rows": 3, "tags": ["a", "b"],
                                                     "nested": {"ok": True, "x": None},
                                                     "note": "日本語 \"quoted\" \\ back"},
              timestamp="2026-11-20T17:30:00.123456+09:00", account_id="acct-9"),
        event("page_view", user_id="user-2", properties={}),
        event("step_seen", guide="tour-1", step=2),
    ]
    assert sdk.send(sent).json()["accepted"] == 3
    with db.engine.connect() as conn:
        rows = {r.uuid: r for r in conn.execute(sa.text(
            "SELECT uuid, type, name, user_id, account_id, guide_key, step, properties,"
            " timestamp FROM event"))}
    first, view, step = (rows[e["id"]] for e in sent)
    props = first.properties if isinstance(first.properties, dict) else json.loads(first.properties)
    assert props == sent[0]["properties"]
    assert (first.type, first.name, first.user_id, first.account_id, first.guide_key,
            first.step) == ("track", "exported", "user-1", "acct-9", None, None)
    stamp = first.timestamp if isinstance(first.timestamp, datetime) else \
        datetime.fromisoformat(first.timestamp)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    assert stamp == datetime(2026, 11, 20, 8, 30, 0, 123456, tzinfo=UTC)
    assert (view.name, view.account_id, view.user_id) == (None, None, "user-2")
    assert (step.guide_key, step.step, step.name) == ("tour-1", 2, None)

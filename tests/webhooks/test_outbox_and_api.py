"""Outbox rows are written with the change that causes them; the REST API over the log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from server.app import create_app
from server.fastsql import FastSQL
from server.ingest.service import prepare_batch, write_batch
from server.segments.refresh import refresh_segments
from server.segments.service import create_segment
from server.webhooks import service, worker
from tests.api.sdkclient import SdkClient
from tests.api.v1_support import Api, assert_error
from tests.surveys.support import answer

from .receiver import receiver

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def env(factory: Any) -> Any:
    return factory.environment()


@pytest.fixture
def api(client: TestClient, env: Any) -> Api:
    return Api(client, env.secret_key, env)


@pytest.fixture
def sdk(client: TestClient, env: Any) -> SdkClient:
    return SdkClient(client, env.environment.publishable_key)


def _rows(db: Any) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as s:
        rows = s.execute(sa.text("SELECT event_type, payload FROM webhook_delivery ORDER BY id"))
        return [(t, FastSQL.read_json(p)) for t, p in rows]


def _subscribe(db: Any, env: Any, types: list[str], url: str = "https://crm.test/h") -> Any:
    with db.session() as s:
        sub = service.create_subscription(session=s, environment_id=env.environment.id,
                                          url=url, event_types=types, allow_loopback_http=True)
        s.commit()
        return sub


def test_survey_answers_and_completions_write_outbox_rows_at_intake(
    db: Any, env: Any, sdk: SdkClient
) -> None:
    _subscribe(db, env, ["survey.answered", "guide.completed"])
    _subscribe(db, env, ["segment.entered"])  # not interested in these events
    r = sdk.send([
        answer("u1", score=3, comment="too slow"),
        {"id": str(uuid.uuid4()), "type": "guide_completed", "user_id": "u1",
         "guide": "welcome", "timestamp": "2026-11-20T08:01:00Z"},
        {"id": str(uuid.uuid4()), "type": "track", "name": "x", "user_id": "u1",
         "timestamp": "2026-11-20T08:02:00Z"},
    ])
    assert r.status_code == 200, r.text
    rows = _rows(db)
    assert [t for t, _ in rows] == ["survey.answered", "guide.completed"]
    survey = rows[0][1]["data"]
    assert (survey["user_id"], survey["score"], survey["category"], survey["comment"]) == (
        "u1", 3, "detractor", "too slow")
    assert rows[1][1]["data"]["guide"] == "welcome"
    # A retried batch (same event ids) writes nothing more.
    assert len(_rows(db)) == 2


def test_a_rolled_back_intake_leaves_no_outbox_row(db: Any, env: Any) -> None:
    _subscribe(db, env, ["guide.completed"])
    fast = FastSQL(db.hot_engine)
    batch = prepare_batch([{"id": str(uuid.uuid4()), "type": "guide_completed",
                            "user_id": "u1", "guide": "g", "timestamp": "2026-11-20T08:00:00Z"}])
    with fast.connection() as conn:
        cur = conn.cursor()
        fast.begin_write(cur)
        write_batch(fast=fast, cur=cur, environment_id=env.environment.id,
                    events=batch.events, now=NOW)
        cur.execute("ROLLBACK")
    assert _rows(db) == []


def test_nps_answer_moves_users_between_nps_segments_with_messages(
    db: Any, env: Any, sdk: SdkClient
) -> None:
    env_id = env.environment.id
    with db.session() as s:
        for cat in ("detractor", "promoter"):
            create_segment(session=s, environment_id=env_id, key=f"{cat}s", name=cat,
                           kind="computed", definition={"metric": "nps", "category": cat})
        s.commit()
    _subscribe(db, env, ["segment.entered", "segment.left"])
    sdk.send([answer("u1", score=2, ts="2026-11-20T08:00:00Z")])
    sdk.send([answer("u1", score=10, ts="2026-11-21T08:00:00Z")])
    sdk.send([answer("u1", score=0, ts="2026-11-19T08:00:00Z")])  # older, arrives late
    moves = [(t, p["data"]["segment"]) for t, p in _rows(db)]
    assert moves == [("segment.entered", "detractors"), ("segment.left", "detractors"),
                     ("segment.entered", "promoters")]


def test_refresh_writes_entered_left_and_lifecycle_changes(db: Any, env: Any,
                                                           sdk: SdkClient) -> None:
    env_id = env.environment.id
    with db.session() as s:
        create_segment(session=s, environment_id=env_id, key="pro", name="Pro plan",
                       kind="rule", definition={"attr": "user.plan", "op": "eq", "value": "pro"})
        s.commit()
    _subscribe(db, env, ["segment.entered", "segment.left", "lifecycle.changed"])
    sdk.bootstrap("u1", {"plan": "pro"})
    sdk.bootstrap("u2", {"plan": "free"})
    sdk.send([{"id": str(uuid.uuid4()), "type": "page_view", "user_id": u,
               "timestamp": (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
              for u in ("u1", "u2")])
    with db.session() as s:
        first = refresh_segments(session=s, environment_id=env_id, now=NOW)
        s.commit()
    assert (first.members, first.entered, first.left) == ({"pro": 1}, 1, 0)
    # The first refresh records lifecycle stages without announcing them.
    assert [(t, p["data"]["user_id"]) for t, p in _rows(db)] == [("segment.entered", "u1")]
    sdk.bootstrap("u1", {"plan": "free"})
    with db.session() as s:
        refresh_segments(session=s, environment_id=env_id, now=NOW + timedelta(days=20))
        s.commit()
    rows = _rows(db)[1:]
    assert ("segment.left", "u1") in [(t, p["data"]["user_id"]) for t, p in rows]
    changes = {p["data"]["user_id"]: (p["data"]["from"], p["data"]["to"])
               for t, p in rows if t == "lifecycle.changed"}
    assert changes == {"u1": ("get", "build"), "u2": ("get", "build")}


def test_rest_subscriptions_log_and_retry(api: Api, db: Any) -> None:
    assert_error(api.post("/webhooks", json={"url": "http://crm.test/h",
                                             "event_types": ["guide.completed"]}), 422)
    assert_error(api.post("/webhooks", json={"url": "https://crm.test/h",
                                             "event_types": ["nope"]}), 422)
    with receiver(fail_first=1) as r:
        created = api.post("/webhooks", json={"url": r.url, "event_types": ["guide.completed"]})
        assert created.status_code == 201, created.text
        sub = created.json()
        assert sub["secret"].startswith("whsec_")
        assert api.get(f"/webhooks/{sub['id']}").json()["secret"] is None
        api.post("/events", json={"events": [{
            "id": str(uuid.uuid4()), "type": "guide_completed", "user_id": "u1",
            "guide": "welcome", "timestamp": "2026-11-20T08:00:00Z"}]})
        worker.deliver_due(db=db)
        (row,), _ = api.walk(f"/webhooks/{sub['id']}/deliveries")
        assert (row["status"], row["attempts"], row["last_status"]) == ("pending", 1, 500)
        retried = api.post(f"/webhooks/deliveries/{row['id']}/retry").json()
        assert retried["status"] == "pending"
        assert worker.deliver_due(db=db) == {"delivered": 1}
        detail = api.get(f"/webhooks/deliveries/{row['id']}").json()
        assert [a["status"] for a in detail["attempt_log"]] == [500, 200]
        assert r.successful_ids() == [row["message_id"]]
    rotated = api.request("PATCH", f"/webhooks/{sub['id']}", json={"rotate_secret": True}).json()
    assert rotated["secret"] not in (None, sub["secret"])
    assert api.request("DELETE", f"/webhooks/{sub['id']}").json() == {"deleted": sub["id"]}
    assert_error(api.get(f"/webhooks/{sub['id']}"), 404)


def test_cli_delivers_and_refreshes(db: Any, env: Any, settings: Any, capsys: Any) -> None:
    from server.cli import main

    url = settings.database_url
    assert main(["--database-url", url, "segments", "refresh"]) == 0
    assert main(["--database-url", url, "webhooks", "deliver", "--once"]) == 0
    out = capsys.readouterr().out
    assert "production: 0 segments" in out and "{}" in out

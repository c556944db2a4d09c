"""Webhook delivery: signatures, retries with backoff, exactly-once by id, killed workers."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from server.models.webhook import WebhookDelivery
from server.webhooks import outbox, service, worker

from .receiver import receiver

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _subscribe(db: Any, env_id: int, url: str, types: list[str]) -> Any:
    with db.session() as s:
        sub = service.create_subscription(session=s, environment_id=env_id, url=url,
                                          event_types=types, allow_loopback_http=True)
        s.commit()
        return sub


def _enqueue(db: Any, env_id: int, messages: list[tuple[str, dict[str, Any]]]) -> int:
    with db.session() as s:
        n = outbox.enqueue(session=s, environment_id=env_id, messages=messages, now=T0)
        s.commit()
        return n


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The Standard Webhooks check, written from the spec (not with the code under test)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers["webhook-signature"].split(" "))


def _statuses(db: Any) -> list[str]:
    with db.engine.connect() as c:
        return [r[0] for r in c.execute(sa.text("SELECT status FROM webhook_delivery"))]


@pytest.fixture
def env_id(factory: Any) -> int:
    return int(factory.environment().environment.id)


def test_each_message_is_signed_per_the_standard_webhooks_spec(db: Any, env_id: int) -> None:
    with receiver() as r:
        sub = _subscribe(db, env_id, r.url, ["guide.completed"])
        _enqueue(db, env_id, [("guide.completed", {"user_id": "u1", "guide": "welcome"})])
        assert worker.deliver_due(db=db, now=Clock(T0)) == {"delivered": 1}
    (got,) = r.requests
    assert _verify(sub.secret, got.headers, got.body)
    assert got.headers["webhook-timestamp"] == str(int(T0.timestamp()))
    assert got.headers["webhook-id"].startswith("msg_")
    body = orjson.loads(got.body)
    assert body == {"type": "guide.completed", "timestamp": "2026-11-20T08:00:00Z",
                    "data": {"user_id": "u1", "guide": "welcome"}}
    tampered = got.body.replace(b"u1", b"u2")
    assert not _verify(sub.secret, got.headers, tampered)


def test_receiver_failing_three_times_gets_each_message_exactly_once_by_id(
    db: Any, env_id: int
) -> None:
    clock = Clock(T0)
    with receiver(fail_first=3) as r:
        _subscribe(db, env_id, r.url, ["survey.answered", "segment.entered"])
        n = _enqueue(db, env_id, [("survey.answered", {"user_id": f"u{i}"}) for i in range(5)]
                     + [("segment.entered", {"user_id": "u9", "segment": "vip"})])
        assert n == 6
        waits = []
        for _ in range(12):
            worker.deliver_due(db=db, now=clock, batch=4)
            with db.session() as s:
                due = s.execute(sa.select(sa.func.min(WebhookDelivery.next_attempt_at)).where(
                    WebhookDelivery.status == "pending")).scalar()
            if due is None:
                break
            waits.append(round((due - clock.now).total_seconds()))
            clock.now = max(clock.now, due)
    ok = r.successful_ids()
    assert len(ok) == 6 and len(set(ok)) == 6  # every id delivered successfully, once
    assert all(n == 4 for n in r.tries.values())  # 3 failures then the success
    assert _statuses(db) == ["delivered"] * 6
    assert 60 in waits and 300 in waits and 1800 in waits  # the backoff schedule
    with db.engine.connect() as c:
        attempts = c.execute(sa.text("SELECT count(*) FROM webhook_attempt")).scalar()
    assert attempts == 24


def test_worker_killed_after_claiming_loses_nothing(db: Any, env_id: int) -> None:
    with receiver() as r:
        _subscribe(db, env_id, r.url, ["guide.completed"])
        _enqueue(db, env_id, [("guide.completed", {"user_id": f"u{i}"}) for i in range(3)])
        # A worker claims every row and dies before sending anything.
        claimed = worker.claim(db=db, now=T0, lease_seconds=120)
        assert len(claimed) == 3
        # While the lease holds, nobody else takes them…
        assert worker.deliver_due(db=db, now=Clock(T0 + timedelta(seconds=60))) == {}
        # …and once it expires another worker delivers them all.
        later = Clock(T0 + timedelta(seconds=121))
        assert worker.deliver_due(db=db, now=later) == {"delivered": 3}
    assert sorted(r.successful_ids()) == sorted(c.message_id for c in claimed)
    assert _statuses(db) == ["delivered"] * 3


def test_a_late_result_from_a_worker_whose_lease_expired_does_not_override(
    db: Any, env_id: int
) -> None:
    with receiver() as r:
        _subscribe(db, env_id, r.url, ["guide.completed"])
        _enqueue(db, env_id, [("guide.completed", {"user_id": "u1"})])
        (slow,) = worker.claim(db=db, now=T0, lease_seconds=10)
        # Its lease expires; another worker fails to deliver and schedules a retry.
        later = T0 + timedelta(seconds=11)
        assert worker.deliver_due(db=db, now=Clock(later), post=lambda *a: 503) == {"pending": 1}
        assert worker.record(db=db, item=slow, status=200, error=None, duration_ms=1,
                             now=later) == "lost-lease"
    assert _statuses(db) == ["pending"]


def test_backoff_schedule_spans_24_hours_then_gives_up() -> None:
    now, times = T0, []
    for attempts in range(1, 20):
        nxt = worker.next_attempt_at(created_at=T0, attempts=attempts, now=now)
        if nxt is None:
            break
        times.append(nxt - now)
        now = nxt
    assert times[:6] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                         timedelta(hours=2), timedelta(hours=6), timedelta(hours=12)]
    assert now == T0 + timedelta(hours=24)
    assert len(times) == 7


def test_network_errors_are_retried_and_then_marked_failed(db: Any, env_id: int) -> None:
    _subscribe(db, env_id, "http://127.0.0.1:9/never", ["guide.completed"])
    _enqueue(db, env_id, [("guide.completed", {"user_id": "u1"})])

    def refuse(*_: Any) -> int:
        raise ConnectionRefusedError("refused")

    clock = Clock(T0)
    outcomes = []
    for _ in range(10):
        outcomes.append(worker.deliver_due(db=db, now=clock, post=refuse))
        clock.advance(hours=13)
    assert {"failed": 1} in outcomes
    assert _statuses(db) == ["failed"]


def test_subscriptions_refuse_plain_http_except_loopback_when_allowed(
    session: Any, env_id: int
) -> None:
    with pytest.raises(service.WebhookError, match="https"):
        service.create_subscription(session=session, environment_id=env_id,
                                    url="http://crm.example.com/hook",
                                    event_types=["guide.completed"], allow_loopback_http=True)
    with pytest.raises(service.WebhookError, match="https"):
        service.create_subscription(session=session, environment_id=env_id,
                                    url="http://127.0.0.1:8000/hook",
                                    event_types=["guide.completed"])
    with pytest.raises(service.WebhookError, match="unknown event type 'nope'"):
        service.create_subscription(session=session, environment_id=env_id,
                                    url="https://crm.example.com/hook", event_types=["nope"])

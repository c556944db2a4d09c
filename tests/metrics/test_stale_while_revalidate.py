"""Stale-while-revalidate in the metrics result cache (server/metrics/cache.py).

A session that allows stale results gets the last result at once when the data changed,
while one background refresh per slot recomputes it; `fresh` and a window of 0 compute
synchronously; a failing refresh keeps the old value. The REST API says `computed_at`
and `stale`, and `?fresh=1` waits. Runs on the database under test (SQLite, or PostgreSQL
with SHIRUBE_TEST_POSTGRES_URL); every wait is bounded, nothing depends on timing but
the explicit window test.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from server.metrics import cache, warm
from server.models import Event
from server.settings import Settings
from tests.api.v1_support import Api, api_fixture, client_fixture  # noqa: F401

_ev = Event.__table__  # type: ignore[attr-defined]
_serial = itertools.count(1)


class Probe:
    """A cached function counting the environment's events, which can be made to block
    or fail, recording the thread of each computation."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False
        self.tag = f"probe-{next(_serial)}-{time.monotonic_ns()}"  # a fresh slot per test

        @cache.cached
        def count_events(*, session: Session, environment_id: int, tag: str) -> int:
            self.threads.append(threading.current_thread().name)
            if self.fail:
                raise RuntimeError("the database went away")
            assert self.gate.wait(20), "the test never opened the gate"
            return int(session.execute(sa.select(sa.func.count()).select_from(_ev)
                                       .where(_ev.c.environment_id == environment_id))
                       .scalar())

        self.func = count_events

    def read(self, db: Any, env_id: int, *, window: float = 300,
             fresh: bool = False) -> tuple[int, cache.Freshness]:
        """One "request": a new session allowing `window` seconds of staleness."""
        with Session(db.engine) as s:
            cache.serve_stale(s, window, fresh=fresh)
            value = self.func(session=s, environment_id=env_id, tag=self.tag)
            return value, cache.freshness(s)

    @property
    def background(self) -> int:
        return sum(1 for t in self.threads if t.startswith("metrics-refresh"))


def _add_events(db: Any, env_id: int, n: int = 1) -> None:
    now = datetime.now(UTC)
    with db.session() as s:
        for _ in range(n):
            k = next(_serial)
            s.add(Event(environment_id=env_id, uuid=f"00000000-0000-7000-9000-{k:012d}",
                        type="track", name="opened", user_id=f"u{k}", properties={},
                        timestamp=now, received_at=now))
        s.commit()


@pytest.fixture
def env_id(factory: Any) -> int:
    return int(factory.environment().environment.id)


@pytest.fixture
def probe() -> Iterator[Probe]:
    p = Probe()
    yield p
    p.fail = False
    p.gate.set()
    assert cache.wait_idle(30)


def test_stale_result_is_served_at_once_and_the_refresh_replaces_it(
    db: Any, env_id: int, probe: Probe
) -> None:
    _add_events(db, env_id, 2)
    first, seen = probe.read(db, env_id)
    assert first == 2 and seen.stale is False and probe.threads == ["MainThread"]
    _add_events(db, env_id)
    stats = cache.stats()
    again, served = probe.read(db, env_id)
    # The old figure, flagged, with its own time: the new one is being computed.
    assert again == 2 and served.stale is True and served.computed_at == seen.computed_at
    assert cache.wait_idle(30)
    assert probe.background == 1 and cache.stats()["refreshes"] == stats["refreshes"] + 1
    now, current = probe.read(db, env_id)
    assert now == 3 and current.stale is False and current.computed_at > seen.computed_at
    assert probe.background == 1  # served from the refreshed entry, not recomputed


def test_one_refresh_per_slot_however_many_stale_reads(
    db: Any, env_id: int, probe: Probe
) -> None:
    probe.read(db, env_id)
    _add_events(db, env_id)
    probe.gate.clear()  # the refresh will wait inside the computation
    results = [probe.read(db, env_id) for _ in range(5)]
    assert [v for v, _ in results] == [0] * 5 and all(f.stale for _, f in results)
    deadline = time.monotonic() + 20
    while probe.background == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert probe.background == 1  # running, and no second one was started
    probe.gate.set()
    assert cache.wait_idle(30)
    assert probe.background == 1
    assert probe.read(db, env_id)[0] == 1


def test_fresh_and_a_zero_window_compute_synchronously(
    db: Any, env_id: int, probe: Probe
) -> None:
    probe.read(db, env_id)
    _add_events(db, env_id)
    value, served = probe.read(db, env_id, fresh=True)
    assert value == 1 and served.stale is False and probe.background == 0
    _add_events(db, env_id)
    value, served = probe.read(db, env_id, window=0)
    assert value == 2 and served.stale is False and probe.background == 0
    # A session that did not opt in (metric functions called directly) is never stale.
    _add_events(db, env_id)
    with Session(db.engine) as s:
        assert probe.func(session=s, environment_id=env_id, tag=probe.tag) == 3
        assert cache.freshness(s).stale is False


def test_an_entry_older_than_the_window_is_recomputed_synchronously(
    db: Any, env_id: int, probe: Probe
) -> None:
    probe.read(db, env_id)
    _add_events(db, env_id)
    time.sleep(0.3)
    value, served = probe.read(db, env_id, window=0.2)
    assert value == 1 and served.stale is False and probe.background == 0


def test_a_failing_refresh_keeps_the_old_value_and_reaches_no_request(
    db: Any, env_id: int, probe: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    probe.read(db, env_id)
    _add_events(db, env_id)
    probe.fail = True
    errors = cache.stats()["refresh_errors"]
    value, served = probe.read(db, env_id)
    assert value == 0 and served.stale is True
    assert cache.wait_idle(30)
    assert cache.stats()["refresh_errors"] == errors + 1
    assert "previous result is kept" in caplog.text
    value, served = probe.read(db, env_id)  # still the old value, and another try
    assert value == 0 and served.stale is True
    assert cache.wait_idle(30)
    probe.fail = False
    probe.read(db, env_id)
    assert cache.wait_idle(30)
    assert probe.read(db, env_id)[0] == 1


def test_warming_computes_the_default_views_in_the_background(
    db: Any, env_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm, "_last", {})  # PostgreSQL tests reuse database and env ids
    today = datetime.now(UTC).date()
    views = warm.default_views(today)
    with Session(db.engine) as s:
        assert warm.after_rollups(s, env_id, refreshed=True, today=today,
                                  stale_seconds=0) == 0
        assert warm.after_rollups(s, env_id, refreshed=True, today=today,
                                  stale_seconds=300) == len(views)
        assert cache.wait_idle(60)
        # Warmed a moment ago: a new fold does not start it again yet…
        assert warm.after_rollups(s, env_id, refreshed=True, today=today,
                                  stale_seconds=300) == 0
        # …and when it is due, every default view is current: nothing to schedule.
        assert cache.warm(s, env_id, views) == 0
        hits = cache.stats()["hits"]
        for func, params in views:
            func(session=s, environment_id=env_id, **params)
        assert cache.stats()["hits"] == hits + len(views)
        # Nothing new folded: no work, however long ago the last warm-up was.
        monkeypatch.setattr(warm, "WARM_INTERVAL_SECONDS", 0.0)
        assert warm.after_rollups(s, env_id, refreshed=False, today=today,
                                  stale_seconds=300) == 0
    _add_events(db, env_id)
    with Session(db.engine) as s:  # new data, and the interval is over: all of them again
        assert warm.after_rollups(s, env_id, refreshed=True, today=today,
                                  stale_seconds=300) == len(views)
        assert cache.wait_idle(60)


# ---- through the REST API ------------------------------------------------------------------

@pytest.fixture
def settings(database_url: str) -> Settings:
    """This module's app allows 5 minutes of staleness (the production default)."""
    return Settings(database_url=database_url, environment="test", metrics_stale_seconds=300)


def test_the_api_says_how_fresh_and_fresh_1_waits(api: Api, db: Any) -> None:
    env = api.created.environment.id
    _add_events(db, env, 2)
    first = api.get("/metrics/active").json()
    assert first["active_users"] == 2 and first["stale"] is False
    assert cache.wait_idle(60)  # the first request of the environment warmed the defaults
    _add_events(db, env)
    second = api.get("/metrics/active").json()
    assert second["active_users"] == 2 and second["stale"] is True
    assert second["computed_at"] == first["computed_at"]
    forced = api.get("/metrics/active", params={"fresh": "1"}).json()
    assert forced["active_users"] == 3 and forced["stale"] is False
    assert forced["computed_at"] > first["computed_at"]
    assert cache.wait_idle(60)
    later = api.get("/metrics/active/users").json()
    assert len(later["data"]) == 3 and later["stale"] is False
    assert api.get("/metrics/active", params={"fresh": "maybe"}).status_code == 422

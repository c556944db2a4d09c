"""The metrics result cache (server/metrics/cache.py): served again only for the same data.

Runs on the database under test (SQLite, or PostgreSQL with SHIRUBE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.metrics import adoption, cache, churn, lifecycle, loyalty, rfm
from server.metrics.days import Period
from server.metrics.rollup import refresh_rollups
from server.models import Account, EndUser, Event
from server.people.upsert import PersonInput, upsert_accounts
from tests.api.v1_support import Api, api_fixture, client_fixture  # noqa: F401

from .conftest import Loaded
from .fixture import AS_OF, GUIDE_DEF, build, load

ASOF = {"as_of": AS_OF.isoformat()}


def _event(env_id: int, user: str, account: str | None, at: datetime, n: int) -> Event:
    return Event(environment_id=env_id, uuid=f"00000000-0000-7000-8000-{n:012d}",
                 type="track", name="opened", user_id=user, account_id=account,
                 properties={}, timestamp=at, received_at=at)


def _refresh(db: Any, env_id: int) -> None:
    with db.session() as s:
        refresh_rollups(session=s, environment_id=env_id, now=datetime.now(UTC), lag_seconds=0)
        s.commit()


def test_a_repeat_read_is_a_hit_and_equals_the_uncached_computation(loaded: Loaded) -> None:
    s, env = loaded.session, loaded.env_id
    cache.clear()
    before = cache.stats()
    first = rfm.rfm(session=s, environment_id=env, as_of=AS_OF)
    again = rfm.rfm(session=s, environment_id=env, as_of=AS_OF)
    after = cache.stats()
    assert again is first
    assert after["hits"] - before["hits"] == 1
    assert after["misses"] - before["misses"] == 1
    assert first == rfm.rfm.__wrapped__(session=s, environment_id=env, as_of=AS_OF)  # type: ignore[attr-defined]
    # Other arguments are other entries.
    other = rfm.rfm(session=s, environment_id=env, as_of=AS_OF, window_days=30)
    assert other is not first
    assert other == rfm.rfm.__wrapped__(session=s, environment_id=env, as_of=AS_OF,  # type: ignore[attr-defined]
                                        window_days=30)


def test_new_events_after_a_read_change_the_next_read(loaded: Loaded) -> None:
    s, env, db = loaded.session, loaded.env_id, loaded.db
    cache.clear()
    period = Period.ending(as_of=AS_OF, days=30)
    tiers = adoption.usage_tiers(session=s, environment_id=env, as_of=AS_OF)
    version = cache.data_version(s, env)
    s.commit()  # end the read transaction: the next reads see the new rows
    at = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)
    with db.session() as w:
        w.add(_event(env, "brand-new-user", None, at, 1))
        w.commit()
    # Before the rollups fold it in, the version already differs (an event past the mark).
    assert cache.data_version(s, env) != version
    s.commit()
    _refresh(db, env)
    after = adoption.usage_tiers(session=s, environment_id=env, as_of=AS_OF)
    assert after is not tiers
    assert "brand-new-user" in after.tiers["monthly"]
    assert "brand-new-user" not in {u for ids in tiers.tiers.values() for u in ids}
    assert after == adoption.usage_tiers.__wrapped__(  # type: ignore[attr-defined]
        session=s, environment_id=env, as_of=AS_OF)
    # A user active only before P and then active in P again leaves the churned list.
    gone = churn.churn(session=s, environment_id=env, period=period)
    assert gone.churned
    back = gone.churned[0]
    s.commit()
    with db.session() as w:
        w.add(_event(env, back, None, at, 2))
        w.commit()
    _refresh(db, env)
    now = churn.churn(session=s, environment_id=env, period=period)
    marked = churn.explicitly_churned(session=s, environment_id=env, before=period.end_at)
    assert (back in now.churned) == (back in marked)
    assert len(now.churned) == len(gone.churned) - (back not in marked)


def test_a_trait_change_changes_the_next_read(loaded: Loaded) -> None:
    s, env, db = loaded.session, loaded.env_id, loaded.db
    cache.clear()
    matrix = loyalty.loyalty_matrix(session=s, environment_id=env, as_of=AS_OF)
    s.commit()
    rich = max(loaded.data.accounts, key=lambda a: str(a))
    with db.session() as w:  # the admin people import: merges traits, no event
        upsert_accounts(session=w, environment_id=env, now=datetime.now(UTC),
                        accounts=[PersonInput(rich, {"mrr": 10 ** 9})])
        w.commit()
    again = loyalty.loyalty_matrix(session=s, environment_id=env, as_of=AS_OF)
    assert again is not matrix
    assert again == loyalty.loyalty_matrix.__wrapped__(  # type: ignore[attr-defined]
        session=s, environment_id=env, as_of=AS_OF)


def test_nested_calls_share_one_version_and_results_match(loaded: Loaded) -> None:
    s, env = loaded.session, loaded.env_id
    cache.clear()
    flow = lifecycle.lifecycle_flow(session=s, environment_id=env, as_of=AS_OF)
    # lifecycle_flow cached the two lifecycle_stages it computed: both are hits now.
    before = cache.stats()["hits"]
    stages = lifecycle.lifecycle_stages(session=s, environment_id=env, as_of=AS_OF)
    assert cache.stats()["hits"] == before + 1
    assert stages.stages == flow.stages
    plain = lifecycle.lifecycle_flow.__wrapped__(  # type: ignore[attr-defined]
        session=s, environment_id=env, as_of=AS_OF)
    assert plain == flow


def test_entries_are_per_database_and_environment(db: Any, factory: Any) -> None:
    """Two environments with identical data keep separate entries (and equal figures)."""
    cache.clear()
    data = build()
    results = []
    for name in ("production", "staging"):
        created = factory.environment(name=name)
        factory.guides(created, GUIDE_DEF)
        env = created.environment.id
        load(db, env, data)
        _refresh(db, env)
        with db.session() as s:
            results.append(rfm.rfm(session=s, environment_id=env, as_of=AS_OF))
    assert results[0] is not results[1]
    assert results[0] == results[1]
    assert cache.stats()["misses"] >= 2


def test_the_api_serves_new_data_on_the_next_request(api: Api, db: Any, factory: Any) -> None:
    factory.guides(api.created, GUIDE_DEF)
    env = api.created.environment.id
    load(db, env, build())
    cache.clear()
    r = api.get("/metrics/usage-tiers", params=ASOF)
    assert r.status_code == 200, r.text
    first = r.json()
    assert api.get("/metrics/usage-tiers", params=ASOF).json() == first
    at = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    with db.session() as w:
        for n in range(3):
            w.add(_event(env, f"late-{n}", None, at + timedelta(minutes=n), 10 + n))
        w.commit()
    second = api.get("/metrics/usage-tiers", params=ASOF).json()
    assert second != first
    assert second["tiers"]["monthly"] == first["tiers"]["monthly"] + 3


@pytest.mark.parametrize("level", ["user", "account"])
def test_version_reads_one_row_and_sees_new_people(loaded: Loaded, level: str) -> None:
    s, env, db = loaded.session, loaded.env_id, loaded.db
    version = cache.data_version(s, env)
    assert cache.data_version(s, env) == version  # stable while nothing changes
    s.commit()
    model: Any = EndUser if level == "user" else Account
    with db.session() as w:
        w.add(model(environment_id=env, external_id=f"new-{level}", traits={"mrr": 1}))
        w.commit()
    assert cache.data_version(s, env) != version

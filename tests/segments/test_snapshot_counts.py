"""Event counts read ahead in bootstrap's snapshot statement (server/delivery/counts.py)
equal what the per-request queries count: plain events with and without a window, a
feature with event and URL rules (grouped rows, URL matched in Python) and one without.
And a new event changes a remembered answer at once."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from datetime import UTC, datetime, timedelta
from typing import Any

from server.delivery.bootstrap import _event_counter, read_snapshot
from server.fastsql import FastSQL
from server.segments.delivery import _count_uses
from server.targeting.context import EvalContext
from tests.api.sdkclient import SdkClient
from tests.api.v1_support import Api
from tests.asyncio_support import run


def _use(kind: str, user: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "user_id": user,
            "timestamp": at.isoformat(), **fields}


def test_snapshot_counts_equal_the_per_request_counts(
    factory: Any, env: Any, api: Api, sdk: SdkClient, client: Any
) -> None:
    for feature in (
        {"key": "reports", "name": "Reports",
         "rules": [{"kind": "url", "url": {"match": "prefix", "value": "/app/reports"}},
                   {"kind": "event", "name": "report_exported"}]},
        {"key": "export", "name": "Export", "rules": [{"kind": "event", "name": "exported"}]},
    ):
        assert api.post("/features", json=feature).status_code == 201
    r = api.post("/segments", json={
        "key": "busy", "name": "Busy", "kind": "rule", "definition": {"any": [
            {"feature": "reports", "op": "used", "value": 2, "within_days": 30},
            {"feature": "export", "op": "used"},
            {"event": "invited", "op": "count_gte", "value": 1, "within_days": 7}]}})
    assert r.status_code == 201, r.text
    factory.guides(env, {
        "key": "g", "name": "G", "type": "modal",
        "audience": {"any": [{"segment": "busy", "op": "member"},
                             {"event": "invited", "op": "count_gte", "value": 3}]},
        "steps": [{"kind": "modal", "title": "Hi", "body": "x"}]})
    now = datetime.now(UTC)
    day = timedelta(days=1)
    assert sdk.send([
        _use("page_view", "u1", now - day, properties={"url": "https://a.test/app/reports/7"}),
        _use("page_view", "u1", now - day, properties={"url": "https://a.test/app/home"}),
        _use("page_view", "u1", now - 40 * day, properties={"url": "/app/reports/1"}),
        _use("track", "u1", now - 2 * day, name="report_exported"),
        _use("track", "u1", now - 2 * day, name="invited"),
        _use("track", "u1", now - 9 * day, name="invited"),
        _use("feature_used", "u2", now - 3 * day, name="export"),
        _use("track", "u2", now - 60 * day, name="exported"),
        _use("track", "u3", now - 10 * day, name="invited"),
    ]).json()["accepted"] == 9
    app = client.app
    fast, cache = app.state.fast, app.state.guide_cache
    sdk.bootstrap("u0")  # resolves the entry and notes the key
    entry = cache.hint(sdk.key)
    assert entry is not None and entry.count_plan is not None
    assert {(w.name, w.days) for w in entry.count_plan.windows} == {
        ("\0feature:reports", 30), ("\0feature:export", None), ("invited", 7), ("invited", None)}
    for user in ("u1", "u2", "u3", "u4"):
        snap = run(read_snapshot(fast, sdk.key, user, None, entry, now))
        assert snap is not None and snap.count_plan is entry.count_plan
        ctx = EvalContext(user_id=user, user_traits={}, account_id=None, account_traits={},
                          now=now)
        with fast.connection() as conn:
            cur = conn.cursor()
            plain = _event_counter(fast, cur, entry.environment_id, user, now)
            expected = {("invited", 7): plain("invited", 7),
                        ("invited", None): plain("invited", None)}
            assert entry.segment_plan is not None
            for key, days in (("reports", 30), ("export", None)):
                names, urls = entry.segment_plan.features[key]
                expected["\0feature:" + key, days] = _count_uses(
                    fast, cur, entry.environment_id, ctx, key, names, urls, days)
            cur.close()
        assert snap.counts == expected, user
    # The figures themselves (so the comparison above cannot pass on two zeros).
    first = run(read_snapshot(fast, sdk.key, "u1", None, entry, now))
    assert first is not None and first.counts == {
        ("\0feature:reports", 30): 2, ("\0feature:export", None): 0,
        ("invited", 7): 1, ("invited", None): 2}


def test_a_new_event_changes_a_remembered_answer_at_once(
    factory: Any, env: Any, sdk: SdkClient
) -> None:
    factory.guides(env, {
        "key": "g", "name": "G", "type": "modal",
        "audience": {"event": "invited", "op": "count_lt", "value": 1, "within_days": 7},
        "steps": [{"kind": "modal", "title": "Hi", "body": "x"}]})
    for _ in range(3):  # new user, computed, remembered
        assert sdk.guide_keys("u9") == ["g"]
    now = datetime.now(UTC)
    assert sdk.send([_use("track", "u9", now, name="invited")]).json()["accepted"] == 1
    assert sdk.guide_keys("u9") == []


def test_batched_snapshots_equal_single_ones(
    factory: Any, env: Any, api: Api, sdk: SdkClient, client: Any
) -> None:
    """PostgreSQL: the bootstraps of one loop iteration share one statement
    (`SnapshotBatcher`); each gets exactly the row a statement of its own reads."""
    import asyncio

    fast = client.app.state.fast
    if fast.is_sqlite:
        import pytest

        pytest.skip("batching is PostgreSQL's (SQLite reads are in-process)")
    r = api.post("/segments", json={"key": "inv", "name": "Inv", "kind": "rule",
                                    "definition": {"event": "invited", "op": "count_gte",
                                                   "value": 1, "within_days": 7}})
    assert r.status_code == 201, r.text
    factory.guides(env, {"key": "g", "name": "G", "type": "modal",
                         "audience": {"segment": "inv", "op": "member"},
                         "steps": [{"kind": "modal", "title": "Hi", "body": "x"}]})
    now = datetime.now(UTC)
    assert sdk.send([_use("track", "u1", now - timedelta(days=1), name="invited"),
                     _use("guide_seen", "u2", now, guide="g")]).json()["accepted"] == 2
    for user in ("u1", "u2", "u3"):
        sdk.bootstrap(user, {"n": user})
    entry = client.app.state.guide_cache.hint(sdk.key)
    asks = [(sdk.key, "u1", None), (sdk.key, "u2", None), (sdk.key, "u3", "acme"),
            ("pk_unknown", "u1", None), (sdk.key, "nobody", None)]

    from server.fastsql import FastSQL

    async def both() -> tuple[list[Any], list[Any], int]:
        own = FastSQL(fast.engine)  # its event-loop pool on this loop, not the app's
        await own.start()
        try:
            # One statement each (asyncpg, not batched): read_snapshot batches only when it
            # sees the pool.
            own.loop_pool = lambda: None  # type: ignore[method-assign]
            single = [await read_snapshot(own, k, u, a, entry, now) for k, u, a in asks]
            del own.loop_pool
            calls = []
            pool = own.loop_pool()
            assert pool is not None
            real = pool.fetch
            pool.fetch = lambda *a: calls.append(1) or real(*a)  # type: ignore[method-assign]
            batched = await asyncio.gather(*(read_snapshot(own, k, u, a, entry, now)
                                             for k, u, a in asks))
        finally:
            await own.stop()
        return single, batched, len(calls)

    single, batched, statements = run(both())
    assert statements == 1
    assert single[3] is None and batched[3] is None
    for one, many in zip(single, batched, strict=True):
        if one is not None:
            assert many is not None
            assert many.fingerprint == one.fingerprint and many.counts == one.counts
            assert (many.environment_id, many.version) == (one.environment_id, one.version)
    assert single[0].counts == {("invited", 7): 1}
    assert single[1].states and single[1].states[0][0] == "g"


def test_names_with_quotes_count_and_window_starts_match_the_stored_format(
    factory: Any, env: Any, sdk: SdkClient, client: Any
) -> None:
    """SQLite's snapshot binds the user and each window start once (numbered parameters)
    and writes names as SQL literals: a quote in a name stays a quote. The starts are
    built from a cached date and the request's time of day: equal to `FastSQL.ts`."""
    import random

    name = "it's \"done\" -- ok"
    factory.guides(env, {
        "key": "g", "name": "G", "type": "modal",
        "audience": {"event": name, "op": "count_gte", "value": 2, "within_days": 7},
        "steps": [{"kind": "modal", "title": "Hi", "body": "x"}]})
    now = datetime.now(UTC)
    assert sdk.send([_use("track", "q1", now - timedelta(days=1), name=name),
                     _use("track", "q1", now - timedelta(days=2), name=name),
                     _use("track", "q1", now - timedelta(days=8), name=name),
                     _use("track", "q1", now - timedelta(days=1), name="its")]).json()["accepted"] == 4
    assert sdk.guide_keys("q1") == ["g"]
    fast, cache = client.app.state.fast, client.app.state.guide_cache
    entry = cache.hint(sdk.key)
    snap = run(read_snapshot(fast, sdk.key, "q1", None, entry, now))
    assert snap is not None and snap.counts == {(name, 7): 2}
    plan = entry.count_plan
    if fast.is_sqlite:
        assert "?4" in (plan.sqlite_columns() or "")
    rng = random.Random(7)
    sqlite_format = SimpleNamespace(is_sqlite=True)  # FastSQL.ts as SQLite stores it
    for _ in range(500):
        at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.random() * 3e8)
        assert plan.sqlite_starts(at) == tuple(
            FastSQL.ts(sqlite_format, at - timedelta(days=d)) for d in plan.lengths())  # type: ignore[arg-type]


def test_a_name_no_literal_can_carry_leaves_the_numbered_statement() -> None:
    from server.delivery.counts import CountPlan, _Window

    assert CountPlan((_Window("a\x00b", 7, None),)).sqlite_columns() is None
    columns = CountPlan((_Window("o'k", 7, None), _Window("x", None, None))).sqlite_columns()
    assert columns is not None and "'o''k'" in columns and "?4" in columns and "?5" not in columns

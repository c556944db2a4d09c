"""Targeting by computed segments end to end through the SDK and admin APIs.

A detractor gets the "help" guide, a promoter in loyalty cell A the "review" guide,
nobody gets a guide twice, and the fatigue budget holds across devices.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.sdkclient import SdkClient
from tests.api.v1_support import Api
from tests.surveys.support import answer


def _modal(key: str, priority: int, audience: dict[str, Any] | None) -> dict[str, Any]:
    d: dict[str, Any] = {"key": key, "name": key.title(), "type": "modal", "priority": priority,
                         "trigger": {"on": "page_load"},
                         "steps": [{"kind": "modal", "title": key, "body": "Hi"}]}
    if audience is not None:
        d["audience"] = audience
    return d


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seen(user: str, guide: str, at: datetime) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": "guide_seen", "user_id": user, "guide": guide,
            "step": 0, "timestamp": _iso(at)}


def _guides(sdk: SdkClient, user: str) -> dict[str, dict[str, Any]]:
    r = sdk.bootstrap(user)
    assert r.status_code == 200, r.text
    return {g["key"]: g for g in r.json()["guides"]}


def _setup(factory: Any, env: Any, api: Api, sdk: SdkClient) -> datetime:
    for body in (
        {"key": "detractors", "name": "Detractors", "kind": "computed",
         "definition": {"metric": "nps", "category": "detractor"}},
        {"key": "cell-a", "name": "Loyalty cell A", "kind": "computed",
         "definition": {"metric": "loyalty", "cell": "A"}},
        {"key": "promoters-a", "name": "Promoters in A", "kind": "rule",
         "definition": {"all": [{"attr": "user.nps_category", "op": "eq", "value": "promoter"},
                                {"segment": "cell-a", "op": "member"}]}},
    ):
        r = api.post("/segments", json=body)
        assert r.status_code == 201, r.text
    factory.guides(env,
                   _modal("help", 10, {"segment": "detractors", "op": "member"}),
                   _modal("review", 5, {"segment": "promoters-a", "op": "member"}),
                   _modal("tips", 1, None))
    now = datetime.now(UTC)
    for user, mrr in (("u-det", 100), ("u-pro", 900), ("u-pro-low", 10), ("u-pass", 500)):
        sdk.bootstrap(user, {"mrr": mrr})
    answers = [answer(u, ts=_iso(now - timedelta(hours=1)), score=s)
               for u, s in (("u-det", 3), ("u-pro", 10), ("u-pro-low", 9), ("u-pass", 8))]
    r = sdk.send(answers)
    assert r.status_code == 200 and r.json()["accepted"] == 4, r.text
    return now


def test_detractor_gets_help_promoter_in_cell_a_gets_review_nobody_twice_budget_holds(
    factory: Any, env: Any, api: Api, sdk: SdkClient
) -> None:
    now = _setup(factory, env, api, sdk)
    # NPS segments move at intake, without a refresh.
    assert api.get("/segments/detractors").json()["members"] == 1
    r = api.post("/segments/refresh")
    assert r.status_code == 200, r.text
    assert r.json()["members"]["cell-a"] == 1  # median mrr 300: only u-pro is high and promoter
    members, _ = api.walk("/segments/cell-a/members")
    assert [m["user_id"] for m in members] == ["u-pro"]

    assert set(_guides(sdk, "u-det")) == {"help", "tips"}
    assert set(_guides(sdk, "u-pro")) == {"review", "tips"}
    assert set(_guides(sdk, "u-pro-low")) == {"tips"}  # promoter, but cell D
    assert set(_guides(sdk, "u-pass")) == {"tips"}

    # They see their guide (on another device, say); neither gets it again.
    assert sdk.send([_seen("u-det", "help", now - timedelta(minutes=2)),
                     _seen("u-pro", "review", now - timedelta(minutes=2))]).status_code == 200
    det, pro = _guides(sdk, "u-det"), _guides(sdk, "u-pro")
    assert "help" not in det and "review" not in pro
    # The budget: an interruptive guide 2 minutes ago, cooldown 10 minutes — "tips" may
    # still be shown by hand but will not start by itself.
    for guides in (det, pro):
        assert guides["tips"]["trigger"]["on"] == "manual"
        assert guides["tips"]["throttled"] is True
    fresh = _guides(sdk, "u-pass")["tips"]
    assert fresh["trigger"]["on"] == "page_load" and "throttled" not in fresh


def test_daily_maximum_holds_when_the_cooldown_is_over(
    factory: Any, env: Any, sdk: SdkClient
) -> None:
    factory.guides(env, *[_modal(f"g{i}", i, None) for i in range(5)])
    now = datetime.now(UTC)
    sdk.send([_seen("u1", f"g{i}", now - timedelta(hours=3 + i)) for i in range(3)])
    guides = _guides(sdk, "u1")
    assert set(guides) == {"g3", "g4"}
    assert all(g["trigger"]["on"] == "manual" for g in guides.values())  # 3 of 3 today


def test_rule_segment_with_feature_and_guide_leaves_is_evaluated_at_bootstrap(
    factory: Any, env: Any, api: Api, sdk: SdkClient
) -> None:
    r = api.post("/segments", json={
        "key": "exporters-done", "name": "Exporters who finished onboarding", "kind": "rule",
        "definition": {"all": [{"feature": "export", "op": "used", "within_days": 30},
                               {"guide": "onboarding", "op": "completed"}]}})
    assert r.status_code == 201, r.text
    factory.guides(env, _modal("pro-tips", 1, {"segment": "exporters-done", "op": "member"}))
    now = datetime.now(UTC)
    assert "pro-tips" not in _guides(sdk, "u1")
    sdk.send([{"id": str(uuid.uuid4()), "type": "feature_used", "name": "export",
               "user_id": "u1", "timestamp": _iso(now - timedelta(days=1))}])
    assert "pro-tips" not in _guides(sdk, "u1")
    sdk.send([{"id": str(uuid.uuid4()), "type": "guide_completed", "user_id": "u1",
               "guide": "onboarding", "timestamp": _iso(now - timedelta(hours=1))}])
    assert "pro-tips" in _guides(sdk, "u1")
    # The same evaluator materialises it for lists.
    assert api.post("/segments/exporters-done/refresh").json()["members"] == {
        "exporters-done": 1}


def _use(kind: str, user: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "user_id": user, "timestamp": _iso(at),
            **fields}


def test_feature_leaf_counts_the_uses_adoption_counts_in_batch_and_at_bootstrap(
    factory: Any, env: Any, api: Api, sdk: SdkClient, db: Any
) -> None:
    """A use is a `feature_used` named by the key, a `track` named by an event rule, a
    `page_view` matching a URL rule (METRICS.md "Feature adoption") — not a `track` that
    merely carries the key's name, nor a page view elsewhere or too old."""
    from server.features.service import get_feature
    from server.features.usage import feature_usage
    from server.segments.delivery import session_segments
    from server.targeting.context import EvalContext

    feature = {"key": "reports", "name": "Reports",
               "rules": [{"kind": "url", "url": {"match": "prefix", "value": "/app/reports"}},
                         {"kind": "event", "name": "report_exported"}]}
    assert api.post("/features", json=feature).status_code == 201
    r = api.post("/segments", json={
        "key": "reporters", "name": "Used reports twice this month", "kind": "rule",
        "definition": {"feature": "reports", "op": "used", "value": 2, "within_days": 30}})
    assert r.status_code == 201, r.text
    r = api.post("/segments", json={
        "key": "non-reporters", "name": "Never used reports", "kind": "rule",
        "definition": {"feature": "reports", "op": "not_used"}})
    assert r.status_code == 201, r.text
    factory.guides(env, _modal("power", 2, {"segment": "reporters", "op": "member"}),
                   _modal("discover", 1, {"segment": "non-reporters", "op": "member"}))
    now = datetime.now(UTC)
    url = "https://app.acme.test"
    assert sdk.send([
        _use("page_view", "u1", now - timedelta(days=1),
             properties={"url": f"{url}/app/reports/7"}),
        _use("page_view", "u1", now - timedelta(days=1), properties={"url": f"{url}/app/home"}),
        _use("page_view", "u1", now - timedelta(days=40),
             properties={"url": f"{url}/app/reports/1"}),  # outside the 30 days
        _use("track", "u1", now - timedelta(days=2), name="reports"),  # not an event rule
        _use("page_view", "u2", now - timedelta(days=3), properties={"url": "/app/reports"}),
        _use("track", "u2", now - timedelta(days=3), name="report_exported"),
        _use("feature_used", "u3", now - timedelta(days=4), name="reports"),
        _use("feature_used", "u3", now - timedelta(days=5), name="reports"),
        _use("page_view", "u4", now - timedelta(days=5)),  # no URL: no use
    ]).json()["accepted"] == 9
    # Bootstrap: u2 (URL + event rule) and u3 (two clicks) used it twice in 30 days; u1
    # once (the other page, the old view and the look-alike track do not count).
    assert {u: {"power", "discover"} & set(_guides(sdk, u)) for u in ("u1", "u2", "u3", "u4")} \
        == {"u1": set(), "u2": {"power"}, "u3": {"power"}, "u4": {"discover"}}
    # The batch evaluator and the explainer's path agree with bootstrap.
    r = api.post("/segments/refresh")
    assert r.status_code == 200, r.text
    members, _ = api.walk("/segments/reporters/members")
    assert sorted(m["user_id"] for m in members) == ["u2", "u3"]
    members, _ = api.walk("/segments/non-reporters/members")
    assert sorted(m["user_id"] for m in members) == ["u4"]
    with db.session() as s:
        found = {u: session_segments(
            session=s, environment_id=env.environment.id, states={},
            ctx=EvalContext(user_id=u, user_traits={}, account_id=None, account_traits={},
                            now=now), audiences=[{"segment": "reporters", "op": "member"}])
            for u in ("u1", "u2", "u3")}
        # Adoption's definition of a use (server/features/usage.py) gives the same users.
        stored = get_feature(session=s, environment_id=env.environment.id, key="reports")
        assert stored is not None
        usage = feature_usage(session=s, environment_id=env.environment.id, feature=stored,
                              start=now - timedelta(days=30), end=now + timedelta(minutes=1))
    assert found == {"u1": frozenset(), "u2": {"reporters"}, "u3": {"reporters"}}
    assert usage.users == {"u1", "u2", "u3"} and usage.events == 5


def test_holdout_is_recorded_once_and_feeds_lift(
    factory: Any, env: Any, sdk: SdkClient, db: Any
) -> None:
    import sqlalchemy as sa

    from server.metrics.guides import recorded_holdout
    from server.targeting.eligibility import in_holdout

    factory.guides(env, {**_modal("held", 1, None), "holdout_percent": 50,
                         "goal": {"event": "report_created", "within_days": 7}})
    user = next(f"u{i}" for i in range(100) if in_holdout(f"u{i}", "held", 50))
    shown = next(f"u{i}" for i in range(100) if not in_holdout(f"u{i}", "held", 50))
    assert "held" in _guides(sdk, shown)
    sql = sa.text("SELECT user_id, holdout, updated_at FROM guide_state WHERE guide_key = 'held'")
    assert "held" not in _guides(sdk, user)
    with db.engine.connect() as c:
        first = c.execute(sql).all()
    assert len(first) == 1 and first[0][0] == user and bool(first[0][1]) is True
    assert "held" not in _guides(sdk, user)
    with db.engine.connect() as c:
        assert c.execute(sql).all() == first  # no write on repeat bootstraps
    with db.session() as s:
        assert recorded_holdout(session=s, environment_id=env.environment.id,
                                guide_key="held") == {user}


def test_session_segments_gives_the_explainer_what_bootstrap_sees(
    factory: Any, env: Any, api: Api, sdk: SdkClient, db: Any
) -> None:
    from server.segments.delivery import session_segments
    from server.targeting.context import EvalContext

    _setup(factory, env, api, sdk)
    api.post("/segments/refresh")
    rule = {"any": [{"segment": "promoters-a", "op": "member"},
                    {"segment": "detractors", "op": "member"}]}
    with db.session() as s:
        ctx = EvalContext(user_id="u-pro", user_traits={"nps_category": "promoter"},
                          account_id=None, account_traits={}, now=datetime.now(UTC))
        found = session_segments(session=s, environment_id=env.environment.id, ctx=ctx,
                                 states={}, audiences=[rule])
    assert found == {"cell-a", "promoters-a"}

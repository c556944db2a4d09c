"""The metrics REST API: auth, shapes, lists behind every count, bad parameters → 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from server.metrics import adoption, churn, guides, lifecycle, loyalty, rfm
from server.metrics.days import Period
from tests.api.v1_support import (  # noqa: F401
    Api,
    api_fixture,
    assert_error,
    client_fixture,
    other_fixture,
)

from .fixture import AS_OF, GUIDE, GUIDE_DEF, build, load

P = {"from": "2026-10-03", "to": AS_OF.isoformat()}
P100 = {"from": "2026-07-24", "to": AS_OF.isoformat()}
ASOF = {"as_of": AS_OF.isoformat()}


@pytest.fixture
def api_data(api: Api, db: Any, factory: Any) -> Api:
    factory.guides(api.created, GUIDE_DEF, {**GUIDE_DEF, "key": "no-goal", "holdout_percent": 0,
                                            "goal": None})
    load(db, api.created.environment.id, build())
    return api


def _ok(api: Api, path: str, **params: Any) -> Any:
    """The figures of a 200 answer, without the freshness fields every metrics answer has
    (computed from the current data here: the test settings allow no stale results)."""
    r = api.get(path, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.pop("stale") is False and isinstance(body.pop("computed_at"), str)
    return body


def test_every_metrics_route_needs_the_secret_key(api_data: Api) -> None:
    for path in ("/metrics/rfm", "/metrics/churn", f"/metrics/guides/{GUIDE}/funnel",
                 "/metrics/loyalty-matrix/users?cell=A"):
        assert_error(api_data.client.get(f"/api/v1{path}"), 401, "unauthorized")


def test_summaries_have_the_documented_shapes_and_the_domain_figures(api_data: Api,
                                                                     db: Any) -> None:
    env = api_data.created.environment.id
    matrix = _ok(api_data, "/metrics/loyalty-matrix", **ASOF)
    assert set(matrix) == {"threshold", "cells", "actions"}
    assert set(matrix["cells"]) == set("ABCDEF")
    stages = _ok(api_data, "/metrics/lifecycle", **ASOF)
    assert set(stages["stages"]) == {"get", "build", "grow", "keep"}
    ch = _ok(api_data, "/metrics/churn", **P)
    assert set(ch) == {"previous_active", "churned", "rate"}
    funnel = _ok(api_data, f"/metrics/guides/{GUIDE}/funnel", **P100)
    assert [s["step"] for s in funnel["steps"]] == [0, 1, 2]
    lift = _ok(api_data, f"/metrics/guides/{GUIDE}/lift", **P100)
    assert set(lift["shown"]) == {"n", "converted", "rate"} and len(lift["ci95"]) == 2
    assert lift["holdout_percent"] == 30 and lift["goal"] == {"event": "report_created",
                                                              "within_days": 7}
    rf = _ok(api_data, "/metrics/rfm", **ASOF, limit=5)
    assert set(rf["users"][0]) >= {"user_id", "r", "f", "m", "segment"}
    assert len(rf["users"]) == 5 and rf["next_cursor"]
    with db.session() as s:
        period = Period.of(start=AS_OF.replace(day=3, month=10), end=AS_OF)
        want_matrix = loyalty.loyalty_matrix(session=s, environment_id=env, as_of=AS_OF)
        assert matrix["cells"] == {k: len(v) for k, v in want_matrix.cells.items()}
        want_stages = lifecycle.lifecycle_stages(session=s, environment_id=env, as_of=AS_OF)
        assert stages["stages"] == {k: len(v) for k, v in want_stages.stages.items()}
        want_churn = churn.churn(session=s, environment_id=env, period=period)
        assert (ch["previous_active"], ch["churned"]) == (len(want_churn.previous_active),
                                                          len(want_churn.churned))
        want_rfm = rfm.rfm(session=s, environment_id=env, as_of=AS_OF)
        assert rf["segments"] == {k: len(v) for k, v in want_rfm.segments().items()}
        want_lift = guides.goal_lift(session=s, environment_id=env, guide_key=GUIDE,
                                     period=Period.of(start=AS_OF.replace(month=7, day=24),
                                                      end=AS_OF),
                                     goal_event="report_created", holdout_percent=30)
        assert lift["holdout"]["n"] == len(want_lift.holdout.users)
        tiers = adoption.usage_tiers(session=s, environment_id=env, as_of=AS_OF)
    assert _ok(api_data, "/metrics/usage-tiers", **ASOF)["tiers"] == {
        k: len(v) for k, v in tiers.tiers.items()}
    for path, params in [("/metrics/stickiness", P), ("/metrics/retention", P100),
                         ("/metrics/health", ASOF), ("/metrics/ltv", P), ("/metrics/breadth", P),
                         ("/metrics/active", P), ("/metrics/features/reports/adoption", P)]:
        _ok(api_data, path, **params)


def test_every_count_opens_to_its_paginated_list(api_data: Api) -> None:
    matrix = _ok(api_data, "/metrics/loyalty-matrix", **ASOF)["cells"]
    for cell, n in matrix.items():
        items, _ = api_data.walk("/metrics/loyalty-matrix/users", cell=cell, limit=2, **ASOF)
        assert len(items) == n
    stages = _ok(api_data, "/metrics/lifecycle", **ASOF)["stages"]
    for stage, n in stages.items():
        assert len(api_data.walk("/metrics/lifecycle/users", stage=stage, **ASOF)[0]) == n
    ch = _ok(api_data, "/metrics/churn", **P, level="account")
    assert len(api_data.walk("/metrics/churn/users", **P, level="account")[0]) == ch["churned"]
    rf = _ok(api_data, "/metrics/rfm", **ASOF)
    rows, pages = api_data.walk("/metrics/rfm/users", limit=7, **ASOF)
    assert len(rows) == sum(rf["segments"].values()) and pages > 1
    assert [r["user_id"] for r in rows] == sorted(r["user_id"] for r in rows)
    champions = api_data.walk("/metrics/rfm/users", segment="Champions", **ASOF)[0]
    assert len(champions) == rf["segments"]["Champions"]
    funnel = _ok(api_data, f"/metrics/guides/{GUIDE}/funnel", **P100)
    assert len(api_data.walk(f"/metrics/guides/{GUIDE}/funnel/users", group="step", step=1,
                             **P100)[0]) == funnel["steps"][1]["users"]
    lift = _ok(api_data, f"/metrics/guides/{GUIDE}/lift", **P100)
    conv = api_data.walk(f"/metrics/guides/{GUIDE}/lift/users", group="shown",
                         converted="true", **P100)[0]
    assert len(conv) == lift["shown"]["converted"]
    tiers = _ok(api_data, "/metrics/usage-tiers", **ASOF)["tiers"]
    assert len(api_data.walk("/metrics/usage-tiers/users", tier="dormant", **ASOF)[0]) == \
        tiers["dormant"]
    health = _ok(api_data, "/metrics/health", **ASOF)
    rows, _ = api_data.walk("/metrics/health/accounts", limit=3, **ASOF)
    assert len(rows) == health["accounts"] and rows[0]["score"] <= rows[-1]["score"]
    adopt = _ok(api_data, "/metrics/features/reports/adoption", **P)
    assert len(api_data.walk("/metrics/features/reports/adoption/users", **P)[0]) == \
        adopt["users"]
    ret = _ok(api_data, "/metrics/retention", **P100)["cohorts"][0]
    assert len(api_data.walk("/metrics/retention/users", cohort=ret["week_start"],
                             **P100)[0]) == ret["users"]
    active = _ok(api_data, "/metrics/active", **P)
    assert len(api_data.walk("/metrics/active/users", **P)[0]) == active["active_users"]


@pytest.mark.parametrize("path,params,status", [
    ("/metrics/churn", {"from": "2026-10-31", "to": "2026-10-01"}, 422),
    ("/metrics/churn", {"from": "yesterday"}, 422),
    ("/metrics/churn", {"level": "team"}, 422),
    ("/metrics/churn", {"frm": "2026-10-01"}, 422),
    ("/metrics/rfm", {"window_days": "0"}, 422),
    ("/metrics/rfm", {"monetary_trait": "a b"}, 422),
    ("/metrics/rfm/users", {"segment": "Nobody"}, 422),
    ("/metrics/loyalty-matrix/users", {"cell": "G"}, 422),
    ("/metrics/loyalty-matrix/users", {}, 422),
    ("/metrics/loyalty-matrix", {"threshold": "inf"}, 422),
    ("/metrics/lifecycle/users", {"stage": "grow", "cursor": "!!"}, 400),
    ("/metrics/retention/users", {"cohort": "2026-10-01"}, 422),
    (f"/metrics/guides/{GUIDE}/funnel/users", {"group": "step"}, 422),
    ("/metrics/guides/nope/funnel", {}, 404),
    ("/metrics/guides/nope/lift", {}, 404),
    ("/metrics/guides/no-goal/lift", {}, 409),
    ("/metrics/health/accounts", {"limit": "0"}, 422),
])
def test_bad_parameters_are_4xx_in_the_one_error_shape(api_data: Api, path: str,
                                                       params: dict[str, str],
                                                       status: int) -> None:
    assert_error(api_data.get(path, params=params), status)


def test_another_environment_sees_none_of_the_figures(api_data: Api, other: Api) -> None:
    assert _ok(other, "/metrics/active", **P) == {"active_users": 0, "active_accounts": 0}
    assert _ok(other, "/metrics/rfm", **ASOF)["users"] == []
    assert_error(other.get(f"/metrics/guides/{GUIDE}/funnel"), 404)

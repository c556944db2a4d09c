""""Why didn't it show?": the REST endpoint and the admin page list every check with
pass/fail and the value seen, from the same explain_guide the bootstrap agrees with."""

from __future__ import annotations

import json

from sqlmodel import select
from starlette.testclient import TestClient

from server.models import EndUser, GuideState

from .builder_support import TOUR, add_events, add_guides


def _user(world, user_id: str, traits: dict) -> None:
    with world.app.state.db.session() as s:
        s.add(EndUser(environment_id=world.envs["acme"].environment.id, external_id=user_id,
                      traits=traits))
        s.commit()


def _explain(world, key="reports-tour", **params):
    api = TestClient(world.app)
    return api.get(f"/api/v1/guides/{key}/explain", params=params,
                   headers={"Authorization": f"Bearer {world.envs['acme'].secret_key}"})


def _checks(body) -> dict:
    return {c["check"]: c for c in body["checks"]}


def test_rest_lists_each_check_with_the_audience_tree_and_the_value_seen(world):
    add_guides(world, TOUR)
    _user(world, "u-free", {"plan": "free"})
    add_events(world, {"type": "page_view", "user_id": "u-free",
                       "properties": {"url": "https://app.acme.test/app/reports?x=1"}})
    r = _explain(world, user_id="u-free")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shown"] is False and body["user_found"] is True and body["version"] == 1
    checks = _checks(body)
    assert list(checks) == ["published", "schedule", "frequency", "audience", "holdout", "trigger"]
    assert checks["audience"]["passed"] is False
    leaf = checks["audience"]["tree"]["children"][0]
    assert leaf["seen"] == "free" and leaf["passed"] is False and "user.plan" in leaf["reason"]
    assert checks["trigger"]["passed"] is True
    assert checks["trigger"]["seen"] == "https://app.acme.test/app/reports?x=1"
    assert all(checks[k]["passed"] for k in ("published", "schedule", "frequency", "holdout"))


def test_rest_shows_frequency_and_trigger_failures(world):
    add_guides(world, TOUR)
    _user(world, "u-pro", {"plan": "pro"})
    add_events(world, {"type": "page_view", "user_id": "u-pro",
                       "properties": {"url": "https://app.acme.test/settings"}})
    assert _explain(world, user_id="u-pro").json()["checks"][3]["passed"] is True
    from datetime import UTC, datetime

    with world.app.state.db.session() as s:
        s.add(GuideState(environment_id=world.envs["acme"].environment.id, user_id="u-pro",
                         guide_key="reports-tour", times_seen=1,
                         last_seen_at=datetime.now(UTC)))
        s.commit()
    checks = _checks(_explain(world, user_id="u-pro").json())
    assert checks["frequency"]["passed"] is False and checks["frequency"]["seen"]["times_seen"] == 1
    assert checks["trigger"]["passed"] is False and "does not match" in checks["trigger"]["reason"]


def test_rest_unknown_user_guide_and_bad_query(world):
    add_guides(world, TOUR)
    body = _explain(world, user_id="nobody").json()
    assert body["user_found"] is False and _checks(body)["trigger"].get("unknown") is True
    assert _explain(world, key="nope", user_id="x").status_code == 404
    assert _explain(world).status_code == 422
    assert _explain(world, user_id="x", extra="1").status_code == 422
    api = TestClient(world.app)
    assert api.get("/api/v1/guides/reports-tour/explain?user_id=x").status_code == 401


def test_rest_explains_the_draft_and_an_unpublished_guide(world):
    add_guides(world, {**TOUR, "key": "draft-only", "audience": None}, draft=True)
    body = _explain(world, key="draft-only", user_id="u").json()
    assert _checks(body)["published"]["passed"] is False and body["shown"] is False
    body = _explain(world, key="draft-only", user_id="u", draft="true").json()
    assert _checks(body)["published"]["passed"] is True and body["version"] is None


def test_admin_page_finds_users_and_lists_the_checks(world):
    add_guides(world, TOUR)
    _user(world, "u-free", {"plan": "free"})
    b = world.browser("viewer")
    r = b.get("/admin/w/acme/e/production/explain?q=u-")
    assert r.status_code == 200 and "u-free" in r.text
    r = b.get("/admin/w/acme/e/production/explain?guide=reports-tour&user=u-free")
    assert r.status_code == 200
    assert 'data-check="audience" data-passed="false"' in r.text
    assert 'data-check="schedule" data-passed="true"' in r.text
    assert "user.plan in [&#34;pro&#34;, &#34;team&#34;]" in r.text
    assert b.get("/admin/w/acme/e/production/explain?guide=nope&user=x").status_code == 404
    r = b.get("/admin/w/acme/e/production/explain?guide=reports-tour&user=x",
              headers={"accept-language": "ja"})
    assert "なぜ表示されない？" in r.text


def test_explain_page_escapes_user_ids_and_traits(world):
    add_guides(world, TOUR)
    evil = '<img src=x onerror=alert(1)>'
    _user(world, evil, {"plan": evil})
    r = world.browser("viewer").get(
        "/admin/w/acme/e/production/explain", params={"guide": "reports-tour", "user": evil})
    assert evil not in r.text and "&lt;img" in r.text
    assert json.dumps(evil) not in r.text


def test_users_are_searched_within_the_environment_only(world):
    with world.app.state.db.session() as s:
        s.add(EndUser(environment_id=world.envs["globex"].environment.id, external_id="u-globex"))
        s.commit()
    r = world.browser("viewer").get("/admin/w/acme/e/production/explain?q=u-")
    assert "u-globex" not in r.text
    with world.app.state.db.session() as s:
        assert s.exec(select(EndUser)).all()

"""Feature tagging with the visual picker: the feature page's *Pick in app* mints a builder
token of scope `feature`, and POST /api/sdk/v1/builder/feature-target stores the click rule."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlmodel import select
from starlette.testclient import TestClient

from server.models import Environment
from server.models.admin import AuditEntry
from server.security.builder_tokens import verify_token

from .builder_support import TOUR, add_guides, guide_row, token
from .test_features_pages import BASE, create, stored

ORIGIN = "https://app.acme.test"
TARGET = {"selectors": ['[data-testid="export-csv"]', "#export"], "text": "Export to CSV",
          "strictness": "strict"}


def _ftoken(world, rule=0, **kw):
    return token(world, scope="feature", feature="export-csv", rule=rule, **kw)


def _post(world, body, origin=ORIGIN, path="/api/sdk/v1/builder/feature-target"):
    headers = {"content-type": "text/plain;charset=UTF-8"}
    if origin:
        headers["origin"] = origin
    return TestClient(world.app).post(path, content=json.dumps(body), headers=headers)


def _body(world, tok=None, **kw):
    return {"key": world.envs["acme"].environment.publishable_key,
            "token": tok or _ftoken(world), "target": TARGET,
            "url": ORIGIN + "/app/reports", **kw}


def _version(world):
    with world.app.state.db.session() as s:
        return s.get(Environment, world.envs["acme"].environment.id).guides_version


def test_the_edit_page_links_to_pick_in_app_which_mints_a_feature_scoped_token(world):
    b = world.browser("editor")
    create(b)
    r = b.get(f"{BASE}/export-csv/edit")
    assert 'data-testid="feature-pick-0"' in r.text and 'data-testid="feature-pick-new"' in r.text
    assert b.get(f"{BASE}/export-csv/pick?rule=0").status_code == 200
    r = b.post(f"{BASE}/export-csv/pick", {"rule": "0", "url": ORIGIN + "/app/reports"})
    assert r.status_code == 200, r.text
    m = re.search(r'href="([^"]+)#shirube-builder=([\w.-]+)"', r.text)
    assert m and m.group(1) == ORIGIN + "/app/reports"
    claims = verify_token(secret=world.settings.secret_key, purpose="builder",
                          token=m.group(2), now=datetime.now(UTC))
    assert (claims["scope"], claims["env"], claims["feature"], claims["rule"],
            claims["author"]) == ("feature", world.envs["acme"].environment.id, "export-csv",
                                  0, world.users["editor"].id)
    # Not a click rule, another origin: refused; viewers cannot mint links.
    assert b.post(f"{BASE}/export-csv/pick", {"rule": "1", "url": ORIGIN + "/"}).status_code == 422
    assert b.post(f"{BASE}/export-csv/pick",
                  {"rule": "new", "url": "https://evil.test/"}).status_code == 422
    assert world.browser("viewer").get(f"{BASE}/export-csv/pick").status_code == 403


def test_a_valid_token_sets_the_click_rules_target_bumps_the_version_and_audits(world):
    create(world.browser("editor"))
    before = _version(world)
    r = _post(world, _body(world, rule=0))
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.json() == {"feature": "export-csv", "rule": 0, "target": TARGET}
    f = stored(world, "export-csv")
    assert f.rules[0] == {"kind": "click", "target": TARGET} and len(f.rules) == 3
    assert _version(world) > before
    with world.app.state.db.session() as s:
        entry = s.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert entry.action == "feature.target.pick" and entry.actor == "editor@example.com"


def test_a_new_rule_token_adds_a_click_rule(world):
    create(world.browser("editor"))
    r = _post(world, _body(world, _ftoken(world, rule="new")))
    assert r.status_code == 200, r.text
    assert r.json()["rule"] == 3
    assert stored(world, "export-csv").rules[3] == {"kind": "click", "target": TARGET}


def test_expired_other_env_wrong_origin_viewer_and_step_tokens_are_refused(world):
    create(world.browser("editor"))
    rules = stored(world, "export-csv").rules
    r = _post(world, _body(world, _ftoken(world, age_seconds=601)))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    assert _post(world, _body(world, _ftoken(world, ws="globex", who="other"))).status_code == 403
    r = _post(world, _body(world), origin="https://evil.test")
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    assert _post(world, _body(world, _ftoken(world, who="viewer"))).status_code == 403
    assert _post(world, _body(world, rule=2)).status_code == 403  # not the token's rule
    # A guide step's token does not edit features, nor a feature's token guide steps.
    assert _post(world, _body(world, token(world))).status_code == 403
    add_guides(world, TOUR)
    r = _post(world, _body(world), path="/api/sdk/v1/builder/target")
    assert r.status_code == 403 and guide_row(world, "reports-tour").draft is None
    assert stored(world, "export-csv").rules == rules


def test_a_bad_target_or_rule_is_422_and_an_unknown_feature_404(world):
    create(world.browser("editor"))
    rules = stored(world, "export-csv").rules
    r = _post(world, _body(world, target={"selectors": []}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert _post(world, _body(world, target={"selectors": ["a"], "x": 1})).status_code == 422
    assert _post(world, _body(world, _ftoken(world, rule=1))).status_code == 422  # url rule
    assert _post(world, _body(world, _ftoken(world, rule=9))).status_code == 422
    r = _post(world, _body(world, token(world, scope="feature", feature="nope", rule=0)))
    assert r.status_code == 404
    assert stored(world, "export-csv").rules == rules

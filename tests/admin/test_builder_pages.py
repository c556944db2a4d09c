"""Pick in app and preview in app: the admin mints scoped tokens into links to allowed
origins only; the SDK's preview endpoint answers the draft compiled as for bootstrap."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from starlette.testclient import TestClient

from server.security.builder_tokens import verify_token

from .builder_support import TOUR, add_guides, token

BASE = "/admin/w/acme/e/production"
ORIGIN = "https://app.acme.test"


def _link(html: str, name: str) -> tuple[str, str]:
    m = re.search(r'href="([^"]+)#' + name + r'=([\w.-]+)"', html)
    assert m, html
    return m.group(1), m.group(2)


def test_pick_page_shows_the_steps_and_their_current_targets(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    r = b.get(BASE + "/builder/pick?guide=reports-tour&step=1")
    assert r.status_code == 200 and "#new-report" in r.text
    assert 'data-testid="builder-steps"' in r.text
    assert b.get(BASE + "/builder/pick").status_code == 200
    assert b.get(BASE + "/builder/pick?guide=missing").status_code == 404


def test_opening_the_builder_mints_a_token_scoped_to_env_guide_step_and_author(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    b.get(BASE + "/builder/pick?guide=reports-tour")
    r = b.post(BASE + "/builder/pick", {"guide": "reports-tour", "step": "1",
                                       "url": ORIGIN + "/app/reports"})
    assert r.status_code == 200
    url, tok = _link(r.text, "shirube-builder")
    assert url == ORIGIN + "/app/reports"
    claims = verify_token(secret=world.settings.secret_key, purpose="builder", token=tok,
                          now=datetime.now(UTC))
    assert claims["env"] == world.envs["acme"].environment.id
    assert (claims["guide"], claims["step"], claims["author"]) == (
        "reports-tour", 1, world.users["editor"].id)


def test_the_builder_opens_only_allowed_origins_and_existing_steps(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    for data in ({"url": "https://evil.test/app"}, {"url": "javascript:alert(1)"},
                 {"url": ORIGIN + ":444/"}, {"step": "7"}, {"guide": ""}):
        form = {"guide": "reports-tour", "step": "1", "url": ORIGIN + "/", **data}
        r = b.post(BASE + "/builder/pick", form)
        assert r.status_code == 422, data
        assert "shirube-builder=" not in r.text
    hashed = b.post(BASE + "/builder/pick", {"guide": "reports-tour", "step": "0",
                                            "url": ORIGIN + "/app/#/reports"})
    # A hash-routed page keeps its route; the token follows it after "&".
    assert 'href="https://app.acme.test/app/#/reports&amp;shirube-builder=' in hashed.text


def test_preview_link_carries_the_user_and_traits_and_the_sdk_gets_the_draft(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    b.get(BASE + "/preview")
    r = b.post(BASE + "/preview", {"guide": "reports-tour", "version": "draft", "user": "u-9",
                                  "traits": "plan: free\nlocale: ja", "url": ORIGIN + "/app/"})
    assert r.status_code == 200, r.text
    _url, tok = _link(r.text, "shirube-preview")
    claims = verify_token(secret=world.settings.secret_key, purpose="preview", token=tok,
                          now=datetime.now(UTC))
    assert claims["user"] == {"id": "u-9", "traits": {"plan": "free", "locale": "ja"}}
    api = TestClient(world.app)
    body = {"key": world.envs["acme"].environment.publishable_key, "token": tok}
    r = api.post("/api/sdk/v1/preview", content=json.dumps(body),
                 headers={"origin": ORIGIN, "content-type": "text/plain"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert data["guide"]["key"] == "reports-tour" and data["guide"]["preview"] is True
    assert data["guide"]["state"]["seen"] == 0 and len(data["guide"]["steps"]) == 2
    assert data["user"]["traits"]["plan"] == "free" and data["audience"]["passed"] is False
    assert "audience" not in data["guide"]  # server-only fields stay on the server


def test_preview_endpoint_refuses_builder_tokens_other_envs_and_origins(world):
    add_guides(world, TOUR)
    api = TestClient(world.app)
    key = world.envs["acme"].environment.publishable_key

    def post(tok, origin=ORIGIN):
        return api.post("/api/sdk/v1/preview", content=json.dumps({"key": key, "token": tok}),
                        headers={"origin": origin, "content-type": "text/plain"})

    assert post(token(world, "preview")).status_code == 200
    assert post(token(world, "builder")).status_code == 401
    assert post(token(world, "preview", age_seconds=3600)).status_code == 401
    assert post(token(world, "preview", ws="globex", who="other")).status_code == 403
    assert post(token(world, "preview"), origin="https://evil.test").status_code == 403
    assert post(token(world, "preview", guide="nope")).status_code == 404
    assert post(token(world, "preview", version=9)).status_code == 404


def test_traits_must_be_json_or_lines_and_viewers_cannot_mint_links(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    b.get(BASE + "/preview")
    for traits in ("[1, 2]", "{bad json", "no colon here"):
        r = b.post(BASE + "/preview", {"guide": "reports-tour", "traits": traits,
                                      "url": ORIGIN + "/"})
        assert r.status_code == 422, traits
    v = world.browser("viewer")
    assert v.get(BASE + "/preview").status_code == 403
    r = v.post(BASE + "/preview", {"guide": "reports-tour", "url": ORIGIN + "/"})
    assert r.status_code == 403


def test_the_guide_editor_gets_a_pick_in_app_button_and_can_read_the_saved_target(world):
    add_guides(world, TOUR)
    b = world.browser("editor")
    r = b.get(BASE + "/guides/reports-tour/edit")
    assert r.status_code == 200
    assert 'data-pick-target' in r.text and "builder/target-picker.js" in r.text
    assert 'data-pick-url="/admin/w/acme/e/production/builder/pick"' in r.text
    r = b.get(BASE + "/builder/target?guide=reports-tour&step=1")
    assert r.json() == {"target": {"selectors": ["#new-report"], "strictness": "normal"}}
    assert b.get(BASE + "/builder/target?guide=reports-tour&step=9").json() == {"target": None}
    assert b.get(BASE + "/builder/target?guide=nope&step=0").status_code == 404

"""POST /api/sdk/v1/builder/target: the visual builder saves a picked target into the draft."""

from __future__ import annotations

import json

from sqlmodel import select
from starlette.testclient import TestClient

from server.models.admin import AuditEntry

from .builder_support import TOUR, add_guides, guide_row, token

ORIGIN = "https://app.acme.test"
TARGET = {"selectors": ['[data-testid="new-report"]', "#new-report",
                        "main > div:nth-of-type(2) > button:nth-of-type(1)"],
          "text": "New report", "strictness": "strict"}


def _post(world, body, origin=ORIGIN):
    api = TestClient(world.app)
    headers = {"content-type": "text/plain;charset=UTF-8"}
    if origin:
        headers["origin"] = origin
    return api.post("/api/sdk/v1/builder/target", content=json.dumps(body), headers=headers)


def _body(world, **kw):
    return {"key": world.envs["acme"].environment.publishable_key, "token": token(world),
            "target": TARGET, "url": "https://app.acme.test/app/reports", **kw}


def test_a_valid_token_stores_the_target_in_the_steps_draft_and_audits_it(world):
    add_guides(world, TOUR)
    r = _post(world, _body(world))
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.json()["target"] == TARGET
    guide = guide_row(world, "reports-tour")
    assert guide.draft["steps"][1]["target"] == TARGET
    assert guide.draft["steps"][0].get("target") is None
    # The published version is untouched: the change waits for a publish.
    assert guide.published_version == 1
    with world.app.state.db.session() as s:
        entry = s.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert entry.action == "guide.target.pick" and entry.actor == "editor@example.com"


def test_an_expired_token_is_401_and_a_forged_one_too(world):
    add_guides(world, TOUR)
    r = _post(world, _body(world, token=token(world, age_seconds=601)))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    r = _post(world, _body(world, token=token(world, purpose="preview")))
    assert r.status_code == 401
    assert guide_row(world, "reports-tour").draft is None


def test_a_token_of_another_environment_is_403(world):
    add_guides(world, TOUR)
    r = _post(world, _body(world, token=token(world, ws="globex", who="other")))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert guide_row(world, "reports-tour").draft is None


def test_a_wrong_origin_is_403_without_cors_headers(world):
    add_guides(world, TOUR)
    r = _post(world, _body(world), origin="https://evil.test")
    assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers
    assert guide_row(world, "reports-tour").draft is None


def test_unknown_key_is_401_and_a_viewer_or_removed_author_is_403(world):
    add_guides(world, TOUR)
    r = _post(world, _body(world, key="pk_nope"))
    assert r.status_code == 401
    r = _post(world, _body(world, token=token(world, who="viewer")))
    assert r.status_code == 403


def test_bad_targets_and_steps_are_422_and_nothing_is_written(world):
    add_guides(world, TOUR)
    for target in ({"selectors": []}, {"selectors": ["a"], "strictness": "very"},
                   {"selectors": ["a"] * 11}, "nope", None):
        r = _post(world, _body(world, target=target))
        assert r.status_code == 422, (target, r.text)
        assert r.json()["error"]["details"]
    r = _post(world, _body(world, token=token(world, step=9)))
    assert r.status_code == 422 and "no step 9" in r.json()["error"]["message"]
    r = _post(world, _body(world, step=0))
    assert r.status_code == 403
    assert guide_row(world, "reports-tour").draft is None


def test_an_unpublished_draft_is_edited_in_place(world):
    add_guides(world, {**TOUR, "name": "Draft only"}, draft=True)
    assert _post(world, _body(world)).status_code == 200
    guide = guide_row(world, "reports-tour")
    assert guide.published_version is None
    assert guide.draft["name"] == "Draft only" and guide.draft["steps"][1]["target"] == TARGET


def test_malformed_bodies_are_4xx(world):
    api = TestClient(world.app)
    for body in (b"", b"{", b"[]", b'"x"'):
        r = api.post("/api/sdk/v1/builder/target", content=body,
                     headers={"content-type": "text/plain"})
        assert 400 <= r.status_code < 500
    r = api.options("/api/sdk/v1/builder/target", headers={"origin": ORIGIN})
    assert r.status_code == 204

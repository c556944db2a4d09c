"""The guide pages of the admin: list, editor (save, autosave, errors next to fields),
versions (publish, diff, rollback, schedule), import/export, promote — per role."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from server.guides import catalog
from server.guides.files import validate_definition
from server.models import Guide, GuideVersion
from server.models.admin import AuditEntry
from server.models.audience import EndUser
from server.models.event import Event
from server.models.types import utcnow
from server.workspaces.service import create_environment

BASE = "/admin/w/acme/e/production/guides"
TOUR = {
    "key": "tour", "name": "Product tour", "type": "tour", "tags": ["onboarding"],
    "steps": [
        {"kind": "modal", "title": "Welcome", "body": "Hello **there**"},
        {"kind": "tooltip", "title": "Reports", "target": "#reports"},
    ],
}  # fmt: skip
JSON = {"accept": "application/json"}


def _add(world: Any, definition: dict[str, Any], *, publish: bool = True, env: str = "acme",
         ) -> None:
    with world.app.state.db.session() as s:
        environment = s.merge(world.envs[env].environment)
        catalog.add_guide(session=s, environment=environment,
                          definition=validate_definition(definition), publish=publish,
                          author="test")
        s.commit()


def _guide(world: Any, key: str, env: str = "acme") -> Guide:
    with world.app.state.db.session() as s:
        return s.exec(select(Guide).where(
            Guide.key == key,
            Guide.environment_id == world.envs[env].environment.id)).one()


def _data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="guide-data">(.*?)</script>', html, re.S)
    assert m, "no editor data"
    return json.loads(m.group(1))


# -- list -------------------------------------------------------------------------------


def test_the_list_filters_by_search_type_status_and_tag(world):
    _add(world, TOUR)
    _add(world, {"key": "promo", "name": "Spring banner", "type": "banner", "tags": ["sales"],
                 "steps": [{"kind": "banner", "title": "Sale", "position": "top"}]},
         publish=False)
    b = world.browser("viewer")
    page = b.get(BASE).text
    assert 'data-testid="guide-row-tour"' in page and 'data-testid="guide-row-promo"' in page
    only = lambda q: re.findall(r'data-testid="guide-row-([\w-]+)"', b.get(BASE + q).text)  # noqa: E731
    assert only("?q=spring") == ["promo"]
    assert only("?type=tour") == ["tour"]
    assert only("?status=draft") == ["promo"]
    assert only("?tag=onboarding") == ["tour"]
    assert only("?q=nothing-like-this") == []


def test_the_list_shows_views_and_completion_of_the_last_30_days(world):
    _add(world, TOUR)
    env_id = world.envs["acme"].environment.id
    now = utcnow()
    rows = [("u1", "guide_seen", 1), ("u1", "guide_seen", 2), ("u2", "guide_seen", 1),
            ("u3", "guide_seen", 3), ("u4", "guide_seen", 40), ("u1", "guide_completed", 1),
            ("u4", "guide_completed", 40)]
    with world.app.state.db.session() as s:
        for i, (user, kind, days_ago) in enumerate(rows):
            s.add(Event(environment_id=env_id, uuid=f"e{i}", type=kind, user_id=user,
                        guide_key="tour", timestamp=now - timedelta(days=days_ago)))
        s.commit()
    page = world.browser("viewer").get(BASE).text
    row = page.split('data-testid="guide-row-tour"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["3", "33.3%"]  # u1, u2, u3 saw it in 30 days; u1 completed


def test_an_editor_duplicates_and_archives_a_guide(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(BASE)
    r = b.post(f"{BASE}/tour/duplicate")
    assert r.status_code == 303 and "/guides/tour-copy/edit" in r.headers["location"]
    copy = _guide(world, "tour-copy")
    assert copy.status == "draft" and copy.draft["name"] == "Product tour (copy)"
    r = b.post(f"{BASE}/tour/archive")
    assert r.status_code == 303
    assert _guide(world, "tour").status == "archived"
    assert 'guide-row-tour"' not in b.get(BASE).text
    assert 'guide-row-tour"' in b.get(BASE + "?status=archived").text


def test_promote_copies_the_published_definition_to_the_other_environment(world):
    from server.models import Workspace

    with world.app.state.db.session() as s:
        acme = s.get(Workspace, world.envs["acme"].environment.workspace_id)
        create_environment(session=s, workspace=acme, name="development", origins=[])
        s.commit()
    dev = "/admin/w/acme/e/development/guides"
    b = world.browser("editor")
    b.get(dev)
    with world.app.state.db.session() as s:
        from server.models import Environment
        env = s.exec(select(Environment).where(Environment.name == "development")).one()
        catalog.add_guide(session=s, environment=env, definition=validate_definition(TOUR),
                          publish=True, author="t")
        s.commit()
    r = b.post(f"{dev}/tour/promote", {"target": "production", "mode": "draft"})
    assert r.status_code == 303
    prod = _guide(world, "tour")
    assert prod.status == "draft" and prod.draft["name"] == "Product tour"
    r = b.post(f"{dev}/tour/promote", {"target": "production", "mode": "publish"})
    prod = _guide(world, "tour")
    assert prod.status == "published" and prod.published_version == 1
    # Another workspace's environment is not a target.
    r = b.post(f"{dev}/tour/promote", {"target": "nowhere", "mode": "publish"})
    assert r.status_code == 404


# -- new guide and editor -----------------------------------------------------------------


@pytest.mark.parametrize("guide_type", ["tour", "tooltip", "modal", "hotspot", "banner",
                                        "checklist", "survey"])
def test_a_new_guide_of_every_type_starts_from_a_valid_draft(world, guide_type):
    b = world.browser("editor")
    b.get(BASE + "/new")
    r = b.post(BASE + "/new", {"name": f"My {guide_type}", "type": guide_type})
    assert r.status_code == 303, r.text
    key = f"my-{guide_type}"
    assert r.headers["location"].endswith(f"/guides/{key}/edit?msg=created")
    page = b.get(f"{BASE}/{key}/edit")
    assert page.status_code == 200
    assert _data(page.text)["definition"]["type"] == guide_type


def test_new_guide_errors_are_shown_next_to_the_fields(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(BASE + "/new")
    r = b.post(BASE + "/new", {"name": "", "key": "tour", "type": "nope"})
    assert r.status_code == 422
    assert 'id="f-name-error"' in r.text and 'id="f-key-error"' in r.text
    assert "already exists" in r.text


def test_the_editor_saves_the_whole_definition_as_the_draft(world):
    _add(world, TOUR)
    b = world.browser("editor")
    page = b.get(f"{BASE}/tour/edit")
    data = _data(page.text)
    assert data["bodies"]["steps[0].body"] == "<p>Hello <strong>there</strong></p>"
    definition = data["definition"]
    definition["steps"][1]["title"] = "All reports"
    definition["audience"] = {"all": [{"attr": "user.plan", "op": "in", "value": ["pro"]}]}
    r = b.post(f"{BASE}/tour/edit", {"definition": json.dumps(definition)}, headers=JSON)
    assert r.status_code == 200 and r.json()["ok"] is True
    guide = _guide(world, "tour")
    assert guide.draft["steps"][1]["title"] == "All reports"
    assert guide.published_version == 1  # saving never publishes
    with world.app.state.db.session() as s:
        assert s.exec(select(GuideVersion)).all().__len__() == 1


def test_validation_errors_come_back_with_the_path_of_the_field(world):
    _add(world, TOUR)
    b = world.browser("editor")
    definition = _data(b.get(f"{BASE}/tour/edit").text)["definition"]
    del definition["steps"][1]["target"]
    definition["audience"] = {"all": [{"attr": "user.plan", "op": "in", "value": "pro"}]}
    r = b.post(f"{BASE}/tour/edit", {"definition": json.dumps(definition)}, headers=JSON)
    assert r.status_code == 422
    paths = {p["path"] for p in r.json()["problems"]}
    assert {"steps[1].target", "audience.all[0].value"} <= paths
    assert _guide(world, "tour").draft is None  # nothing half-written


def test_without_scripts_the_editor_re_renders_with_the_problems(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(f"{BASE}/tour/edit")
    r = b.post(f"{BASE}/tour/edit", {"definition": '{"key": "tour", "name": ""'})
    assert r.status_code == 422 and "not valid JSON" in r.text
    r = b.post(f"{BASE}/tour/edit", {"definition": json.dumps({**TOUR, "key": "other"})})
    assert r.status_code == 422 and "does not match" in r.text
    r = b.post(f"{BASE}/tour/edit", {"definition": json.dumps({**TOUR, "name": "New name"})})
    assert r.status_code == 303 and r.headers["location"].endswith("?msg=saved")


def test_autosave_stores_the_draft_without_an_audit_entry_and_never_publishes(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(f"{BASE}/tour/edit")
    r = b.post(f"{BASE}/tour/edit", {"definition": json.dumps({**TOUR, "name": "Auto"}),
                                     "mode": "autosave"}, headers=JSON)
    assert r.json() == {**r.json(), "ok": True, "autosave": True}
    guide = _guide(world, "tour")
    assert guide.draft["name"] == "Auto" and guide.published_version == 1
    with world.app.state.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert "guide.draft.save" not in actions


def test_the_editor_offers_the_trait_keys_seen_in_this_environment(world):
    _add(world, TOUR)
    env_id = world.envs["acme"].environment.id
    other_id = world.envs["globex"].environment.id
    with world.app.state.db.session() as s:
        s.add(EndUser(environment_id=env_id, external_id="u1",
                      traits={"plan": "pro", "seats": 4, "beta": True,
                              "created_at": "2026-11-01T00:00:00Z", "bad key!": 1}))
        s.add(EndUser(environment_id=other_id, external_id="u2", traits={"secret_trait": 1}))
        s.commit()
    traits = _data(world.browser("viewer").get(f"{BASE}/tour/edit").text)["traits"]
    kinds = {t["attr"]: t["type"] for t in traits}
    assert kinds["user.plan"] == "string" and kinds["user.seats"] == "number"
    assert kinds["user.beta"] == "boolean" and kinds["user.created_at"] == "date"
    assert "user.secret_trait" not in kinds and "user.bad key!" not in kinds


def test_a_viewer_reads_the_editor_without_any_form(world):
    _add(world, TOUR)
    page = world.browser("viewer").get(f"{BASE}/tour/edit").text
    assert 'data-testid="read-only"' in page and _data(page)["readonly"] is True
    assert 'id="guide-form"' not in page and "Save draft" not in page
    versions = world.browser("viewer").get(f"{BASE}/tour/versions").text
    assert 'method="post"' not in versions.split("<main")[1]
    listing = world.browser("viewer").get(BASE).text
    assert 'method="post"' not in listing.split("<main")[1]


def test_author_text_is_escaped_in_every_guide_page(world):
    evil = '<img src=x onerror=alert(1)>'
    _add(world, {**TOUR, "name": evil, "tags": [evil[:40]],
                 "steps": [{"kind": "modal", "title": evil, "body": evil}]})
    b = world.browser("owner")
    for path in (BASE, f"{BASE}/tour/edit", f"{BASE}/tour/versions"):
        page = b.get(path).text
        assert "<img src=x" not in page, path


def test_another_workspaces_guide_is_not_found(world):
    _add(world, {**TOUR, "key": "globex-only"}, env="globex")
    b = world.browser("owner")
    for path in (f"{BASE}/globex-only/edit", f"{BASE}/globex-only/versions"):
        assert b.get(path).status_code == 404
    assert b.post(f"{BASE}/globex-only/archive").status_code == 404
    assert b.get("/admin/w/globex/e/production/guides/globex-only/edit").status_code == 404
    assert _guide(world, "globex-only", env="globex").status == "published"


# -- versions ---------------------------------------------------------------------------


def test_publish_diff_and_rollback(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(f"{BASE}/tour/edit")
    changed = {**TOUR, "steps": [TOUR["steps"][0], {**TOUR["steps"][1], "title": "Your reports",
                                                     "target": "[data-tour=reports]"}]}
    b.post(f"{BASE}/tour/edit", {"definition": json.dumps(changed)}, headers=JSON)
    r = b.post(f"{BASE}/tour/publish", {"message": "better copy"})
    assert r.status_code == 303
    guide = _guide(world, "tour")
    assert guide.published_version == 2 and guide.draft is None
    page = b.get(f"{BASE}/tour/versions?a=1&b=2").text
    assert "better copy" in page
    diff = page.split('data-testid="diff"')[1]
    assert "Reports" in diff and "Your reports" in diff
    assert "selectors: #reports" in diff and "selectors: [data-tour=reports]" in diff
    r = b.post(f"{BASE}/tour/rollback", {"version": "1"})
    assert r.status_code == 303
    guide = _guide(world, "tour")
    assert guide.published_version == 3
    assert "No differences" in b.get(f"{BASE}/tour/versions?a=1&b=3").text
    assert b.post(f"{BASE}/tour/rollback", {"version": "99"}).status_code == 404


def test_publishing_an_invalid_or_missing_draft_explains_why(world):
    b = world.browser("editor")
    b.get(BASE)
    _add(world, TOUR, publish=False)
    with world.app.state.db.session() as s:
        g = s.exec(select(Guide).where(Guide.key == "tour")).one()
        g.draft = {**g.draft, "steps": []}
        s.add(g)
        s.commit()
    r = b.post(f"{BASE}/tour/publish", {"message": "x"})
    assert r.status_code == 422 and "steps" in r.text
    assert _guide(world, "tour").published_version is None


def test_unpublish_then_schedule_and_cancel(world):
    _add(world, TOUR)
    b = world.browser("editor")
    b.get(BASE)
    assert b.post(f"{BASE}/tour/unpublish").status_code == 303
    assert _guide(world, "tour").status == "draft"
    r = b.post(f"{BASE}/tour/schedule", {"action": "set", "at": "2001-01-01T00:00"})
    assert r.status_code == 422 and "future" in r.text
    at = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = b.post(f"{BASE}/tour/schedule", {"action": "set", "at": at, "message": "launch"})
    assert r.status_code == 303
    guide = _guide(world, "tour")
    assert guide.publish_at is not None and guide.publish_message == "launch"
    assert 'data-testid="guide-status"' in b.get(f"{BASE}/tour/versions").text
    b.post(f"{BASE}/tour/schedule", {"action": "cancel"})
    assert _guide(world, "tour").publish_at is None


# -- import / export --------------------------------------------------------------------


def test_export_is_a_zip_of_canonical_yaml_and_import_is_all_or_nothing(world):
    _add(world, TOUR)
    b = world.browser("editor")
    r = b.get(BASE + "/export.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert files == ["tour.yaml"]
    good = "key: hello\nname: Hello\ntype: modal\nsteps:\n  - kind: modal\n    title: Hi\n"
    bad = "key: broken\nname: Broken\ntype: tooltip\nsteps:\n  - kind: tooltip\n"
    r = b.post(BASE + "/import", {"file_name": ["hello.yaml", "broken.yaml"],
                                  "file_text": [good, bad]})
    assert r.status_code == 422
    assert "broken.yaml: steps[0].target: required for a tooltip step" in r.text
    with world.app.state.db.session() as s:
        assert s.exec(select(Guide).where(Guide.key == "hello")).first() is None
    r = b.post(BASE + "/import", {"file_name": ["../../hello.yaml"], "file_text": [good],
                                  "draft": "yes"})
    assert r.status_code == 303
    hello = _guide(world, "hello")
    assert hello.status == "draft" and hello.draft["name"] == "Hello"
    r = b.post(BASE + "/import", {"yaml_text": good})
    assert r.status_code == 303 and _guide(world, "hello").published_version == 1

"""Workspace, environments (keys, origins, identity, theme, install), members, audit, CLI."""

from __future__ import annotations

import csv
import io
import re

from sqlmodel import select
from starlette.testclient import TestClient

from server.models import Environment
from server.models.admin import AuditEntry, WorkspaceMember
from server.security.keys import sign_user_id

from .conftest import PASSWORD


def _env(world, ws="acme") -> Environment:
    with world.app.state.db.session() as s:
        return s.get(Environment, world.envs[ws].environment.id)


def _audit(world) -> list[AuditEntry]:
    with world.app.state.db.session() as s:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)).all())


def test_a_new_environment_shows_its_secrets_once_and_stores_only_a_hash(world):
    b = world.browser("owner")
    b.get("/admin/w/acme/environments")
    r = b.post("/admin/w/acme/environments", {"name": "development",
                                              "origins": "http://localhost:3000\n"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    secret = re.search(r'data-testid="secret-key"', r.text) and re.search(
        r'id="secret-key" type="text" value="(sk_[^"]+)"', r.text).group(1)
    detail = b.get("/admin/w/acme/e/development/").text
    assert secret not in detail and secret[-4:] in detail
    assert secret not in str([e.details for e in _audit(world)])
    assert b.post("/admin/w/acme/environments", {"name": "development"}).status_code == 422
    r = b.post("/admin/w/acme/environments", {"name": "qa", "origins": "https://x.test/path"})
    assert r.status_code == 422 and "https://x.test/path" in r.text


def test_rotating_the_secret_key_invalidates_the_old_one(world):
    old = world.envs["acme"].secret_key
    b = world.browser("owner")
    r = b.post("/admin/w/acme/e/production/secret-key/rotate")
    new = re.search(r'id="secret-key" type="text" value="(sk_[^"]+)"', r.text).group(1)
    api = TestClient(world.app)
    assert api.get("/api/v1/guides", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert api.get("/api/v1/guides", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert [e.action for e in _audit(world)][-1] == "environment.secret_key.rotate"


def test_identity_secret_rotation_overlaps_until_the_old_one_is_retired(world):
    b = world.browser("owner")
    version = _env(world).guides_version
    b.post("/admin/w/acme/e/production/identity-secret/rotate")
    env = _env(world)
    assert len(env.identity_secrets) == 2 and env.guides_version == version + 1
    b.get("/admin/w/acme/e/production/")
    b.post("/admin/w/acme/e/production/identity-secret/retire")
    env = _env(world)
    assert len(env.identity_secrets) == 1 and env.guides_version == version + 2


def test_origins_are_validated_saved_audited_and_bump_the_sdk_cache_version(world):
    b = world.browser("owner")
    version = _env(world).guides_version
    r = b.post("/admin/w/acme/e/production/origins", {"origins": "ftp://nope"})
    assert r.status_code == 422 and _env(world).guides_version == version
    r = b.post("/admin/w/acme/e/production/origins",
               {"origins": "https://App.Acme.test/\nhttps://admin.acme.test:8443"})
    assert r.status_code == 303
    env = _env(world)
    assert env.allowed_origins == ["https://admin.acme.test:8443", "https://app.acme.test"]
    assert env.guides_version == version + 1
    entry = _audit(world)[-1]
    assert entry.action == "environment.origins.update" and entry.actor == "owner@example.com"
    assert entry.details["after"] == env.allowed_origins and entry.ip


def test_signed_traffic_share_is_shown_before_identity_verification_is_enforced(world):
    env = world.envs["acme"]
    sdk = TestClient(world.app)
    headers = {"X-Shirube-Key": env.environment.publishable_key,
               "Origin": "https://app.acme.test"}
    for i in range(4):
        user = {"id": f"u{i}"}
        if i < 3:
            user["signature"] = sign_user_id(env.identity_secret, f"u{i}")
        r = sdk.post("/api/sdk/v1/bootstrap", json={"user": user}, headers=headers)
        assert r.status_code == 200
    world.app.state.signed_traffic.flush()
    b = world.browser("owner")
    page = b.get("/admin/w/acme/e/production/").text
    assert re.search(r'data-testid="signed-share">75(\.0)?%<', page)
    r = b.post("/admin/w/acme/e/production/identity", {"enforce": "on"})
    assert r.status_code == 422 and not _env(world).identity_verification
    r = b.post("/admin/w/acme/e/production/identity", {"enforce": "on", "confirm": "yes"})
    assert r.status_code == 303 and _env(world).identity_verification
    unsigned = sdk.post("/api/sdk/v1/bootstrap", json={"user": {"id": "u9"}}, headers=headers)
    assert unsigned.status_code == 401  # the cache saw the bumped version
    assert _audit(world)[-1].action == "environment.identity.enforce"


def test_theme_editor_validates_and_saves_what_the_sdk_serves(world):
    b = world.browser("editor")
    page = b.get("/admin/w/acme/e/production/theme").text
    assert 'data-testid="theme-preview"' in page
    bad = b.post("/admin/w/acme/e/production/theme",
                 {"primary": "red;}", "text": "#111111", "background": "#ffffff",
                  "radius": "99", "font": "comic"})
    assert bad.status_code == 422 and bad.text.count('class="error"') == 3
    ok = b.post("/admin/w/acme/e/production/theme",
                {"primary": "#FF0066", "text": "#111111", "background": "#fafafa",
                 "radius": "12", "font": "japanese"})
    assert ok.status_code == 303
    theme = _env(world).settings["theme"]
    assert theme["primary"] == "#ff0066" and theme["radius"] == "12px"
    assert "Noto Sans JP" in theme["font"] and theme["z_index"] == 2147483000
    r = TestClient(world.app).post(
        "/api/sdk/v1/bootstrap", json={"user": {"id": "u1"}},
        headers={"X-Shirube-Key": world.envs["acme"].environment.publishable_key})
    assert r.json()["settings"]["theme"]["primary"] == "#ff0066"


def test_install_page_has_the_stub_with_this_host_and_the_publishable_key(world):
    page = world.browser("viewer").get("/admin/w/acme/e/production/install").text
    pk = world.envs["acme"].environment.publishable_key
    assert "http://127.0.0.1:8000/sdk/v1/shirube.js" in page.replace("&#34;", '"')
    assert pk in page and "__SHIRUBE_HOST__" not in page
    assert "React" in page and "Vue" in page


def test_an_invitation_link_makes_a_member_with_the_invited_role(world):
    owner = world.browser("owner")
    owner.get("/admin/w/acme/members")
    r = owner.post("/admin/w/acme/invitations", {"email": "new@example.com", "role": "viewer"})
    link = re.search(r'id="invite-link" type="text" value="([^"]+)"', r.text).group(1)
    path = link.split("127.0.0.1:8000", 1)[1]
    guest = world.browser()
    assert "Acme" in guest.get(path).text
    r = guest.post(path, {"name": "New", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/w/acme/environments"
    assert guest.get("/admin/w/acme/e/production/").status_code == 200
    assert guest.post("/admin/w/acme/e/production/origins", {"origins": ""}).status_code == 403
    assert world.browser().get(path).status_code == 404  # used up
    actions = [e.action for e in _audit(world)]
    assert "invitation.create" in actions and "invitation.accept" in actions
    assert all(path.rsplit("/", 1)[1] not in str(e.details) for e in _audit(world))


def test_owners_change_roles_and_remove_members_but_never_the_last_owner(world):
    b = world.browser("owner")
    b.get("/admin/w/acme/members")
    editor, owner = world.users["editor"].id, world.users["owner"].id
    assert b.post(f"/admin/w/acme/members/{editor}/role", {"role": "owner"}).status_code == 303
    assert b.post(f"/admin/w/acme/members/{editor}/role", {"role": "god"}).status_code == 422
    b.post(f"/admin/w/acme/members/{editor}/role", {"role": "viewer"})
    assert b.post(f"/admin/w/acme/members/{owner}/role", {"role": "viewer"}).status_code == 422
    assert b.post(f"/admin/w/acme/members/{owner}/remove").status_code == 422
    assert b.post(f"/admin/w/acme/members/{editor}/remove").status_code == 303
    with world.app.state.db.session() as s:
        assert s.get(WorkspaceMember, (world.envs["acme"].workspace.id, editor)) is None
    other = world.users["other"].id  # a member of globex only
    assert b.post(f"/admin/w/acme/members/{other}/remove").status_code == 404


def test_audit_log_is_paginated_filtered_and_exported_as_csv(world):
    b = world.browser("owner")
    for i in range(3):
        b.post("/admin/w/acme/settings", {"name": f"=Acme {i}"})
    page = b.get("/admin/w/acme/audit?action=workspace.rename").text
    assert page.count("<code>workspace.rename</code>") == 3
    r = b.get("/admin/w/acme/audit.csv?action=workspace.rename")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["time_utc", "actor", "action"] and len(rows) == 4
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert world.browser("editor").get("/admin/w/acme/audit").status_code == 403


def test_pages_follow_the_users_language_and_accept_language(world):
    b = world.browser("viewer")
    assert "<h1>環境</h1>" in b.get("/admin/w/acme/environments",
                                    headers={"Accept-Language": "ja-JP,ja;q=0.9"}).text
    b.get("/admin/account")
    b.post("/admin/account", {"name": "V", "locale": "en"})
    page = b.get("/admin/w/acme/environments", headers={"Accept-Language": "ja"}).text
    assert "<h1>Environments</h1>" in page and '<html lang="en">' in page


def test_cli_createuser_and_resetpassword_print_one_time_links(settings, capsys):
    from server.cli import main

    url = ["--database-url", settings.database_url]
    assert main([*url, "createuser", "cli@example.com", "--workspace", "CLI Co",
                 "--role", "editor"]) == 0
    out = capsys.readouterr().out
    assert "cli@example.com is editor of workspace 'CLI Co'" in out
    assert re.search(r"/admin/password/[\w-]{43}", out)
    assert main([*url, "resetpassword", "cli@example.com"]) == 0
    assert "/admin/password/" in capsys.readouterr().out
    assert main([*url, "resetpassword", "ghost@example.com"]) == 1

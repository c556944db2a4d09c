"""Every admin route, taken from the router: who may do what, CSRF, and workspace isolation.

Nothing here lists routes by hand: a new admin route is checked as soon as it exists.
"""

from __future__ import annotations

from typing import Any

from server.admin import build_site
from server.admin.site import route_access
from server.models.admin import AdminSession, Invitation
from server.models.types import utcnow
from server.security.roles import rank

SITE = build_site()
ROUTES = [
    (route.path, method, route.name, route_access(route))
    for route in SITE.routes
    for method in sorted(getattr(route, "methods", None) or [])
    if method != "HEAD"
]
WRITE = [r for r in ROUTES if r[1] != "GET"]
READ = [r for r in ROUTES if r[1] == "GET"]


def _ensure_guide(s: Any, env: Any) -> None:
    """A published guide `welcome` in the environment (for `{key}` routes)."""
    from server.guides import catalog
    from server.guides.files import validate_definition

    env = s.merge(env)
    if catalog.get_guide(session=s, environment=env, key="welcome") is None:
        definition = validate_definition({"key": "welcome", "name": "Welcome", "type": "modal",
                                          "steps": [{"kind": "modal", "title": "Hi"}]})
        catalog.add_guide(session=s, environment=env, definition=definition, publish=True,
                          author="test")
        s.commit()


def _ensure_survey_and_feature(s: Any, env: Any) -> None:
    """A published survey `nps` and a feature `export` (for `{survey}` / `{feature}`)."""
    from server.features.service import create_feature, get_feature
    from server.guides import catalog
    from server.guides.files import validate_definition

    env = s.merge(env)
    if catalog.get_guide(session=s, environment=env, key="nps") is None:
        definition = validate_definition({"key": "nps", "name": "NPS", "type": "survey",
                                          "steps": [{"kind": "nps", "title": "Recommend?"}]})
        catalog.add_guide(session=s, environment=env, definition=definition, publish=True,
                          author="test")
    if get_feature(session=s, environment_id=env.id, key="export") is None:
        create_feature(session=s, environment_id=env.id, key="export", name="Export",
                       rules=[{"kind": "click", "target": "#export"}])
    s.commit()


def _path(world: Any, template: str, ws: str = "acme") -> str:
    """A concrete /admin path for a route template, with real objects of `ws`."""
    with world.app.state.db.session() as s:
        inv = Invitation(workspace_id=world.envs["acme"].workspace.id, email="x@example.com",
                         role="viewer", token_hash=f"h{utcnow().timestamp()}", expires_at=utcnow())
        s.add(inv)
        s.commit()
        session_id = s.exec(AdminSession.__table__.select().limit(1)).first()  # type: ignore[attr-defined]
        _ensure_guide(s, world.envs[ws if ws in world.envs else "acme"].environment)
        _ensure_survey_and_feature(s, world.envs[ws if ws in world.envs else "acme"].environment)
    values = {"ws": ws, "env": "production", "user_id": str(world.users["editor"].id),
              "invitation_id": str(inv.id), "token": "t" * 43,
              "session_id": session_id[0] if session_id else "0" * 64, "key": "welcome",
              "survey": "nps", "feature": "export"}
    path = template
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    assert "{" not in path, path
    return "/admin" + path


def test_the_router_has_the_pages_of_this_issue():
    names = {r[2] for r in ROUTES}
    assert {"login", "signup", "environment-list", "environment-detail", "member-list",
            "audit-list", "environment-theme", "environment-install"} <= names
    assert len(WRITE) >= 15


def test_every_route_declares_its_access_level():
    assert [(p, n) for p, _m, n, access in ROUTES if access is None] == []


def test_every_workspace_write_needs_at_least_the_editor_role():
    weak = [(p, m) for p, m, _n, access in WRITE if "{ws}" in p and rank(access or "") < 2]
    assert weak == []


def test_anonymous_gets_are_sent_to_sign_in_and_anonymous_writes_refused(world):
    b = world.browser()
    b.get("/admin/login")  # a valid pre-session CSRF token: refused for being anonymous
    wrong = []
    for template, method, name, access in ROUTES:
        if access == "public":
            continue
        path = _path(world, template)
        if method == "GET":
            r = b.get(path)
            if r.status_code != 303 or "/admin/login?next=" not in r.headers["location"]:
                wrong.append((name, method, r.status_code))
        else:
            r = b.post(path, {"role": "owner", "name": "x"})
            if r.status_code != 403:
                wrong.append((name, method, r.status_code))
    assert wrong == []


def test_every_write_without_a_csrf_token_is_refused(world):
    b = world.browser("owner")
    wrong = []
    for template, _method, name, _access in WRITE:
        path = _path(world, template)
        for data in ({}, {"csrf_token": "forged"}):
            r = b.post(path, {**data, "email": "owner@example.com", "password": "x"}, csrf=False)
            if r.status_code != 403:
                wrong.append((name, data, r.status_code))
    assert wrong == []
    # The header form works for fetch(): the same request with X-CSRF-Token is accepted.
    r = b.post("/admin/w/acme/settings", {"name": "Acme 2"}, csrf=False,
               headers={"X-CSRF-Token": b.csrf})
    assert r.status_code == 303


def test_a_viewer_cannot_change_anything(world):
    b = world.browser("viewer")
    wrong = []
    for template, _method, name, access in WRITE:
        if access in ("public", "user"):
            continue
        r = b.post(_path(world, template), {"role": "owner", "name": "hacked", "enforce": "on",
                                            "origins": "https://evil.test", "primary": "#000000"})
        if r.status_code != 403:
            wrong.append((name, r.status_code))
    assert wrong == []
    assert world.envs["acme"].environment.allowed_origins == ["https://app.acme.test"]


def test_another_workspace_is_not_found_on_every_route(world):
    b = world.browser("owner")  # owner of acme, not a member of globex
    wrong = []
    for template, method, name, _access in ROUTES:
        if "{ws}" not in template:
            continue
        path = _path(world, template, ws="globex")
        r = b.get(path) if method == "GET" else b.post(path, {"name": "x", "role": "owner"})
        if r.status_code != 404 or "Globex" in r.text or "globex.test" in r.text:
            wrong.append((name, method, r.status_code))
    assert wrong == []


def test_every_page_renders_for_each_role_allowed_to_read_it(world):
    wrong = []
    for who in ("owner", "editor", "viewer"):
        b = world.browser(who)
        for template, _method, name, access in READ:
            if access == "public" or name in ("switch",):
                continue
            r = b.get(_path(world, template))
            allowed = access == "user" or rank(who) >= rank(access or "")
            ok = r.status_code in (200, 303) if allowed else r.status_code == 403
            if not ok:
                wrong.append((who, name, r.status_code))
            if r.status_code == 200 and r.headers["content-type"].startswith("text/html"):
                assert "<script>" not in r.text and " on" + "click=" not in r.text, name
    assert wrong == []

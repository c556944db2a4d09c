"""Admin test helpers: an app per test, a small world of workspaces and people, and a
browser-like client that keeps cookies and sends the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.admin import accounts
from server.app import create_app
from server.models.admin import AdminUser
from server.models.types import utcnow
from server.security.passwords import hash_password
from server.security.sessions import cookie_name, create_session
from server.settings import Settings

PASSWORD = "correct horse battery staple"
_HASH: dict[str, str] = {}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def password_hash() -> str:
    """One argon2 hash per test process (hashing costs ~19 MiB and tens of ms)."""
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)
    return _HASH["h"]


class Browser:
    """A TestClient that remembers the last CSRF token it saw, like a browser's form."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> Any:
        kw.setdefault("follow_redirects", False)
        r = self.client.get(path, **kw)
        m = _TOKEN.search(r.text)
        if m:
            self.csrf = m.group(1)
        return r

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kw: Any) -> Any:
        kw.setdefault("follow_redirects", False)
        body = dict(data or {})
        if csrf and "csrf_token" not in body:
            if not self.csrf:
                self.get("/admin/login")
            body["csrf_token"] = self.csrf
        r = self.client.post(path, data=body, **kw)
        m = _TOKEN.search(r.text)
        if m:
            self.csrf = m.group(1)
        return r


@dataclass
class World:
    """Two workspaces: acme (owner, editor, viewer) and globex (its own owner)."""

    settings: Settings
    app: Any
    users: dict[str, AdminUser]
    envs: dict[str, Any]

    def browser(self, who: str | None = None) -> Browser:
        client = TestClient(self.app, base_url=_base(self.settings))
        b = Browser(client)
        if who is not None:
            self.sign_in(b, who)
        return b

    def sign_in(self, b: Browser, who: str) -> str:
        """Attach a fresh session of `who` to the browser (no password hashing)."""
        db = self.app.state.db
        with db.session() as s:
            token, row = create_session(session=s, user=s.get(AdminUser, self.users[who].id),
                                        now=utcnow())
            s.commit()
            b.csrf = row.csrf_token
        b.client.cookies.set(cookie_name(self.settings.secure_cookies), token)
        return token


def _base(settings: Settings) -> str:
    return "https://testserver" if settings.secure_cookies else "http://testserver"


def make_world(settings: Settings) -> World:
    from server.workspaces.service import create_environment

    app = create_app(settings)
    users: dict[str, AdminUser] = {}
    envs: dict[str, Any] = {}
    with app.state.db.session() as s:
        for who in ("owner", "editor", "viewer", "other"):
            u = AdminUser(email=f"{who}@example.com", name=who.title(),
                          password_hash=password_hash())
            s.add(u)
            s.flush()
            users[who] = u
        acme = accounts.new_workspace(session=s, name="Acme", owner=users["owner"])
        accounts.set_role(session=s, workspace=acme, user=users["editor"], role="editor")
        accounts.set_role(session=s, workspace=acme, user=users["viewer"], role="viewer")
        globex = accounts.new_workspace(session=s, name="Globex", owner=users["other"])
        envs["acme"] = create_environment(session=s, workspace=acme, name="production",
                                          origins=["https://app.acme.test"])
        envs["globex"] = create_environment(session=s, workspace=globex, name="production",
                                            origins=["https://app.globex.test"])
        s.commit()
    return World(settings, app, users, envs)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = make_world(settings)
    with TestClient(w.app):  # runs the lifespan once (flushes counters at the end)
        yield w
    w.app.state.db.dispose()

"""Sign-up, sign-in (session rotation, throttling, TOTP), sign-out, one-time links, cookies."""

from __future__ import annotations

import re

from sqlmodel import select

from server.models.admin import AdminSession, AdminUser, AuditEntry
from server.models.types import utcnow
from server.security import totp
from server.security.sessions import PLAIN_COOKIE, SECURE_COOKIE
from tests.admin.conftest import PASSWORD, make_world

from .conftest import Browser


def _login(b: Browser, email: str, password: str = PASSWORD, **extra):
    if not b.csrf:
        b.get("/admin/login")
    return b.post("/admin/login", {"email": email, "password": password, **extra})


def test_the_first_sign_up_creates_an_owner_and_then_sign_up_closes(settings):
    from starlette.testclient import TestClient

    from server.app import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        b = Browser(client)
        assert b.get("/admin/login").status_code == 200
        b.get("/admin/signup")
        r = b.post("/admin/signup", {"email": "Founder@Example.com", "name": "F",
                                     "password": "short", "workspace_name": "Acme"})
        assert r.status_code == 422 and "10" in r.text
        r = b.post("/admin/signup", {"email": "Founder@Example.com", "name": "F",
                                     "password": PASSWORD, "workspace_name": "Acme"})
        assert r.status_code == 303 and r.headers["location"] == "/admin/w/acme/environments"
        assert b.get("/admin/w/acme/members").status_code == 200  # owner
        b.post("/admin/logout")
        assert b.get("/admin/signup").status_code == 403
        assert b.post("/admin/signup", {"email": "x@example.com", "password": PASSWORD,
                                        "workspace_name": "X"}).status_code == 403
    app.state.db.dispose()


def test_sign_in_issues_a_new_session_id_and_sign_out_revokes_it(world):
    b = world.browser()
    planted = world.sign_in(b, "viewer")  # a session the browser already had
    r = _login(b, "owner@example.com")
    assert r.status_code == 303 and r.headers["location"] == "/admin/"
    new = re.search(PLAIN_COOKIE + r"=([^;]+)", r.headers["set-cookie"]).group(1)
    assert new and new != planted
    with world.app.state.db.session() as s:
        assert all(row.revoked_at for row in s.exec(select(AdminSession)).all()
                   if row.user_id == world.users["viewer"].id)
    b = world.browser()
    b.client.cookies.set(PLAIN_COOKIE, new)
    assert b.get("/admin/account").status_code == 200
    b.post("/admin/logout")
    b2 = world.browser()
    b2.client.cookies.set(PLAIN_COOKIE, new)
    assert b2.get("/admin/account").status_code == 303  # the old cookie is dead


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(world):
    b = world.browser()
    codes = [_login(b, "owner@example.com", "wrong password!").status_code for _ in range(5)]
    assert codes[:4] == [401, 401, 401, 401] and codes[4] == 429
    r = _login(b, "owner@example.com")  # even the right password waits
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert _login(b, "nobody@example.com").status_code == 401


def test_totp_second_factor_is_required_after_the_password(world):
    secret = totp.new_secret()
    with world.app.state.db.session() as s:
        u = s.get(AdminUser, world.users["owner"].id)
        u.totp_secret, u.totp_enabled = secret, True
        s.add(u)
        s.commit()
    b = world.browser()
    r = _login(b, "owner@example.com")
    assert r.headers["location"] == "/admin/login/totp"
    assert b.get("/admin/account").status_code == 303  # not signed in yet
    b.get("/admin/login/totp")
    assert b.post("/admin/login/totp", {"code": "000000"}).status_code == 401
    code = totp.totp_at(totp._key(secret), utcnow().timestamp())
    r = b.post("/admin/login/totp", {"code": code})
    assert r.status_code == 303
    assert b.get("/admin/account").status_code == 200
    b.post("/admin/logout")
    b.csrf = ""
    _login(b, "owner@example.com")
    b.get("/admin/login/totp")
    assert b.post("/admin/login/totp", {"code": code}).status_code == 401  # replayed code


def test_totp_enrolment_shows_the_otpauth_uri_and_needs_a_valid_code(world):
    b = world.browser("editor")
    r = b.get("/admin/account/totp")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', r.text).group(1)
    uri = "otpauth://totp/Shirube%3Aeditor%40example.com?secret=" + secret
    assert uri in r.text.replace("&amp;", "&")
    assert b.post("/admin/account/totp", {"secret": secret, "code": "123456"}).status_code == 422
    code = totp.totp_at(totp._key(secret), utcnow().timestamp())
    assert b.post("/admin/account/totp", {"secret": secret, "code": code}).status_code == 303
    with world.app.state.db.session() as s:
        assert s.get(AdminUser, world.users["editor"].id).totp_enabled


def test_password_links_work_once_and_sign_out_every_session(world):
    from server.admin import accounts

    victim = world.browser("viewer")
    with world.app.state.db.session() as s:
        viewer = s.get(AdminUser, world.users["viewer"].id)
        token = accounts.new_password_link(session=s, user=viewer,
                                           now=utcnow(), hours=24)
        s.commit()
    b = world.browser()
    assert b.get(f"/admin/password/{token}").status_code == 200
    assert b.post(f"/admin/password/{token}", {"password": "tiny"}).status_code == 422
    r = b.post(f"/admin/password/{token}", {"password": "a brand new passphrase"})
    assert r.status_code == 303
    assert b.get(f"/admin/password/{token}").status_code == 404
    assert victim.get("/admin/account").status_code == 303
    assert _login(b, "viewer@example.com", "a brand new passphrase").status_code == 303
    with world.app.state.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert "user.password.set" in actions


def test_cookies_are_host_prefixed_and_secure_over_https(settings):
    from starlette.testclient import TestClient

    w = make_world(settings.with_(public_url="https://shirube.example.com"))
    with TestClient(w.app, base_url="https://testserver") as client:
        b = Browser(client)
        r = b.get("/admin/login")
        assert "__Host-shirube_csrf=" in r.headers["set-cookie"]
        r = _login(b, "owner@example.com")
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(SECURE_COOKIE + "=")
        for part in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
            assert part.lower() in cookie.lower()
        assert "domain" not in cookie.lower()
    w.app.state.db.dispose()


def test_over_plain_http_the_cookie_is_not_secure_so_the_demo_works(world):
    r = _login(world.browser(), "owner@example.com")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(PLAIN_COOKIE + "=") and "secure" not in cookie.lower()


def test_security_headers_are_on_every_admin_response(world):
    b = world.browser("owner")
    for path in ("/admin/login", "/admin/w/acme/environments", "/admin/nowhere",
                 "/admin/w/globex/members", "/admin/static/admin.css"):
        h = b.get(path).headers
        assert "'unsafe-inline'" not in h["content-security-policy"], path
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        img = next(d for d in h["content-security-policy"].split("; ") if d.startswith("img-src"))
        assert img.split()[1:] == ["'self'", "data:", "https:"], path  # no http:, no *
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] and h["permissions-policy"]


def test_next_parameter_cannot_redirect_off_site(world):
    b = world.browser()
    b.get("/admin/login")
    r = b.post("/admin/login", {"email": "owner@example.com", "password": PASSWORD,
                                "next": "//evil.test/x"})
    assert r.headers["location"] == "/admin/"

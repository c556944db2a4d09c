"""Email through a real SMTP server (aiosmtpd): forgot password, invitations, the CLI.

The outside world is the only thing replaced: the app talks SMTP to a local server that
keeps the messages, and the links they carry are followed through the real pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from server.models.admin import AdminUser, AuditEntry, LoginAttempt
from tests.admin.conftest import PASSWORD, World, make_world
from tests.smtp_inbox import Inbox, free_port, inbox  # noqa: F401  (fixture)

NEW_PASSWORD = "a brand new passphrase"
FROM = "Shirube <noreply@shirube.test>"
SENT = "If an account exists for"


def _world(settings, smtp_url: str) -> Iterator[World]:
    w = make_world(settings.with_(smtp_url=smtp_url, mail_from=FROM, smtp_timeout_seconds=5))
    with TestClient(w.app):
        yield w
    w.app.state.db.dispose()


@pytest.fixture
def mail_world(settings, inbox: Inbox) -> Iterator[World]:  # noqa: F811
    yield from _world(settings, inbox.url)


@pytest.fixture
def down_world(settings) -> Iterator[World]:
    """A mail server that is not there (nothing listens on the port)."""
    yield from _world(settings, f"smtp://127.0.0.1:{free_port()}")


def _forgot(b, email: str, **kw):
    if not b.csrf:
        b.get("/admin/password/forgot")
    return b.post("/admin/password/forgot", {"email": email}, **kw)


def _audit(world: World, action: str) -> list[AuditEntry]:
    with world.app.state.db.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_forgot_password_emails_a_one_time_link_that_sets_the_password(mail_world, inbox):  # noqa: F811
    b = mail_world.browser()
    login = b.get("/admin/login")
    assert 'href="/admin/password/forgot"' in login.text
    assert "shirube resetpassword" not in login.text
    page = b.get("/admin/password/forgot")
    assert page.status_code == 200 and 'name="email"' in page.text
    r = _forgot(b, "  Owner@Example.com ")
    assert r.status_code == 200 and SENT in r.text and "owner@example.com" in r.text

    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail.recipients == ["owner@example.com"]
    assert mail.sender == "noreply@shirube.test"
    assert mail.message["From"] == FROM and mail.message["To"] == "owner@example.com"
    assert mail.message["Subject"] == "Set your Shirube password"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message["Message-ID"].endswith("@shirube.test>")
    assert "24 hours" in mail.part("plain") and "owner@example.com" in mail.part("plain")
    link = mail.link
    assert link.startswith("http://127.0.0.1:8000/admin/password/")
    path = link.removeprefix("http://127.0.0.1:8000")

    assert b.get(path).status_code == 200
    r = b.post(path, {"password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/login?msg=password-set"
    b.get("/admin/login")
    r = b.post("/admin/login", {"email": "owner@example.com", "password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/"
    # The link is spent: a second use is refused, GET and POST alike.
    other = mail_world.browser()
    assert other.get(path).status_code == 404
    assert other.post(path, {"password": "yet another passphrase"}).status_code == 404

    [entry] = _audit(mail_world, "user.password.reset_request")
    assert entry.user_id == mail_world.users["owner"].id and entry.details == {"delivery": "sent"}
    token = path.rsplit("/", 1)[1]
    with mail_world.app.state.db.session() as s:
        assert not any(token in str(e.details) or token in e.object_id
                       for e in s.exec(select(AuditEntry)).all())


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_email(mail_world, inbox):  # noqa: F811
    with mail_world.app.state.db.session() as s:
        viewer = s.get(AdminUser, mail_world.users["viewer"].id)
        viewer.is_active = False
        s.add(viewer)
        s.commit()
    b = mail_world.browser()
    known = _forgot(b, "editor@example.com")
    assert known.status_code == 200 and len(inbox.messages) == 1
    for email in ("nobody@example.com", "viewer@example.com"):
        r = _forgot(b, email)
        assert r.status_code == 200
        assert r.text.replace(email, "X") == known.text.replace("editor@example.com", "X")
    assert len(inbox.messages) == 1  # only the editor's
    assert [e.user_id for e in _audit(mail_world, "user.password.reset_request")] == [
        mail_world.users["editor"].id]


def test_a_malformed_address_is_a_form_error(mail_world, inbox):  # noqa: F811
    r = _forgot(mail_world.browser(), "not an address")
    assert r.status_code == 422 and "Enter a valid email address." in r.text
    assert inbox.messages == []


def test_requests_for_one_address_are_throttled_with_retry_after(mail_world, inbox):  # noqa: F811
    b = mail_world.browser()
    for email in ("owner@example.com", "ghost@example.com"):  # known or not: the same limits
        codes = [_forgot(b, email).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 200]
        r = _forgot(b, email)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "Too many requests for this address." in r.text
    assert len(inbox.messages) == 4  # the owner's four; none after the 429
    # Another address from the same IP is not held back, and sign-in is not affected.
    assert _forgot(b, "editor@example.com").status_code == 200
    b.get("/admin/login")
    assert b.post("/admin/login", {"email": "owner@example.com",
                                   "password": PASSWORD}).status_code == 303
    with mail_world.app.state.db.session() as s:
        assert len(s.exec(select(LoginAttempt)).all()) == 3  # hashed keys, one per address


def test_the_form_needs_its_csrf_token(mail_world, inbox):  # noqa: F811
    b = mail_world.browser()
    b.get("/admin/password/forgot")
    for data in ({}, {"csrf_token": "forged"}):
        r = b.post("/admin/password/forgot", {"email": "owner@example.com", **data}, csrf=False)
        assert r.status_code == 403
    assert inbox.messages == []


def test_a_japanese_user_gets_a_japanese_email(mail_world, inbox):  # noqa: F811
    with mail_world.app.state.db.session() as s:
        owner = s.get(AdminUser, mail_world.users["owner"].id)
        owner.locale = "ja"
        s.add(owner)
        s.commit()
    b = mail_world.browser()
    assert _forgot(b, "owner@example.com", headers={"accept-language": "en"}).status_code == 200
    mail = inbox.messages[0]
    assert mail.message["Subject"] == "Shirube のパスワード設定"
    assert "24 時間" in mail.part("plain") and 'lang="ja"' in mail.part("html")
    assert mail.link  # the same link in both parts


def test_a_mail_server_that_is_down_gives_everyone_the_same_clear_answer(down_world):
    b = down_world.browser()
    answers = []
    for email in ("owner@example.com", "nobody@example.com"):
        r = _forgot(b, email)
        assert r.status_code == 503
        assert "We cannot send email right now." in r.text and "resetpassword" in r.text
        answers.append(r.text.replace(email, "X"))
    assert answers[0] == answers[1]
    [entry] = _audit(down_world, "user.password.reset_request")
    assert entry.details == {"delivery": "unreachable"}
    # No link was made: the user's earlier links keep working.
    with down_world.app.state.db.session() as s:
        from server.models.admin import PasswordToken

        assert s.exec(select(PasswordToken)).all() == []


def test_an_invitation_is_emailed_and_still_shown_once(mail_world, inbox):  # noqa: F811
    b = mail_world.browser("owner")
    page = b.get("/admin/w/acme/members")
    assert "Send invitation" in page.text
    r = b.post("/admin/w/acme/invitations", {"email": "New.Person@Example.com", "role": "editor"})
    assert r.status_code == 200
    assert "We emailed the invitation to new.person@example.com." in r.text
    shown = re.search(r'id="invite-link" type="text" value="([^"]+)"', r.text).group(1)
    [mail] = inbox.messages
    assert mail.recipients == ["new.person@example.com"]
    assert mail.message["Subject"] == "Owner invited you to Acme on Shirube"
    assert "as Editor" in mail.part("plain") and "7 days" in mail.part("plain")
    assert mail.link == shown
    [entry] = _audit(mail_world, "invitation.create")
    assert entry.details["emailed"] is True and "token" not in str(entry.details)

    invitee = mail_world.browser()
    path = shown.removeprefix("http://127.0.0.1:8000")
    assert invitee.get(path).status_code == 200
    r = invitee.post(path, {"name": "New", "password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/w/acme/environments"


def test_an_invitation_whose_email_fails_still_shows_the_link(down_world):
    b = down_world.browser("owner")
    r = b.post("/admin/w/acme/invitations", {"email": "late@example.com", "role": "viewer"})
    assert r.status_code == 200
    assert "The invitation email to late@example.com could not be sent." in r.text
    assert re.search(r'id="invite-link" type="text" value="http[^"]+/admin/invite/', r.text)
    [entry] = _audit(down_world, "invitation.create")
    assert entry.details["emailed"] is False


def test_an_address_that_cannot_be_emailed_is_reported_not_a_500(mail_world, inbox):  # noqa: F811
    b = mail_world.browser("owner")
    for email in ("team,someone@example.com", "ü@example.com"):
        r = b.post("/admin/w/acme/invitations", {"email": email, "role": "viewer"})
        assert r.status_code == 200 and "could not be sent" in r.text
    assert inbox.messages == []


def test_without_a_mail_server_the_printed_links_remain_the_way(world):
    b = world.browser()
    login = b.get("/admin/login")
    assert "Ask your administrator to run: shirube resetpassword EMAIL" in login.text
    assert "/admin/password/forgot" not in login.text
    for r in (b.get("/admin/password/forgot"),
              b.post("/admin/password/forgot", {"email": "owner@example.com"})):
        assert r.status_code == 200 and "This server does not send email." in r.text
        assert 'name="email"' not in r.text
    owner = world.browser("owner")
    assert "Create invitation link" in owner.get("/admin/w/acme/members").text
    r = owner.post("/admin/w/acme/invitations", {"email": "x@example.com", "role": "viewer"})
    assert "Send this invitation link to your teammate." in r.text


def test_cli_createuser_and_resetpassword_also_email_the_link(settings, inbox, capsys,  # noqa: F811
                                                              monkeypatch):
    from server.cli import main

    monkeypatch.setenv("SHIRUBE_SMTP_URL", inbox.url)
    monkeypatch.setenv("SHIRUBE_MAIL_FROM", FROM)
    url = ["--database-url", settings.database_url]
    assert main([*url, "createuser", "cli@example.com", "--workspace", "CLI Co"]) == 0
    out = capsys.readouterr().out
    printed = re.search(r"http\S+/admin/password/[\w-]{43}", out).group(0)
    assert "The link was also emailed to cli@example.com." in out
    [mail] = inbox.messages
    assert mail.recipients == ["cli@example.com"] and mail.link == printed
    assert "An administrator sent you this link" in mail.part("plain")

    assert main([*url, "resetpassword", "cli@example.com"]) == 0
    printed = re.search(r"http\S+/admin/password/[\w-]{43}", capsys.readouterr().out).group(0)
    assert len(inbox.messages) == 2 and inbox.messages[1].link == printed

    monkeypatch.setenv("SHIRUBE_SMTP_URL", f"smtp://mailer:s3cr3t-pw@127.0.0.1:{free_port()}")
    assert main([*url, "resetpassword", "cli@example.com"]) == 0  # the link is still printed
    captured = capsys.readouterr()
    assert re.search(r"/admin/password/[\w-]{43}", captured.out)
    assert "the link was not emailed" in captured.err and "connection refused" in captured.err
    assert "s3cr3t-pw" not in captured.err + captured.out
    assert len(inbox.messages) == 2

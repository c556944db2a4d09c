"""SHIRUBE_SMTP_URL / SHIRUBE_MAIL_FROM validation and the SMTP transport (real servers:
aiosmtpd with STARTTLS, implicit TLS and AUTH; a socket that never answers)."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from server import mail
from server.settings import Settings, SettingsError
from tests.smtp_inbox import Inbox, free_port, inbox, start  # noqa: F401

SECRET = "hunter2-Secret"
FROM = "Shirube <noreply@shirube.test>"


@pytest.mark.parametrize(("env", "expected"), [
    ({"SHIRUBE_SMTP_URL": f"smtp://mailer:{SECRET}@mail.test:587"},
     "SHIRUBE_MAIL_FROM is required"),
    ({"SHIRUBE_SMTP_URL": f"http://mailer:{SECRET}@mail.test", "SHIRUBE_MAIL_FROM": FROM},
     "use smtp://host:port"),
    ({"SHIRUBE_SMTP_URL": f"smtp://mailer:{SECRET}@mail.test:99999", "SHIRUBE_MAIL_FROM": FROM},
     "the port must be a number"),
    ({"SHIRUBE_SMTP_URL": f"smtp://mailer:{SECRET}@:587", "SHIRUBE_MAIL_FROM": FROM},
     "the host name is missing"),
    ({"SHIRUBE_SMTP_URL": f"smtp://mailer:{SECRET}@mail.test/x?tls=no",
      "SHIRUBE_MAIL_FROM": FROM}, "no path or options"),
    ({"SHIRUBE_SMTP_URL": f"smtp://:{SECRET}@mail.test", "SHIRUBE_MAIL_FROM": FROM},
     "a password needs a user name"),
    ({"SHIRUBE_SMTP_URL": "smtp://mail.test", "SHIRUBE_MAIL_FROM": "Shirube"},
     "SHIRUBE_MAIL_FROM='Shirube': not an email address"),
    ({"SHIRUBE_SMTP_URL": "smtp://mail.test", "SHIRUBE_MAIL_FROM": "a@b.test\nBcc: x@y.test"},
     "must be on one line"),
    ({"SHIRUBE_SMTP_URL": "smtp://mail.test", "SHIRUBE_MAIL_FROM": FROM,
      "SHIRUBE_SMTP_TIMEOUT_SECONDS": "0"}, "SHIRUBE_SMTP_TIMEOUT_SECONDS"),
])
def test_unusable_mail_settings_are_refused_without_showing_the_password(env, expected):
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert expected in str(info.value)
    assert SECRET not in str(info.value)


def test_mail_settings_are_parsed():
    assert Settings.from_env({}).mail_enabled is False
    s = Settings.from_env({"SHIRUBE_SMTP_URL": "smtps://me%40corp.test:p%2Fw%40rd@smtp.test",
                           "SHIRUBE_MAIL_FROM": FROM})
    assert s.mail_enabled
    server = mail.parse_smtp_url(s.smtp_url, timeout=s.smtp_timeout_seconds)
    assert (server.implicit_tls, server.host, server.port) == (True, "smtp.test", 465)
    assert (server.username, server.password, server.timeout) == ("me@corp.test", "p/w@rd", 10)
    assert "p%2Fw" not in repr(server) and "p/w" not in repr(server)
    plain = mail.parse_smtp_url("smtp://localhost", timeout=3)
    assert (plain.implicit_tls, plain.port, plain.username) == (False, 25, "")
    assert mail.redact_url(f"smtp://u:{SECRET}@h:587") == "smtp://u:***@h:587"
    assert mail.redact_url("smtp://h:25") == "smtp://h:25"


def _message(settings: Settings, to: str = "someone@example.com") -> mail.EmailMessage:
    content = mail.Rendered(subject="Hello\r\nBcc: evil@example.com", text="text body",
                            html="<p>html body</p>")
    return mail.compose(settings=settings, to=to, content=content)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (cert file doubles as the client's CA)."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def _server_tls(certificate: tuple[str, str]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*certificate)
    return ctx


class Auth:
    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == ("mailer", SECRET)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def tls_inbox(certificate: tuple[str, str]) -> Iterator[tuple[Inbox, Auth]]:
    """STARTTLS required before anything, then AUTH required (a submission server)."""
    box, auth = Inbox("127.0.0.1", free_port()), Auth()
    controller = start(box, tls_context=_server_tls(certificate), require_starttls=True,
                       authenticator=auth, auth_required=True, auth_require_tls=True)
    yield box, auth
    controller.stop()


def test_starttls_then_auth_then_the_message(tls_inbox, certificate):
    box, auth = tls_inbox
    settings = Settings(smtp_url=f"smtp://mailer:{SECRET}@127.0.0.1:{box.port}", mail_from=FROM)
    client = ssl.create_default_context(cafile=certificate[0])
    mail.send(settings, _message(settings), ssl_context=client)
    assert auth.logins == [("mailer", SECRET)]
    [got] = box.messages
    assert got.recipients == ["someone@example.com"]
    assert got.message["Subject"] == "Hello Bcc: evil@example.com"  # one line, no new header
    assert got.message["Bcc"] is None
    assert got.part("plain").strip() == "text body" and "html body" in got.part("html")


def test_a_wrong_password_or_an_untrusted_certificate_is_a_mail_error(tls_inbox, certificate):
    box, _auth = tls_inbox
    wrong = Settings(smtp_url=f"smtp://mailer:wrong-{SECRET}@127.0.0.1:{box.port}",
                     mail_from=FROM)
    with pytest.raises(mail.MailError) as info:
        mail.send(wrong, _message(wrong),
                  ssl_context=ssl.create_default_context(cafile=certificate[0]))
    assert "535" in str(info.value) and SECRET not in str(info.value)
    right = Settings(smtp_url=f"smtp://mailer:{SECRET}@127.0.0.1:{box.port}", mail_from=FROM)
    with pytest.raises(mail.MailError) as info:  # the system CAs do not know this certificate
        mail.send(right, _message(right))
    assert "certificate" in str(info.value).lower()
    assert box.messages == []


def test_implicit_tls_with_smtps(certificate):
    box = Inbox("127.0.0.1", free_port())
    controller = start(box, ssl_context=_server_tls(certificate))
    try:
        settings = Settings(smtp_url=f"smtps://127.0.0.1:{box.port}", mail_from=FROM)
        mail.send(settings, _message(settings),
                  ssl_context=ssl.create_default_context(cafile=certificate[0]))
    finally:
        controller.stop()
    assert len(box.messages) == 1


def test_a_password_is_never_sent_to_a_server_without_starttls(inbox):  # noqa: F811
    settings = Settings(smtp_url=f"smtp://mailer:{SECRET}@127.0.0.1:{inbox.port}",
                        mail_from=FROM)
    with pytest.raises(mail.MailError) as info:
        mail.send(settings, _message(settings))
    assert "does not offer STARTTLS" in str(info.value) and inbox.messages == []


def test_a_server_that_never_answers_times_out(caplog):
    with socket.socket() as silent:  # accepts connections (backlog), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        settings = Settings(smtp_url=f"smtp://mailer:{SECRET}@127.0.0.1:{port}",
                            mail_from=FROM, smtp_timeout_seconds=1)
        problem = mail.deliver(settings, lambda: _message(settings), what="test")
    assert "no answer in time" in problem
    assert "no answer in time" in caplog.text and SECRET not in caplog.text


def test_a_refused_connection_is_reported_plainly():
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}", mail_from=FROM)
    with pytest.raises(mail.MailError) as info:
        mail.send(settings, _message(settings))
    assert "connection refused" in str(info.value)


def test_the_templates_render_one_line_subjects():
    from server.admin.i18n import load_catalogs
    from server.admin.templating import make_environment

    catalogs = load_catalogs()
    got = mail.render(make_environment(), catalogs["en"], "en",
                      "admin/member/mail_invitation.html", link="https://x.test/admin/invite/t",
                      inviter="Ann\r\nBcc: evil@example.com", workspace_name="A & B <c>",
                      role_label="Viewer", days=7)
    assert got.subject == "Ann Bcc: evil@example.com invited you to A & B <c> on Shirube"
    assert "A & B <c>" in got.text and "A &amp; B &lt;c&gt;" in got.html


def test_only_one_plain_recipient_is_ever_addressed():
    settings = Settings(smtp_url="smtp://127.0.0.1:25", mail_from=FROM)
    for to in ("victim,attacker@example.com", "ü@example.com", "a b@example.com"):
        with pytest.raises(mail.MailError):
            _message(settings, to)
        assert "not an address" in mail.deliver(settings, lambda t=to: _message(settings, t),
                                                 what="test")

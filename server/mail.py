"""Outgoing email (password links, invitations) through the SMTP server of SHIRUBE_SMTP_URL.

- `smtp://user:pass@host:587`: plain connection upgraded with STARTTLS (required when the
  URL has credentials: a password is never sent in clear; used when the server offers it
  otherwise, so `smtp://localhost:25` works with a local relay). Default port 25.
- `smtps://user:pass@host:465`: TLS from the first byte. Default port 465.

Certificates are verified against the system's CAs (`SSL_CERT_FILE` points elsewhere).
Sending is blocking (smtplib): call it from a worker thread — admin views already run in
one — never on the event loop. Every failure is a `MailError` with a message fit for logs
and people; the password of the URL is never in it, nor in a log line.

A message is rendered from one template with three blocks, `subject`, `text` and `html`
(see admin/templates/admin/auth/mail_password.html), in the recipient's language, and
sent as multipart/alternative (plain text first, then HTML).
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    import gettext

    from jinja2 import Environment

    from .settings import Settings

log = logging.getLogger("shirube.mail")

_ADDRESS = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"'.]{1,63}$")
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailSettingsError(ValueError):
    """SHIRUBE_SMTP_URL or SHIRUBE_MAIL_FROM is unusable (wrapped in SettingsError)."""


class MailError(Exception):
    """The mail server could not be reached or refused the message (safe to show and log)."""


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(unparsable URL)"
    if not password:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to send, from SHIRUBE_SMTP_URL."""

    implicit_tls: bool
    host: str
    port: int
    username: str
    password: str
    timeout: float

    def __repr__(self) -> str:  # never the password, even in a traceback
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"SmtpServer({scheme}://{user}{self.host}:{self.port})"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str, *, timeout: float) -> SmtpServer:
    """SHIRUBE_SMTP_URL to an `SmtpServer`; MailSettingsError (password redacted) when wrong."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise MailSettingsError(f"SHIRUBE_SMTP_URL={shown!r}: the port must be a number "
                                "from 1 to 65535") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise MailSettingsError(f"SHIRUBE_SMTP_URL={shown!r}: use smtp://host:port "
                                "(STARTTLS) or smtps://host:port (TLS)")
    if not parts.hostname:
        raise MailSettingsError(f"SHIRUBE_SMTP_URL={shown!r}: the host name is missing")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MailSettingsError(f"SHIRUBE_SMTP_URL={shown!r}: only scheme://user:password"
                                "@host:port is understood (no path or options)")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise MailSettingsError(f"SHIRUBE_SMTP_URL={shown!r}: a password needs a user name")
    return SmtpServer(implicit_tls=parts.scheme == "smtps", host=parts.hostname,
                      port=port or DEFAULT_PORTS[parts.scheme], username=username,
                      password=password, timeout=float(timeout))


def parse_mail_from(value: str) -> Address:
    """SHIRUBE_MAIL_FROM ("Name <addr>" or "addr") to an Address; MailSettingsError if wrong."""
    if "\r" in value or "\n" in value:
        raise MailSettingsError("SHIRUBE_MAIL_FROM must be on one line")
    name, addr = parseaddr(value.strip())
    if not _ADDRESS.match(addr):
        raise MailSettingsError(f"SHIRUBE_MAIL_FROM={value!r}: not an email address "
                                "(e.g. Shirube <noreply@example.com>)")
    local, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(jinja: Environment, translations: gettext.NullTranslations, lang: str,
           template: str, **values: Any) -> Rendered:
    """The `subject`, `text` and `html` blocks of a mail template, in `lang`."""
    tmpl = jinja.get_template(template)
    context = tmpl.new_context({"translations": translations, "lang": lang, **values})

    def block(name: str) -> str:
        return "".join(tmpl.blocks[name](context)).strip()

    subject = " ".join(block("subject").split())  # one line: no header injection
    return Rendered(subject=subject, text=block("text") + "\n", html=block("html") + "\n")


def compose(*, settings: Settings, to: str, content: Rendered) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) from SHIRUBE_MAIL_FROM to `to`."""
    sender = parse_mail_from(settings.mail_from)
    try:  # one plain address: "a,b@x.test" must not become two recipients
        recipient = Address(addr_spec=to)
    except (ValueError, IndexError):
        raise MailError(f"{to!r} is not an address this server can email") from None
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = " ".join(content.subject.split())  # one line: no header injection
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    return msg


class Connection:
    """One SMTP session: `with Connection(settings) as conn: conn.send(message)`.

    Entering connects, secures and signs in (MailError when it cannot); leaving says QUIT.
    """

    def __init__(self, settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.server = parse_smtp_url(settings.smtp_url, timeout=settings.smtp_timeout_seconds)
        self.ssl_context = ssl_context
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        server = self.server
        context = self.ssl_context or ssl.create_default_context()
        try:
            if server.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                      timeout=server.timeout, context=context)
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            self.smtp = smtp
            smtp.ehlo()
            if not server.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.username:
                    raise MailError(f"the mail server {server.label} does not offer STARTTLS: "
                                    "the password is not sent in clear (use smtps://)")
            if server.username:
                smtp.login(server.username, server.password)
        except MailError:
            self._close()
            raise
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            self._close()
            raise MailError(f"the mail server {server.label} could not be used: "
                            f"{_describe(exc)}") from None
        return self

    def send(self, message: EmailMessage) -> None:
        assert self.smtp is not None, "use Connection as a context manager"
        try:
            refused = self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"the mail server {self.server.label} refused the message: "
                            f"{_describe(exc)}") from None
        if refused:
            raise MailError(f"the mail server {self.server.label} refused the recipient")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self._close()

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None


def send(settings: Settings, message: EmailMessage, *,
         ssl_context: ssl.SSLContext | None = None) -> None:
    """Send one message (blocking; MailError when it could not be handed to the server)."""
    with Connection(settings, ssl_context=ssl_context) as conn:
        conn.send(message)


def deliver(settings: Settings, build: Callable[[], EmailMessage], *, what: str,
            ssl_context: ssl.SSLContext | None = None) -> str:
    """Build a message, send it and log the outcome: "" when sent, else the reason (logged)."""
    try:
        send(settings, build(), ssl_context=ssl_context)
    except MailError as exc:
        log.warning("could not send the %s email: %s", what, exc)
        return str(exc)
    log.info("sent the %s email", what)
    return ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())[:200]}"
    cause = exc.__cause__ or exc.__context__  # smtplib re-raises a timeout as "disconnected"
    if isinstance(exc, TimeoutError) or isinstance(cause, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]

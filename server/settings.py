"""Every knob of the server, read from SHIRUBE_* environment variables.

Nothing reads the environment at import time: `Settings.from_env()` is called by the
CLI or by `create_app()` when no settings are passed, so tests build their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

_PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-insecure-secret"}


class SettingsError(ValueError):
    """A setting has a value the server refuses to start with."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"expected a boolean, got {value!r}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Server settings. Each field maps to the environment variable SHIRUBE_<NAME>."""

    # Where the data lives. SQLite file by default; postgresql+psycopg://… in production.
    database_url: str = "sqlite:///shirube.db"
    # "development" or "production"; production refuses placeholder secrets.
    environment: str = "development"
    # Signs admin sessions and builder tokens.
    secret_key: str = "dev-insecure-secret"
    # The public base URL of this server (used in printed snippets and the demo).
    public_url: str = "http://127.0.0.1:8000"
    # Serve the demo host app at /demo/.
    demo: bool = False
    # Largest accepted body on the SDK event endpoint, in bytes.
    max_event_body_bytes: int = 512 * 1024
    # Most events in one SDK batch.
    max_sdk_batch: int = 500
    # Most events in one admin REST batch (historical imports).
    max_admin_batch: int = 5000
    # Largest accepted JSON body on other endpoints, in bytes.
    max_body_bytes: int = 2 * 1024 * 1024
    # An end user's last_seen_at is written at most this often (seconds) when traits are unchanged.
    last_seen_write_seconds: int = 300
    # Log level for the shirube logger.
    log_level: str = "info"
    # Extra directories of guide files the demo imports (comma separated).
    demo_guides_dir: str = ""
    # Admin sessions end after this many minutes without a request…
    session_idle_minutes: int = 30
    # …and this many hours after sign-in, whatever the activity.
    session_absolute_hours: int = 12
    # Who may sign up in the admin: "first" (only the first user), "open" or "closed".
    admin_signup: str = "first"
    # One-time password links (createuser, resetpassword) expire after this many hours.
    password_link_hours: int = 24
    # Invitation links expire after this many days.
    invitation_days: int = 7
    # The mail server for password links and invitations; empty = none (links are shown
    # or printed instead). smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465
    # (TLS from the start), smtp://host:25 (a local relay).
    smtp_url: str = ""
    # The From address of those emails ("Shirube <noreply@example.com>"); required with smtp_url.
    mail_from: str = ""
    # Each step of an SMTP conversation (connect, TLS, each command) waits at most this long.
    smtp_timeout_seconds: int = 10
    # Dashboards and /api/v1/metrics may answer with a result computed from older data, at
    # most this many seconds old, while it is recomputed in the background (the JSON says
    # `computed_at` and `stale`; `?fresh=1` waits for the current data). 0: always compute
    # the figures of the current data before answering.
    metrics_stale_seconds: int = 300
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from SHIRUBE_* variables; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"SHIRUBE_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.type in ("bool", bool):
                    values[f.name] = _bool(raw)
                elif f.type in ("int", int):
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise SettingsError(f"SHIRUBE_{f.name.upper()}={raw!r}: {exc}") from exc
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def validate(self) -> None:
        """Refuse settings that are unsafe or meaningless."""
        if self.environment not in {"development", "production", "test"}:
            raise SettingsError(
                f"SHIRUBE_ENVIRONMENT={self.environment!r}: use development, test or production"
            )
        if self.environment == "production" and (
            self.secret_key.lower() in _PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise SettingsError(
                "SHIRUBE_SECRET_KEY must be set to a random value of 32+ characters in production"
            )
        if self.admin_signup not in {"first", "open", "closed"}:
            raise SettingsError(
                f"SHIRUBE_ADMIN_SIGNUP={self.admin_signup!r}: use first, open or closed"
            )
        if min(self.session_idle_minutes, self.session_absolute_hours,
               self.password_link_hours, self.invitation_days) < 1:
            raise SettingsError("SHIRUBE_SESSION_*, SHIRUBE_PASSWORD_LINK_HOURS and "
                                "SHIRUBE_INVITATION_DAYS must be at least 1")
        if self.max_sdk_batch < 1 or self.max_event_body_bytes < 1024:
            raise SettingsError("event limits must be positive (max_sdk_batch ≥ 1, body ≥ 1 KiB)")
        if self.metrics_stale_seconds < 0:
            raise SettingsError("SHIRUBE_METRICS_STALE_SECONDS must be 0 (never stale) or more")
        self._validate_mail()

    def _validate_mail(self) -> None:
        from .mail import MailSettingsError, parse_mail_from, parse_smtp_url

        if not self.smtp_url:
            return
        if not 1 <= self.smtp_timeout_seconds <= 300:
            raise SettingsError("SHIRUBE_SMTP_TIMEOUT_SECONDS must be between 1 and 300")
        try:
            parse_smtp_url(self.smtp_url, timeout=self.smtp_timeout_seconds)
            if not self.mail_from.strip():
                raise MailSettingsError("SHIRUBE_MAIL_FROM is required when SHIRUBE_SMTP_URL "
                                        "is set (e.g. Shirube <noreply@example.com>)")
            parse_mail_from(self.mail_from)
        except MailSettingsError as exc:
            raise SettingsError(str(exc)) from None

    @property
    def mail_enabled(self) -> bool:
        """Whether a mail server is configured (password links and invitations are emailed)."""
        return bool(self.smtp_url)

    @property
    def secure_cookies(self) -> bool:
        """Admin cookies are `__Host-`, Secure unless the server is reached over plain http."""
        return not self.public_url.startswith("http://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for in-memory / other databases."""
        if not self.is_sqlite:
            return None
        rest = self.database_url.split(":///", 1)[-1]
        return None if rest in {"", ":memory:"} else Path(rest)

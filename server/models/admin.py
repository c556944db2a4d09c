"""The admin side: people who author guides, their workspace roles, sessions and audit trail.

Secrets are never stored in clear: session ids, invitation and password-reset tokens are
kept as SHA-256 of a 256-bit random token (a database leak gives no usable cookie or
link); passwords as argon2id hashes. TOTP secrets must stay in clear (the server computes
codes with them), like the identity secrets of environments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow

#: Workspace roles, weakest first: viewer (read only) < editor (guides, features,
#: segments, theme) < owner (members, keys, settings).
ROLES = ("viewer", "editor", "owner")


class AdminUser(SQLModel, table=True):
    """Someone who signs in to the admin UI (not an end user of a customer's app)."""

    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    name: str = Field(default="", max_length=200)
    # None until the person sets a password through a one-time link (createuser).
    password_hash: str | None = Field(default=None, max_length=255)
    locale: str | None = Field(default=None, max_length=10)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled: bool = False
    # The last TOTP time step accepted: a code is never accepted twice (RFC 6238 §5.2).
    totp_last_step: int = 0
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkspaceMember(SQLModel, table=True):
    """A user's role in one workspace."""

    __tablename__ = "workspace_member"

    workspace_id: int = Field(foreign_key="workspace.id", primary_key=True)
    user_id: int = Field(foreign_key="admin_user.id", primary_key=True, index=True)
    role: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AdminSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a token; `id` is its SHA-256."""

    __tablename__ = "admin_session"

    id: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="admin_user.id", index=True)
    # Synchronizer CSRF token: forms carry it in a hidden field, fetch() in X-CSRF-Token.
    csrf_token: str = Field(max_length=64)
    # Password accepted, TOTP code still due: only the second-factor page is allowed.
    mfa_pending: bool = False
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """An owner's invitation of a teammate to a workspace with a role (one-time link)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    email: str = Field(max_length=254)
    role: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    invited_by: int | None = Field(default=None, foreign_key="admin_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordToken(SQLModel, table=True):
    """A one-time link to set a password (reset, or first password after createuser)."""

    __tablename__ = "password_token"

    token_hash: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="admin_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins per (email, IP) — the state of the exponential login throttle."""

    __tablename__ = "login_attempt"

    key: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what to which object, when and from where. Never holds a secret."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_ws_time", "workspace_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id")
    user_id: int | None = Field(default=None, foreign_key="admin_user.id")
    # Kept as text too: the trail stays readable after the user is deleted.
    actor: str = Field(default="", max_length=254)
    action: str = Field(max_length=64)
    object_type: str = Field(default="", max_length=40)
    object_id: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignedTrafficDaily(SQLModel, table=True):
    """Bootstraps per environment and UTC day, and how many carried a valid user signature.

    Feeds the "share of signed traffic in the last 7 days" shown before identity
    verification can be enforced. Written in increments by each worker's counter.
    """

    __tablename__ = "signed_traffic_daily"

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    day: str = Field(max_length=10, primary_key=True)
    total: int = 0
    signed: int = 0

"""Server-side admin sessions: created at sign-in, checked on every request, revocable.

The cookie carries a random 256-bit token; the database keeps its SHA-256 as the
session id, so reading the table gives no usable cookie. A session ends when revoked,
after `idle` without requests or `absolute` after creation. Sign-in always creates a new
session (a token planted before sign-in is worthless: no fixation).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models.admin import AdminSession, AdminUser

#: last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)
SECURE_COOKIE = "__Host-shirube_session"
PLAIN_COOKIE = "shirube_session"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, settings: object) -> SessionPolicy:
        return cls(idle=timedelta(minutes=settings.session_idle_minutes),  # type: ignore[attr-defined]
                   absolute=timedelta(hours=settings.session_absolute_hours))  # type: ignore[attr-defined]


def cookie_name(secure: bool) -> str:
    """`__Host-` cookies must be Secure: over plain http (development) a plain name is used."""
    return SECURE_COOKIE if secure else PLAIN_COOKIE


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    *, session: Session, user: AdminUser, now: datetime, ip: str = "", user_agent: str = "",
    mfa_pending: bool = False,
) -> tuple[str, AdminSession]:
    """A new session for `user`: (cookie token, row). The caller commits."""
    token = secrets.token_urlsafe(32)
    row = AdminSession(
        id=token_id(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),  # type: ignore[arg-type]
        mfa_pending=mfa_pending, ip=ip[:64], user_agent=user_agent[:300],
        created_at=now, last_seen_at=now,
    )
    session.add(row)
    return token, row


def load_session(
    *, session: Session, token: str | None, policy: SessionPolicy, now: datetime
) -> tuple[AdminSession, AdminUser] | None:
    """The live session of a cookie token and its user, or None (expired, revoked, unknown)."""
    if not token or len(token) > 100:
        return None
    row = session.get(AdminSession, token_id(token))
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute:
        return None
    user = session.get(AdminUser, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return row, user


def revoke_session(*, session: Session, row: AdminSession, now: datetime) -> None:
    row.revoked_at = now
    session.add(row)


def revoke_user_sessions(
    *, session: Session, user_id: int, now: datetime, keep: str | None = None
) -> int:
    """Revoke every live session of a user (password change, reset, removal); returns how many."""
    stmt = (
        sa.update(AdminSession)
        .where(col(AdminSession.user_id) == user_id, col(AdminSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if keep is not None:
        stmt = stmt.where(col(AdminSession.id) != keep)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def live_sessions(*, session: Session, user_id: int, policy: SessionPolicy,
                  now: datetime) -> list[AdminSession]:
    """The user's sessions that are still valid, newest first."""
    rows = session.exec(
        select(AdminSession)
        .where(AdminSession.user_id == user_id, col(AdminSession.revoked_at).is_(None),
               col(AdminSession.created_at) > now - policy.absolute,
               col(AdminSession.last_seen_at) > now - policy.idle)
        .order_by(col(AdminSession.created_at).desc())
    ).all()
    return list(rows)

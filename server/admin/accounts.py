"""Admin accounts: sign-up, sign-in, one-time password links, memberships, invitations.

Plain service functions (keyword-only, a session in, the caller commits); no Starlette,
so the CLI (`shirube createuser`, `resetpassword`) uses the same code as the pages.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Workspace
from ..models.admin import AdminUser, Invitation, PasswordToken, WorkspaceMember
from ..security import throttle
from ..security.passwords import hash_password, needs_rehash, password_problem, verify_password
from ..security.roles import is_role
from ..security.sessions import revoke_user_sessions
from ..workspaces.service import slugify
from .i18n import N_

# The password policy's messages (security/passwords.py), for the catalogs.
_PASSWORD_MESSAGES = (N_("Use at least 10 characters."), N_("Use at most 1024 characters."),
                      N_("Do not use your email address as your password."))
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"'.]{1,63}$")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; `field` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    """Trimmed, lower-cased; AccountError when it does not look like an address."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError(N_("Enter a valid email address."), "email")
    return email


def user_by_email(*, session: Session, email: str) -> AdminUser | None:
    return session.exec(select(AdminUser).where(AdminUser.email == email.strip().lower())).first()


def user_count(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AdminUser)).one())


def signup_open(*, session: Session, mode: str) -> bool:
    """Whether /admin/signup accepts a new account (SHIRUBE_ADMIN_SIGNUP)."""
    return mode == "open" or (mode == "first" and user_count(session=session) == 0)


def check_password(password: str, *, email: str) -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, "password")


def create_user(*, session: Session, email: str, name: str = "",
                password: str | None = None) -> AdminUser:
    """A new admin user (no password: they set one through a one-time link)."""
    email = normalise_email(email)
    if user_by_email(session=session, email=email) is not None:
        raise AccountError(N_("An account with this email already exists."), "email")
    if password is not None:
        check_password(password, email=email)
    user = AdminUser(email=email, name=name.strip()[:200],
                     password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def new_workspace(*, session: Session, name: str, owner: AdminUser) -> Workspace:
    """A new workspace (unique slug) with `owner` as its owner."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError(N_("Enter a workspace name (at most 200 characters)."), "workspace_name")
    base, n = slugify(name), 1
    slug = base
    while session.exec(select(Workspace).where(Workspace.slug == slug)).first() is not None:
        n += 1
        slug = f"{base[:90]}-{n}"
    ws = Workspace(name=name, slug=slug)
    session.add(ws)
    session.flush()
    set_role(session=session, workspace=ws, user=owner, role="owner")
    return ws


def sign_up(*, session: Session, email: str, name: str, password: str,
            workspace_name: str) -> tuple[AdminUser, Workspace]:
    """The sign-up form: a user who owns a new workspace."""
    user = create_user(session=session, email=email, name=name, password=password)
    return user, new_workspace(session=session, name=workspace_name, owner=user)


@dataclass(frozen=True, slots=True)
class SignIn:
    user: AdminUser | None
    blocked_for: timedelta | None = None


def authenticate(*, session: Session, email: str, password: str, ip: str,
                 now: datetime) -> SignIn:
    """Check a password under the login throttle; counts failures (the caller commits)."""
    email = email.strip().lower()[:254]
    wait = throttle.blocked_for(session=session, email=email, ip=ip, now=now)
    if wait is not None:
        return SignIn(None, wait)
    user = user_by_email(session=session, email=email)
    ok = verify_password(user.password_hash if user else None, password[:1024])
    if not ok or user is None or not user.is_active:
        throttle.record_failure(session=session, email=email, ip=ip, now=now)
        return SignIn(None)
    throttle.record_success(session=session, email=email, ip=ip)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.add(user)
    return SignIn(user)


@dataclass(frozen=True, slots=True)
class ResetRequest:
    user: AdminUser | None  # the active account of that address; None for any other
    blocked_for: timedelta | None = None


def password_reset_request(*, session: Session, email: str, ip: str,
                           now: datetime) -> ResetRequest:
    """A "forgot your password" request, under its own throttle per (email, IP).

    Every request counts (like a failed sign-in, in a separate record): three are free, then
    each waits twice as long (2 s, 4 s… 15 min). Unknown and inactive addresses count the
    same and give no user. The caller commits.
    """
    key = "password-reset\n" + email.strip().lower()[:254]
    wait = throttle.blocked_for(session=session, email=key, ip=ip, now=now)
    if wait is not None:
        return ResetRequest(None, wait)
    throttle.record_failure(session=session, email=key, ip=ip, now=now)
    user = user_by_email(session=session, email=email)
    return ResetRequest(user if user is not None and user.is_active else None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password_link(*, session: Session, user: AdminUser, now: datetime, hours: int) -> str:
    """A one-time set-password token (earlier unused ones stop working)."""
    session.execute(
        sa.update(PasswordToken)
        .where(col(PasswordToken.user_id) == user.id, col(PasswordToken.used_at).is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(PasswordToken(token_hash=_digest(token), user_id=user.id,  # type: ignore[arg-type]
                              created_at=now, expires_at=now + timedelta(hours=hours)))
    return token


def password_token_user(*, session: Session, token: str, now: datetime) -> AdminUser | None:
    """The user of a valid, unused set-password token, or None."""
    row = session.get(PasswordToken, _digest(token)) if len(token) < 100 else None
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return session.get(AdminUser, row.user_id)


def use_password_token(*, session: Session, token: str, password: str,
                       now: datetime) -> AdminUser:
    """Set the password of a token's user; the token is spent and every session revoked."""
    user = password_token_user(session=session, token=token, now=now)
    if user is None:
        raise AccountError(N_("This link has expired or was already used."))
    check_password(password, email=user.email)
    row = session.get(PasswordToken, _digest(token))
    assert row is not None
    row.used_at = now
    session.add(row)
    change_password(session=session, user=user, password=password, now=now)
    return user


def change_password(*, session: Session, user: AdminUser, password: str, now: datetime,
                    keep_session: str | None = None) -> None:
    check_password(password, email=user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    revoke_user_sessions(session=session, user_id=user.id, now=now, keep=keep_session)  # type: ignore[arg-type]


def set_role(*, session: Session, workspace: Workspace, user: AdminUser, role: str) -> None:
    """Add `user` to `workspace` with `role`, or change their role."""
    if not is_role(role):
        raise AccountError(N_("Choose a role from the list."), "role")
    row = session.get(WorkspaceMember, (workspace.id, user.id))
    if row is None:
        row = WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=role)  # type: ignore[arg-type]
    row.role = role
    session.add(row)
    session.flush()


def owner_count(*, session: Session, workspace_id: int) -> int:
    return int(session.exec(
        select(func.count()).select_from(WorkspaceMember)
        .where(WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.role == "owner")
    ).one())


def create_invitation(*, session: Session, workspace: Workspace, email: str, role: str,
                      invited_by: AdminUser, now: datetime, days: int) -> tuple[str, Invitation]:
    """An invitation link for `email` with `role`: (token shown once, row)."""
    email = normalise_email(email)
    if not is_role(role):
        raise AccountError(N_("Choose a role from the list."), "role")
    existing = user_by_email(session=session, email=email)
    if existing is not None and session.get(WorkspaceMember, (workspace.id, existing.id)):
        raise AccountError(N_("This person is already a member."), "email")
    token = secrets.token_urlsafe(32)
    inv = Invitation(workspace_id=workspace.id, email=email, role=role,  # type: ignore[arg-type]
                     token_hash=_digest(token), invited_by=invited_by.id, created_at=now,
                     expires_at=now + timedelta(days=days))
    session.add(inv)
    session.flush()
    return token, inv


def invitation_by_token(*, session: Session, token: str, now: datetime) -> Invitation | None:
    """A pending (not accepted, revoked or expired) invitation, or None."""
    if len(token) > 100:
        return None
    inv = session.exec(select(Invitation).where(Invitation.token_hash == _digest(token))).first()
    if inv is None or inv.accepted_at or inv.revoked_at or inv.expires_at <= now:
        return None
    return inv


def accept_invitation(*, session: Session, invitation: Invitation, user: AdminUser,
                      now: datetime) -> None:
    """Make `user` (whose email the invitation names) a member with the invited role."""
    if user.email != invitation.email:
        raise AccountError(N_("This invitation was sent to another email address."))
    ws = session.get(Workspace, invitation.workspace_id)
    assert ws is not None
    current = session.get(WorkspaceMember, (ws.id, user.id))
    if current is None:
        set_role(session=session, workspace=ws, user=user, role=invitation.role)
    invitation.accepted_at = now
    session.add(invitation)

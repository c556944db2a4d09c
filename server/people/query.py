"""Reading end users and accounts: keyset lists by external id and detail views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Account, AccountMembership, EndUser, GuideState

MAX_MEMBERS_SHOWN = 100

P = TypeVar("P", EndUser, Account)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _list(session: Session, model: type[P], environment_id: int, q: str | None,
          after: str | None, limit: int) -> list[P]:
    ext = col(model.external_id)
    stmt = select(model).where(model.environment_id == environment_id)
    if q:
        stmt = stmt.where(sa.func.lower(ext).like(f"%{_escape_like(q.lower())}%", escape="\\"))
    if after is not None:
        stmt = stmt.where(ext > after)
    return list(session.exec(stmt.order_by(ext).limit(limit + 1)).all())


def list_users(*, session: Session, environment_id: int, q: str | None = None,
               after: str | None = None, limit: int = 50) -> list[EndUser]:
    """End users ordered by external id, after ``after``; ``limit + 1`` rows.

    ``q`` matches a substring of the external id, case-insensitively.
    """
    return _list(session, EndUser, environment_id, q, after, limit)


def list_accounts(*, session: Session, environment_id: int, q: str | None = None,
                  after: str | None = None, limit: int = 50) -> list[Account]:
    """Accounts ordered by external id, after ``after``; ``limit + 1`` rows."""
    return _list(session, Account, environment_id, q, after, limit)


@dataclass(frozen=True, slots=True)
class UserView:
    """An end user with their accounts and their state in every guide they met."""

    user: EndUser
    accounts: list[dict[str, Any]]
    guide_states: list[GuideState]


@dataclass(frozen=True, slots=True)
class AccountView:
    """An account with (the first ``MAX_MEMBERS_SHOWN``) member user ids and the count."""

    account: Account
    users: list[str]
    user_count: int


def _person(session: Session, model: type[P], environment_id: int, external_id: str) -> P | None:
    stmt = select(model).where(model.environment_id == environment_id,
                               model.external_id == external_id)
    return session.exec(stmt).first()


def get_user(*, session: Session, environment_id: int, external_id: str) -> UserView | None:
    """The detail view of one end user, or ``None``."""
    user = _person(session, EndUser, environment_id, external_id)
    if user is None:
        return None
    account_ids = list(session.exec(
        select(AccountMembership.account_id)
        .where(AccountMembership.environment_id == environment_id,
               AccountMembership.user_id == external_id)
        .order_by(col(AccountMembership.account_id))
    ).all())
    traits: dict[str, dict[str, Any]] = {}
    if account_ids:
        rows = session.exec(select(Account).where(
            Account.environment_id == environment_id, col(Account.external_id).in_(account_ids)
        )).all()
        traits = {a.external_id: a.traits for a in rows}
    states = list(session.exec(
        select(GuideState)
        .where(GuideState.environment_id == environment_id, GuideState.user_id == external_id)
        .order_by(col(GuideState.guide_key))
    ).all())
    accounts = [{"id": a, "traits": traits.get(a, {})} for a in account_ids]
    return UserView(user=user, accounts=accounts, guide_states=states)


def get_account(*, session: Session, environment_id: int, external_id: str) -> AccountView | None:
    """The detail view of one account, or ``None``."""
    account = _person(session, Account, environment_id, external_id)
    if account is None:
        return None
    where = (AccountMembership.environment_id == environment_id,
             AccountMembership.account_id == external_id)
    users = list(session.exec(
        select(AccountMembership.user_id).where(*where)
        .order_by(col(AccountMembership.user_id)).limit(MAX_MEMBERS_SHOWN)
    ).all())
    count = session.exec(select(sa.func.count()).select_from(AccountMembership).where(*where)).one()
    return AccountView(account=account, users=users, user_count=count)

"""Bulk upserts of end users and accounts (admin REST imports), all rows or none.

Traits merge like `identify()`: values sent win, traits not sent are kept. Each upsert
locks the rows it will change (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write
transaction is already exclusive) and creates the missing ones with
`INSERT … ON CONFLICT DO NOTHING RETURNING`, so a concurrent SDK bootstrap creating
the same person cannot make the batch fail: a row that appeared meanwhile is merged
instead. Nothing here touches `guides_version`: people are not part of the guide cache.
Nothing commits; the caller's transaction is the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ..delivery.bootstrap import traits_hash
from ..models import Account, AccountMembership, EndUser

_CHUNK = 500
P = TypeVar("P", EndUser, Account)


@dataclass(frozen=True, slots=True)
class PersonInput:
    """One user or account to upsert (``account_id`` only for users)."""

    id: str
    traits: dict[str, Any] = field(default_factory=dict)
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """How many distinct ids were new and how many already existed."""

    created: int
    updated: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated}


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _locked(session: Session, model: type[P], env_id: int, ids: Sequence[str]) -> dict[str, P]:
    found: dict[str, P] = {}
    for part in _chunks(ids):
        stmt = (
            select(model)
            .where(model.environment_id == env_id, col(model.external_id).in_(part))
            .with_for_update()
        )
        found.update({row.external_id: row for row in session.exec(stmt).all()})
    return found


def _merge(session: Session, model: type[P], env_id: int, wanted: dict[str, dict[str, Any]],
           now: datetime) -> UpsertResult:
    """Create or merge-update each external id in ``wanted`` (id → traits)."""
    ids = sorted(wanted)  # a stable lock order: two batches never deadlock each other
    existing = _locked(session, model, env_id, ids)
    missing = [i for i in ids if i not in existing]
    created: set[str] = set()
    table = model.__table__  # type: ignore[attr-defined]
    for part in _chunks(missing):
        rows = [
            {"environment_id": env_id, "external_id": i, "traits": wanted[i],
             "traits_hash": traits_hash(wanted[i]) if wanted[i] else "",
             "first_seen_at": now, "last_seen_at": now}
            for i in part
        ]
        stmt = (
            _insert(session, table).values(rows)
            .on_conflict_do_nothing(index_elements=["environment_id", "external_id"])
            .returning(table.c.external_id)
        )
        created.update(session.execute(stmt).scalars().all())
    raced = [i for i in missing if i not in created]
    if raced:
        existing.update(_locked(session, model, env_id, raced))
    for ext_id, row in existing.items():
        incoming = wanted[ext_id]
        if not incoming:
            continue
        merged = {**(row.traits or {}), **incoming}
        if merged != row.traits:
            row.traits = merged
        # Same bookkeeping as bootstrap: the hash of what was last sent.
        row.traits_hash = traits_hash(incoming)
        session.add(row)
    session.flush()
    return UpsertResult(created=len(created), updated=len(ids) - len(created))


def _fold(people: Sequence[PersonInput]) -> dict[str, dict[str, Any]]:
    # The same id twice in one batch: later traits win, like two identify() calls.
    wanted: dict[str, dict[str, Any]] = {}
    for p in people:
        wanted[p.id] = {**wanted.get(p.id, {}), **p.traits}
    return wanted


def upsert_accounts(*, session: Session, environment_id: int, accounts: Sequence[PersonInput],
                    now: datetime) -> UpsertResult:
    """Create or merge the traits of each account. Does not commit."""
    return _merge(session, Account, environment_id, _fold(accounts), now)


def upsert_users(*, session: Session, environment_id: int, users: Sequence[PersonInput],
                 now: datetime) -> UpsertResult:
    """Create or merge each end user; link those with an ``account_id`` (created if new).

    Does not commit.
    """
    result = _merge(session, EndUser, environment_id, _fold(users), now)
    links = sorted({(u.id, u.account_id) for u in users if u.account_id is not None})
    if links:
        accounts: dict[str, dict[str, Any]] = {a: {} for _, a in links}
        _merge(session, Account, environment_id, accounts, now)
        table = AccountMembership.__table__  # type: ignore[attr-defined]
        for part in _chunks(links):
            rows = [{"environment_id": environment_id, "user_id": u, "account_id": a,
                     "created_at": now} for u, a in part]
            session.execute(_insert(session, table).values(rows).on_conflict_do_nothing())
    return result

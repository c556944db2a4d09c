"""The audit log: every state-changing admin action, and how owners read it.

`record` is called by views after a change, in the same transaction. Details hold
what changed (names, roles, origins) and never a secret: keys and tokens are not
passed in, only the fact that they were rotated.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from ..models.admin import AdminUser, AuditEntry

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
_SECRETISH = ("secret", "token", "password", "key_value", "totp")


def record(*, session: Session, action: str, workspace_id: int | None, user: AdminUser | None,
           ip: str, now: datetime, object_type: str = "", object_id: Any = "",
           details: dict[str, Any] | None = None, actor: str | None = None) -> AuditEntry:
    """Append one entry (the caller commits with the change itself)."""
    clean = {k: v for k, v in (details or {}).items()
             if not any(s in k.lower() for s in _SECRETISH)}
    entry = AuditEntry(
        workspace_id=workspace_id, user_id=user.id if user else None,
        actor=(actor if actor is not None else (user.email if user else ""))[:254],
        action=action[:64], object_type=object_type[:40], object_id=str(object_id)[:200],
        details=clean, ip=ip[:64], created_at=now,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str = ""
    actor: str = ""

    def apply(self, stmt: Any) -> Any:
        if self.action:
            stmt = stmt.where(col(AuditEntry.action).startswith(self.action[:64]))
        if self.actor:
            stmt = stmt.where(col(AuditEntry.actor).contains(self.actor[:254].lower()))
        return stmt


def page_of(*, session: Session, workspace_id: int, where: AuditFilter,
            page: int) -> tuple[Sequence[AuditEntry], int]:
    """Entries of one page (newest first) and the number of pages."""
    base = where.apply(select(AuditEntry).where(AuditEntry.workspace_id == workspace_id))
    total = int(session.exec(
        where.apply(select(func.count()).select_from(AuditEntry)
                    .where(AuditEntry.workspace_id == workspace_id))
    ).one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.exec(base.order_by(col(AuditEntry.id).desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, pages


def actions(*, session: Session, workspace_id: int) -> list[str]:
    """Distinct actions of a workspace (the filter's choices)."""
    return list(session.exec(
        select(AuditEntry.action).where(AuditEntry.workspace_id == workspace_id)
        .distinct().order_by(AuditEntry.action)
    ).all())


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must not start with = + - @ (OWASP).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(entries: Iterable[AuditEntry]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["time_utc", "actor", "action", "object_type", "object_id", "ip", "details"])
    for e in entries:
        out.writerow([_cell(v) for v in (
            e.created_at.isoformat(), e.actor, e.action, e.object_type, e.object_id, e.ip,
            json.dumps(e.details, ensure_ascii=False, sort_keys=True),
        )])
    return buf.getvalue()


def export_rows(*, session: Session, workspace_id: int, where: AuditFilter) -> Sequence[AuditEntry]:
    return session.exec(
        where.apply(select(AuditEntry).where(AuditEntry.workspace_id == workspace_id))
        .order_by(col(AuditEntry.id).desc()).limit(EXPORT_LIMIT)
    ).all()

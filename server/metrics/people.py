"""What the loyalty metrics need to know about people: account links, money and NPS.

- **Monetary** (METRICS.md "RFM"): the trait `monetary_trait` (default `mrr`) of the
  user's account when the user is grouped, else of the user; missing or non-numeric is 0.
  A user's account is its `account_membership` row (the most recent link when several).
  Only JSON numbers count (not numeric strings, not booleans).
- **NPS category** (METRICS.md "Surveys"): from the user's most recent `survey_answered`
  event with `properties.kind == "nps"` and a numeric `properties.score` in 0–10, at or
  before the moment asked about: 9–10 promoter, 7–8 passive, 0–6 detractor. Read from
  the event log so it does not depend on the survey tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlmodel import Session

from ..models import Account, AccountMembership, EndUser, Event
from .days import as_number

NpsCategory = Literal["promoter", "passive", "detractor"]
_ev = Event.__table__  # type: ignore[attr-defined]
_member = AccountMembership.__table__  # type: ignore[attr-defined]


def nps_category(score: float) -> NpsCategory:
    """Promoters 9–10, passives 7–8, detractors 0–6 (METRICS.md "Surveys")."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def user_accounts(*, session: Session, environment_id: int) -> dict[str, str]:
    """Each grouped user's account: its most recent membership (then the greatest id)."""
    stmt = (sa.select(_member.c.user_id, _member.c.account_id)
            .where(_member.c.environment_id == environment_id)
            .order_by(_member.c.user_id, _member.c.created_at, _member.c.account_id))
    return {user: account for user, account in session.execute(stmt)}  # last one wins


def account_members(*, session: Session, environment_id: int) -> dict[str, list[str]]:
    """Every account's member users (all memberships), sorted."""
    out: dict[str, list[str]] = {}
    stmt = (sa.select(_member.c.account_id, _member.c.user_id)
            .where(_member.c.environment_id == environment_id)
            .order_by(_member.c.account_id, _member.c.user_id))
    for account, user in session.execute(stmt):
        out.setdefault(account, []).append(user)
    return out


def json_field(session: Session, table: sa.Table, column: str, key: str, *,
               environment_id: int, only: Any = None,
               present: bool = False) -> list[tuple[str, Any]]:
    """(external_id, value of top-level `key` in JSON `column`) for one environment's rows.

    The value keeps its JSON type on both databases (`->`: jsonb on PostgreSQL, JSON text
    on SQLite ≥ 3.38), so `true` is never read as 1.
    """
    col = table.c[column]
    if session.get_bind().dialect.name == "sqlite":
        path = '$."' + key.replace('"', "") + '"'
        expr = col.op("->", return_type=sa.Text)(sa.literal(path, sa.String))
        decode = True
    else:
        expr = col.op("->")(sa.literal(key, sa.String))
        decode = False
    stmt = sa.select(table.c.external_id, expr).where(table.c.environment_id == environment_id)
    if only is not None:  # a SELECT of the external ids wanted
        stmt = stmt.where(table.c.external_id.in_(only))
    if present:  # only the rows that have the key (JSON null included)
        stmt = stmt.where(expr.is_not(None))
    rows = session.execute(stmt).all()
    return [(ext, orjson.loads(raw) if decode and raw is not None else raw) for ext, raw in rows]


def _trait_values(session: Session, model: type, environment_id: int,
                  trait: str) -> dict[str, float]:
    table = model.__table__  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for ext, raw in json_field(session, table, "traits", trait, environment_id=environment_id):
        value = as_number(raw)
        if value is not None:
            out[ext] = value
    return out


def account_monetary(*, session: Session, environment_id: int,
                     monetary_trait: str = "mrr") -> dict[str, float]:
    """The monetary trait of every account that has a numeric one."""
    return _trait_values(session, Account, environment_id, monetary_trait)


def json_number(column: Any, key: str, dialect: str) -> Any:
    """SQL for the top-level `key` of a JSON column when it is a JSON number, else NULL."""
    if dialect == "sqlite":
        path = sa.literal('$."' + key.replace('"', "") + '"', sa.String)
        return sa.case((sa.func.json_type(column, path).in_(("integer", "real")),
                        sa.cast(sa.func.json_extract(column, path), sa.Float)), else_=None)
    element = column.op("->", return_type=sa.Text)(sa.literal(key, sa.String))
    text = column.op("->>", return_type=sa.Text)(sa.literal(key, sa.String))
    return sa.case((sa.func.jsonb_typeof(element) == "number", sa.cast(text, sa.Float)),
                   else_=None)


def with_monetary(session: Session, base: Any, *, environment_id: int,
                  monetary_trait: str = "mrr") -> sa.Select:
    """`base`'s columns plus `monetary` for its `subject_id` users, computed in SQL.

    Monetary = the trait of the user's account (most recent membership) when it is a
    number, else the user's own when it is a number, else 0.
    """
    dialect = session.get_bind().dialect.name
    rank = sa.func.row_number().over(partition_by=_member.c.user_id,
                                     order_by=(_member.c.created_at.desc(),
                                               _member.c.account_id.desc()))
    latest = (sa.select(_member.c.user_id, _member.c.account_id, rank.label("rn"))
              .where(_member.c.environment_id == environment_id).subquery())
    acct = Account.__table__.alias("acct")  # type: ignore[attr-defined]
    user = EndUser.__table__.alias("usr")  # type: ignore[attr-defined]
    money = sa.func.coalesce(json_number(acct.c.traits, monetary_trait, dialect),
                             json_number(user.c.traits, monetary_trait, dialect), 0.0)
    joined = (base.outerjoin(latest, sa.and_(latest.c.user_id == base.c.subject_id,
                                             latest.c.rn == 1))
              .outerjoin(acct, sa.and_(acct.c.environment_id == environment_id,
                                       acct.c.external_id == latest.c.account_id))
              .outerjoin(user, sa.and_(user.c.environment_id == environment_id,
                                       user.c.external_id == base.c.subject_id)))
    return sa.select(*base.c, money.label("monetary")).select_from(joined)


def user_monetary(*, session: Session, environment_id: int, users: Any,
                  monetary_trait: str = "mrr") -> dict[str, float]:
    """Monetary value per user of `users` (a SELECT of ids, or ids): see with_monetary."""
    if not isinstance(users, sa.Select):
        wanted = set(users)
        everyone = user_monetary(session=session, environment_id=environment_id,
                                 users=_all_users(environment_id),
                                 monetary_trait=monetary_trait)
        return {u: everyone.get(u, 0.0) for u in wanted}
    base = users.subquery()
    stmt = with_monetary(session, base, environment_id=environment_id,
                         monetary_trait=monetary_trait)
    return {row[0]: float(row[-1]) for row in session.execute(stmt).all()}


def _all_users(environment_id: int) -> sa.Select:
    from ..models.rollup import MetricFirstSeen

    fs = MetricFirstSeen.__table__  # type: ignore[attr-defined]
    return sa.select(fs.c.subject_id).where(fs.c.environment_id == environment_id,
                                            fs.c.kind == "u")


def survey_users(environment_id: int) -> sa.Select:
    """The ids of users with any `survey_answered` event (as `subject_id`)."""
    return (sa.select(_ev.c.user_id.label("subject_id")).distinct()
            .where(_ev.c.environment_id == environment_id, _ev.c.type == "survey_answered",
                   _ev.c.user_id.is_not(None)))


def monetary_histogram(*, session: Session, environment_id: int, users: sa.Select,
                       monetary_trait: str = "mrr") -> list[tuple[float, int]]:
    """(monetary value, number of users) over `users`, ascending (a median needs no more)."""
    stmt = with_monetary(session, users.subquery(), environment_id=environment_id,
                         monetary_trait=monetary_trait).subquery()
    rows = session.execute(sa.select(stmt.c.monetary, sa.func.count())
                           .group_by(stmt.c.monetary).order_by(stmt.c.monetary)).all()
    return [(float(v), int(n)) for v, n in rows]


def latest_nps(*, session: Session, environment_id: int, before: datetime,
               since: datetime | None = None) -> dict[str, float]:
    """Each user's most recent valid NPS score with timestamp < `before` (and ≥ `since`)."""
    props = _ev.c.properties
    stmt = (sa.select(_ev.c.user_id, props["score"])
            .where(_ev.c.environment_id == environment_id, _ev.c.type == "survey_answered",
                   _ev.c.timestamp < before, _ev.c.user_id.is_not(None),
                   props["kind"].as_string() == "nps")
            .order_by(_ev.c.timestamp, _ev.c.id))
    if since is not None:
        stmt = stmt.where(_ev.c.timestamp >= since)
    out: dict[str, float] = {}
    for user, raw in session.execute(stmt):
        score = as_number(raw)
        if score is not None and 0 <= score <= 10:
            out[user] = score  # ascending time: the last valid answer wins
    return out


def nps_categories(*, session: Session, environment_id: int,
                   before: datetime) -> dict[str, NpsCategory]:
    """Each user's NPS category from their most recent answer before `before`."""
    scores = latest_nps(session=session, environment_id=environment_id, before=before)
    return {user: nps_category(score) for user, score in scores.items()}

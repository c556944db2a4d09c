"""Event-log lookups of "type X without a name" use the type index and mean exactly that."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from server.db import analyze
from server.metrics import churn
from server.metrics.days import Period
from server.models import Event

AT = datetime(2026, 10, 5, 12, tzinfo=UTC)
P = Period.ending(as_of=date(2026, 10, 31), days=30)


def _add(db: Any, env: int, n: int, user: str, type_: str, name: str | None) -> None:
    with db.session() as s:
        s.add(Event(environment_id=env, uuid=f"00000000-0000-7000-8000-{n:012d}", type=type_,
                    name=name, user_id=user, properties={}, timestamp=AT, received_at=AT))
        s.commit()


def test_churned_events_by_type_need_no_name_and_by_name_any_type(db: Any, factory: Any) -> None:
    env = factory.environment().environment.id
    _add(db, env, 1, "typed-unnamed", "churned", None)
    _add(db, env, 2, "typed-empty-name", "churned", "")
    _add(db, env, 3, "typed-other-name", "churned", "other")
    _add(db, env, 4, "named", "track", "churned")
    _add(db, env, 5, "neither", "track", "opened")
    with db.session() as s:
        got = churn.explicitly_churned(session=s, environment_id=env,
                                       before=P.end_at)
    assert got == {"typed-unnamed", "named"}


def test_sqlite_reads_churned_events_through_the_type_or_name_index(db: Any,
                                                                    factory: Any) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner choice; PostgreSQL plans by statistics")
    env = factory.environment().environment.id
    with db.session() as s:  # a log shaped like a real one: mostly unnamed page views
        for n in range(3000):
            unnamed = n % 10 < 7
            s.add(Event(environment_id=env, uuid=f"00000000-0000-7000-8000-{n:012d}",
                        type="page_view" if unnamed else "track",
                        name=None if unnamed else f"event-{n % 7}", user_id=f"u{n % 300}",
                        properties={}, timestamp=AT, received_at=AT))
        s.commit()
    _add(db, env, 99999, "u", "churned", None)
    with db.engine.connect() as conn:
        analyze(conn)  # our tables only: a bare ANALYZE would visit other workers' schemas
        conn.commit()
    statements: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             many: bool) -> None:
        if "FROM event" in statement:
            statements.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", grab)
    try:
        with db.session() as s:
            churn.explicitly_churned(session=s, environment_id=env,
                                     before=P.end_at)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", grab)
    assert len(statements) == 2
    plans = []
    with db.engine.connect() as conn:
        for statement, params in statements:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.append(" ".join(str(r[-1]) for r in rows))
    assert "ix_event_env_name_time (environment_id=? AND name=?" in plans[0]
    assert "ix_event_env_type_time (environment_id=? AND type=?" in plans[1], plans[1]

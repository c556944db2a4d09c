"""Storage: migrations match the models, SQLite pragmas, timestamps stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.models import Workspace, metadata


def test_upgrade_head_on_an_empty_database_matches_the_models(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []


def test_every_table_exists_after_migration(db):
    names = set(sa.inspect(db.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names
    assert "alembic_version" in names


def test_sqlite_runs_in_wal_mode_with_full_sync(db):
    if db.dialect != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_timestamps_round_trip_as_aware_utc(db):
    tokyo = timezone(timedelta(hours=9))
    when = datetime(2026, 11, 23, 17, 0, tzinfo=tokyo)
    with db.session() as s:
        ws = Workspace(name="T", slug="t", created_at=when)
        s.add(ws)
        s.commit()
        wid = ws.id
    with db.session() as s:
        got = s.get(Workspace, wid)
        assert got is not None
        assert got.created_at == when
        assert got.created_at.tzinfo is not None
        assert got.created_at.astimezone(UTC).hour == 8


def test_event_uuid_is_unique_per_environment_not_globally(db, factory):
    a = factory.environment(workspace="A").environment.id
    b = factory.environment(workspace="B").environment.id
    from server.fastsql import FastSQL
    from server.ingest.service import ingest_events

    fast = FastSQL(db.hot_engine)
    ev = {
        "id": "0190f1c2-0000-7000-8000-000000000001",
        "type": "track",
        "name": "x",
        "user_id": "u",
        "timestamp": "2026-11-01T00:00:00Z",
    }
    now = datetime.now(UTC)
    assert ingest_events(fast=fast, environment_id=a, raw_events=[ev], now=now).accepted == 1
    assert ingest_events(fast=fast, environment_id=b, raw_events=[ev], now=now).accepted == 1
    assert ingest_events(fast=fast, environment_id=a, raw_events=[ev], now=now).duplicates == 1

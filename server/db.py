"""Engine and session factory. SQLite (WAL, synchronous=FULL) by default, PostgreSQL in production.

`Database` is built by `create_app()` / the CLI, never at import time. Hot paths
(bootstrap, event intake) use `db.engine.connect()` with Core statements; everything
else uses SQLModel sessions from `db.session()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .settings import Settings


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's BEGIN is the only transaction control.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # Writers ask for IMMEDIATE (execution option sqlite_begin): the write lock is taken up
    # front, so two workers never fail upgrading a read lock; readers stay DEFERRED.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _pg_autocommit(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.autocommit = True


def make_engine(database_url: str, *, echo: bool = False, hot_path: bool = False) -> sa.Engine:
    """An engine configured for SQLite or PostgreSQL.

    `hot_path=True` is the engine of server/fastsql.py: on PostgreSQL its connections run
    in autocommit (a read costs one round trip, no BEGIN/COMMIT; writers open their own
    transaction) and skip the pre-ping round trip on checkout.
    """
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=8,
            max_overflow=8,
        )
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = sa.create_engine(
        database_url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=not hot_path,
        pool_recycle=1800,
    )
    if hot_path:
        sa.event.listen(engine, "connect", _pg_autocommit)
    return engine


class Database:
    """The engine plus helpers to open sessions and transactions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.dialect = self.engine.dialect.name
        #: The hot paths' engine (see make_engine); SQLite shares the main one.
        self.hot_engine = (
            self.engine
            if self.dialect == "sqlite"
            else make_engine(settings.database_url, hot_path=True)
        )
        #: For transactions that write: IMMEDIATE on SQLite, plain elsewhere.
        self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A SQLModel session for admin/CLI work (it may write); the caller commits."""
        with Session(self.write_engine, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.hot_engine is not self.engine:
            self.hot_engine.dispose()


def analyze(conn: sa.Connection) -> None:
    """Refresh the planner's statistics of Shirube's own tables.

    On PostgreSQL a bare ``ANALYZE`` visits every table of the database, other schemas
    included, and can deadlock with whatever else runs there (another tenant's schema,
    a TRUNCATE); naming our tables keeps it to the schema on the search path."""
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql("ANALYZE")
        return
    from .models import metadata

    quote = conn.dialect.identifier_preparer.quote
    names = sorted(metadata.tables)
    conn.exec_driver_sql("ANALYZE " + ", ".join(quote(n) for n in names))

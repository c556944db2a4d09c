"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

The database under test is chosen by SHIRUBE_TEST_POSTGRES_URL: unset → a SQLite file
per test (copied from one migrated template); set → PostgreSQL, one schema per xdist
worker, migrated once, truncated between tests. `make test` runs the suite both ways.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from server.db import Database
from server.migrations import upgrade
from server.models import metadata
from server.settings import Settings

PG_URL = os.environ.get("SHIRUBE_TEST_POSTGRES_URL", "")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: SQLite template file, or a migrated PostgreSQL schema."""
    if PG_URL:
        # One schema per process: concurrent runs (and xdist workers) never share tables.
        schema = f"shirube_test_{_worker()}_{os.getpid()}"
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        engine.dispose()
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
        upgrade(url)
        yield url
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test."""
    if PG_URL:
        engine = sa.create_engine(_template_db)
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        engine.dispose()
        yield _template_db
        return
    path = tmp_path / "shirube.db"
    shutil.copyfile(_template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Metrics are computed when read: tests insert data and read the figures at once.
    return Settings(database_url=database_url, environment="test", metrics_stale_seconds=0)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@dataclass
class EnvFactory:
    """Creates workspaces/environments and publishes guides for tests."""

    db: Database

    def environment(
        self,
        *,
        workspace: str = "Acme",
        name: str = "production",
        origins: list[str] | None = None,
        identity_verification: bool = False,
    ) -> Any:
        from server.workspaces.service import create_environment, get_or_create_workspace

        with self.db.session() as s:
            ws = get_or_create_workspace(session=s, name=workspace)
            created = create_environment(
                session=s,
                workspace=ws,
                name=name,
                origins=origins if origins is not None else ["https://app.acme.test"],
                identity_verification=identity_verification,
            )
            s.commit()
            return created

    def guides(self, env: Any, *definitions: dict[str, Any], draft: bool = False) -> Any:
        """Import guide definitions (dicts in the guide-file format) into `env`."""
        import tempfile

        import yaml

        from server.guides.service import import_guide_files
        from server.models import Environment

        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, defn in enumerate(definitions):
                p = Path(d) / f"{i:03d}-{defn['key']}.yaml"
                p.write_text(yaml.safe_dump(defn, allow_unicode=True, sort_keys=False))
                paths.append(p)
            with self.db.session() as s:
                environment = s.get(Environment, env.environment.id)
                return import_guide_files(
                    session=s, environment=environment, paths=paths, draft=draft, author="test"
                )


@pytest.fixture
def factory(db: Database) -> EnvFactory:
    return EnvFactory(db)

"""The loaded fixture history, on the database under test (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from server.metrics.rollup import refresh_rollups

from .fixture import GUIDE_DEF, Data, build, load


@dataclass
class Loaded:
    session: Session
    env_id: int
    data: Data
    db: Any


@pytest.fixture
def loaded(db: Any, factory: Any) -> Iterator[Loaded]:
    created = factory.environment()
    factory.guides(created, GUIDE_DEF)
    data = build()
    env_id = created.environment.id
    load(db, env_id, data)
    with db.session() as s:
        refresh_rollups(session=s, environment_id=env_id, now=datetime.now(UTC))
        s.commit()
    with db.session() as s:
        yield Loaded(s, env_id, data, db)

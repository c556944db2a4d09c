"""Feature tags: a named set of rules that mark events as use of a product feature.

Rules (validated by server/features/rules.py) are a JSON list of
`{"kind": "click", "target": {...}}`, `{"kind": "url", "url": {...}}` or
`{"kind": "event", "name": "..."}`. See docs/features.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow


class Feature(SQLModel, table=True):
    """A tagged feature of one environment (METRICS.md "Feature adoption")."""

    __table_args__ = (sa.UniqueConstraint("environment_id", "key", name="uq_feature_env_key"),)

    id: int | None = Field(default=None, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    key: str = Field(max_length=100)
    name: str = Field(max_length=200)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    archived: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""Guides and their immutable published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow

GUIDE_STATUSES = ("draft", "published", "archived")


class Guide(SQLModel, table=True):
    """A guide of one environment; `published_version` is the number of the live version."""

    __table_args__ = (sa.UniqueConstraint("environment_id", "key", name="uq_guide_env_key"),)

    id: int | None = Field(default=None, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id", index=True)
    key: str = Field(max_length=100)
    name: str = Field(max_length=200)
    type: str = Field(max_length=20)
    status: str = Field(default="draft", max_length=20)
    published_version: int | None = None
    # The working definition being edited (admin autosave, `guides import --draft`).
    draft: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    # Scheduled publish of the draft (server/guides/schedule.py; `shirube publish-due`).
    publish_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    publish_message: str | None = Field(default=None, max_length=500)
    publish_author: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GuideVersion(SQLModel, table=True):
    """An immutable snapshot of a guide definition (normalised guide-file dict)."""

    __tablename__ = "guide_version"
    __table_args__ = (sa.UniqueConstraint("guide_id", "number", name="uq_guide_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="guide.id", index=True)
    number: int
    definition: dict[str, Any] = Field(sa_type=JSONType)
    definition_hash: str = Field(max_length=64)
    author: str = Field(default="", max_length=200)
    message: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

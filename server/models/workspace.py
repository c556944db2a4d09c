"""Workspaces (a customer organisation) and their environments (development, production…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow


class Workspace(SQLModel, table=True):
    """A customer organisation; owns environments, members and settings."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Environment(SQLModel, table=True):
    """One deployment target of a workspace, with its own keys, origins, guides and data.

    The secret API key is stored only as a SHA-256 hash (it only authenticates); the
    identity-verification secrets are kept in clear because the server must compute
    HMACs with them. Two may be active during a rotation.
    """

    __table_args__ = (sa.UniqueConstraint("workspace_id", "name", name="uq_environment_ws_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=100)
    publishable_key: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    secret_key_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    secret_key_hint: str = Field(default="", max_length=16)
    identity_secrets: list[str] = Field(default_factory=list, sa_type=JSONType)
    identity_verification: bool = False
    allowed_origins: list[str] = Field(default_factory=list, sa_type=JSONType)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Bumped in the same transaction as any change to what is published: the cache key
    # that keeps every worker's compiled-guide cache correct.
    guides_version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""The event log: every interaction, deduplicated on (environment, client uuid)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import BigIntPK, JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """One event. `uuid` is minted by the client (UUIDv7 from the SDK, time-ordered)."""

    __table_args__ = (
        sa.UniqueConstraint("environment_id", "uuid", name="uq_event_env_uuid"),
        sa.Index("ix_event_env_time", "environment_id", "timestamp"),
        sa.Index("ix_event_env_user_time", "environment_id", "user_id", "timestamp"),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    uuid: str = Field(max_length=36)
    type: str = Field(max_length=32)
    name: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=255)
    account_id: str | None = Field(default=None, max_length=255)
    guide_key: str | None = Field(default=None, max_length=100)
    step: int | None = None
    properties: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # The client's clock (kept as given, e.g. for historical imports) and the server's.
    timestamp: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

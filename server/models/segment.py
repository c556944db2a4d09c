"""Segments: saved audiences per environment, and the materialised members of each.

A *rule* segment is an audience rule (docs/targeting.md, plus feature/guide leaves);
a *computed* segment names a figure of the metrics layer (NPS category, RFM segment,
loyalty cell, lifecycle stage, usage tier, account health below a threshold).
`segment_member` holds who is in each segment as of its last refresh (docs/segments.md);
bootstrap reads one user's rows through `ix_segment_member_env_user_key`, which covers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow

SEGMENT_KINDS = ("rule", "computed")


class Segment(SQLModel, table=True):
    """A saved audience definition (docs/segments.md)."""

    __table_args__ = (sa.UniqueConstraint("environment_id", "key", name="uq_segment_env_key"),)

    id: int | None = Field(default=None, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    key: str = Field(max_length=100)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    member_count: int = 0
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SegmentMember(SQLModel, table=True):
    """User `user_id` has been in segment `segment_key` since `since` (as of the last refresh)."""

    __tablename__ = "segment_member"
    __table_args__ = (
        # Covers the bootstrap snapshot's membership probe (migration 0007).
        sa.Index("ix_segment_member_env_user_key", "environment_id", "user_id", "segment_key"),
    )

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    segment_key: str = Field(max_length=100, primary_key=True)
    user_id: str = Field(max_length=255, primary_key=True)
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

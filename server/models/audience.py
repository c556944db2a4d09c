"""End users, accounts, their link, and each user's state per guide.

End users and accounts are keyed by the customer's own ids (`external_id`); events and
guide states refer to those ids directly, so intake never needs a lookup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow


class _Person(SQLModel):
    """Columns shared by end users and accounts."""

    id: int | None = Field(default=None, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    external_id: str = Field(max_length=255)
    traits: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # sha256 of the canonical JSON of the traits last sent: bootstrap writes only when it changes.
    traits_hash: str = Field(default="", max_length=64)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EndUser(_Person, table=True):
    """A person using the customer's app, identified by the customer's user id."""

    __tablename__ = "end_user"
    __table_args__ = (
        sa.UniqueConstraint("environment_id", "external_id", name="uq_end_user_env_ext"),
    )


class Account(_Person, table=True):
    """A customer's customer (company / team) that end users belong to."""

    __table_args__ = (
        sa.UniqueConstraint("environment_id", "external_id", name="uq_account_env_ext"),
    )


class AccountMembership(SQLModel, table=True):
    """The user ↔ account link (a user may belong to several accounts)."""

    __tablename__ = "account_membership"

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    user_id: str = Field(max_length=255, primary_key=True)
    account_id: str = Field(max_length=255, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GuideState(SQLModel, table=True):
    """What one end user has done with one guide; updated from guide events."""

    __tablename__ = "guide_state"

    environment_id: int = Field(foreign_key="environment.id", primary_key=True)
    user_id: str = Field(max_length=255, primary_key=True)
    guide_key: str = Field(max_length=100, primary_key=True)
    times_seen: int = 0
    first_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_step: int = 0
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    holdout: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""Outbound webhooks: subscriptions, the outbox of deliveries, and each delivery attempt.

A `webhook_delivery` row is written in the same transaction as the change it reports
(server/webhooks/outbox.py) and stays `pending` until the receiver answers 2xx or the
retry schedule (24 h) runs out (`failed`). Workers claim rows with a lease
(`lease_until`), so a worker killed mid-delivery loses nothing: the lease expires and
another worker sends the message again with the same `webhook-id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import BigIntPK, JSONType, UTCDateTime, utcnow

WEBHOOK_EVENT_TYPES = (
    "survey.answered", "segment.entered", "segment.left", "lifecycle.changed", "guide.completed",
)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookSubscription(SQLModel, table=True):
    """An endpoint of the customer's that receives some event types of one environment."""

    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id", index=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType)
    # "whsec_" + base64 of the HMAC key (Standard Webhooks).
    secret: str = Field(max_length=100)
    description: str = Field(default="", max_length=500)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One message to one subscription: the outbox row and its delivery log entry."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_sub", "subscription_id", "id"),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    environment_id: int = Field(foreign_key="environment.id")
    subscription_id: int = Field(foreign_key="webhook_subscription.id")
    # The `webhook-id` header: the same on every attempt, receivers dedupe on it.
    message_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set while a worker holds the row; an expired lease makes it claimable again.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of a delivery (the delivery log shows them all)."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    delivery_id: int = Field(sa_type=sa.BigInteger(), foreign_key="webhook_delivery.id",
                             index=True)
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = 0

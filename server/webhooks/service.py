"""Webhook subscriptions and the delivery log: keyword-only service functions.

URLs must be https; plain http is accepted only for loopback hosts (localhost,
127.0.0.1, ::1) and only when the caller allows it (not in production), so a receiver
in a test or on a developer's machine works while production traffic is always
encrypted. Every change is the caller's to commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models.types import utcnow
from ..models.webhook import (
    WEBHOOK_EVENT_TYPES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from .signing import new_secret

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class WebhookError(ValueError):
    """A subscription value the service refuses; the message names the field and value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_url(url: str, *, allow_loopback_http: bool) -> str:
    """The URL if acceptable (https, or http to a loopback host when allowed)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        raise WebhookError("url", f"url {url!r} must be an absolute URL without credentials")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and allow_loopback_http and parts.hostname in LOOPBACK:
        return url
    raise WebhookError("url", f"url {url!r} must use https")


def check_event_types(types: Sequence[str]) -> list[str]:
    """Known event types, deduplicated in the documented order; at least one."""
    unknown = [t for t in types if t not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise WebhookError("event_types", f"unknown event type {unknown[0]!r}; known: "
                           + ", ".join(WEBHOOK_EVENT_TYPES))
    if not types:
        raise WebhookError("event_types", "subscribe to at least one event type")
    return [t for t in WEBHOOK_EVENT_TYPES if t in set(types)]


def create_subscription(*, session: Session, environment_id: int, url: str,
                        event_types: Sequence[str], description: str = "",
                        allow_loopback_http: bool = False) -> WebhookSubscription:
    """A new active subscription with a fresh secret."""
    sub = WebhookSubscription(
        environment_id=environment_id,
        url=check_url(url, allow_loopback_http=allow_loopback_http),
        event_types=check_event_types(event_types), secret=new_secret(),
        description=description,
    )
    session.add(sub)
    session.flush()
    return sub


def get_subscription(*, session: Session, environment_id: int,
                     subscription_id: int) -> WebhookSubscription | None:
    sub = session.get(WebhookSubscription, subscription_id)
    return sub if sub is not None and sub.environment_id == environment_id else None


def list_subscriptions(*, session: Session, environment_id: int, after: int | None,
                       limit: int) -> list[WebhookSubscription]:
    """Subscriptions by id, `limit + 1` after the cursor."""
    stmt = select(WebhookSubscription).where(WebhookSubscription.environment_id == environment_id)
    if after is not None:
        stmt = stmt.where(col(WebhookSubscription.id) > after)
    return list(session.exec(stmt.order_by(col(WebhookSubscription.id)).limit(limit + 1)))


def update_subscription(*, session: Session, sub: WebhookSubscription, url: str | None = None,
                        event_types: Sequence[str] | None = None, active: bool | None = None,
                        description: str | None = None, rotate_secret: bool = False,
                        allow_loopback_http: bool = False) -> WebhookSubscription:
    """Change some fields; `rotate_secret` issues a new secret (the old one stops at once)."""
    if url is not None:
        sub.url = check_url(url, allow_loopback_http=allow_loopback_http)
    if event_types is not None:
        sub.event_types = check_event_types(event_types)
    if active is not None:
        sub.active = active
    if description is not None:
        sub.description = description
    if rotate_secret:
        sub.secret = new_secret()
    sub.updated_at = utcnow()
    session.add(sub)
    session.flush()
    return sub


def delete_subscription(*, session: Session, sub: WebhookSubscription) -> None:
    """Remove a subscription with its delivery log."""
    ids = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == sub.id)
    session.execute(sa.delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids)))
    session.execute(sa.delete(WebhookDelivery).where(
        col(WebhookDelivery.subscription_id) == sub.id))
    session.delete(sub)
    session.flush()


def list_deliveries(*, session: Session, environment_id: int, subscription_id: int | None,
                    status: str | None, before: int | None,
                    limit: int) -> list[WebhookDelivery]:
    """The delivery log, newest first, `limit + 1` rows before the cursor id."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.environment_id == environment_id)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if before is not None:
        stmt = stmt.where(col(WebhookDelivery.id) < before)
    return list(session.exec(stmt.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)))


def get_delivery(*, session: Session, environment_id: int,
                 delivery_id: int) -> WebhookDelivery | None:
    row = session.get(WebhookDelivery, delivery_id)
    return row if row is not None and row.environment_id == environment_id else None


def delivery_attempts(*, session: Session, delivery_id: int) -> list[WebhookAttempt]:
    """Every attempt of one delivery, oldest first."""
    return list(session.exec(select(WebhookAttempt).where(
        WebhookAttempt.delivery_id == delivery_id).order_by(col(WebhookAttempt.id))))


def retry_delivery(*, session: Session, delivery: WebhookDelivery,
                   now: datetime | None = None) -> WebhookDelivery:
    """Make a delivery due now again (the retry button); delivered ones are sent again too.

    The message keeps its `webhook-id`, so a receiver that already has it ignores it.
    """
    delivery.status = "pending"
    delivery.next_attempt_at = now or utcnow()
    delivery.lease_until = None
    session.add(delivery)
    session.flush()
    return delivery

"""Admin REST: outbound webhooks — subscriptions, the delivery log with attempts, retry.

The secret (`whsec_…`) is returned when a subscription is created and when it is
rotated (`PATCH {"rotate_secret": true}`); receivers verify signatures with it
(docs/webhooks.md). http:// URLs are accepted only for loopback hosts outside production.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError
from ...models.webhook import WebhookDelivery, WebhookSubscription
from ...webhooks import service
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    environment_id,
    not_found,
    page_model,
    parse_body,
    parse_query,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page

EventType = Literal["survey.answered", "segment.entered", "segment.left", "lifecycle.changed",
                    "guide.completed"]


class SubscriptionIn(Strict):
    url: str = Field(min_length=1, max_length=2000, description="https:// endpoint")
    event_types: list[EventType] = Field(min_length=1)
    description: str = Field(default="", max_length=500)


class SubscriptionPatch(Strict):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=500)
    active: bool | None = None
    rotate_secret: bool = Field(default=False, description="Issue a new secret (returned once)")


class SubscriptionOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    description: str
    active: bool
    secret: str | None = Field(default=None, description="Only when created or rotated")
    created_at: datetime
    updated_at: datetime


class DeliveryQuery(PageQuery):
    status: Literal["pending", "delivered", "failed"] | None = None


class AttemptOut(BaseModel):
    attempted_at: datetime
    status: int | None = Field(description="HTTP status; null on a network error")
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    message_id: str = Field(description="The webhook-id header (the same on every attempt)")
    event_type: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetailOut(DeliveryOut):
    attempt_log: list[AttemptOut]


class DeletedOut(BaseModel):
    deleted: int


SubscriptionPage = page_model(SubscriptionOut, "WebhookSubscriptionPage")
DeliveryPage = page_model(DeliveryOut, "WebhookDeliveryPage")


def _allow_loopback(request: Request) -> bool:
    return request.app.state.settings.environment != "production"


def _sub_out(sub: WebhookSubscription, *, secret: bool = False) -> dict[str, Any]:
    out = sub.model_dump(include={"id", "url", "event_types", "description", "active",
                                  "created_at", "updated_at"})
    return {**out, "secret": sub.secret if secret else None}


def _delivery_out(row: WebhookDelivery) -> dict[str, Any]:
    return row.model_dump(exclude={"environment_id", "lease_until"})


def _invalid(exc: service.WebhookError) -> ApiError:
    return ApiError(422, "validation_error", str(exc), [{"loc": exc.field, "msg": str(exc)}])


def _sub(session: Session, env_id: int, request: Request) -> WebhookSubscription:
    sub_id = request.path_params["id"]
    sub = service.get_subscription(session=session, environment_id=env_id, subscription_id=sub_id)
    if sub is None:
        raise not_found("webhook", sub_id)
    return sub


async def list_subscriptions(request: Request) -> Response:
    env_id = await environment_id(request)
    q = parse_query(request, PageQuery)
    after = decode_cursor(q.cursor, (int,))
    rows = await run(request, lambda s: service.list_subscriptions(
        session=s, environment_id=env_id, after=after[0] if after else None, limit=q.limit))
    return respond(SubscriptionPage, page(rows, limit=q.limit, key=lambda r: (r.id,),
                                          shape=_sub_out))


async def create_subscription(request: Request) -> Response:
    env_id = await environment_id(request)
    body = await parse_body(request, SubscriptionIn)

    def work(session: Session) -> dict[str, Any]:
        try:
            sub = service.create_subscription(
                session=session, environment_id=env_id, url=body.url,
                event_types=list(body.event_types), description=body.description,
                allow_loopback_http=_allow_loopback(request))
        except service.WebhookError as exc:
            raise _invalid(exc) from None
        return _sub_out(sub, secret=True)

    return respond(SubscriptionOut, await run(request, work, write=True), status=201)


async def get_subscription(request: Request) -> Response:
    env_id = await environment_id(request)
    return respond(SubscriptionOut, await run(request, lambda s: _sub_out(
        _sub(s, env_id, request))))


async def update_subscription(request: Request) -> Response:
    env_id = await environment_id(request)
    body = await parse_body(request, SubscriptionPatch)

    def work(session: Session) -> dict[str, Any]:
        try:
            sub = service.update_subscription(
                session=session, sub=_sub(session, env_id, request), url=body.url,
                event_types=None if body.event_types is None else list(body.event_types),
                active=body.active, description=body.description,
                rotate_secret=body.rotate_secret, allow_loopback_http=_allow_loopback(request))
        except service.WebhookError as exc:
            raise _invalid(exc) from None
        return _sub_out(sub, secret=body.rotate_secret)

    return respond(SubscriptionOut, await run(request, work, write=True))


async def delete_subscription(request: Request) -> Response:
    env_id = await environment_id(request)

    def work(session: Session) -> dict[str, Any]:
        sub = _sub(session, env_id, request)
        sub_id = sub.id
        service.delete_subscription(session=session, sub=sub)
        return {"deleted": sub_id}

    return respond(DeletedOut, await run(request, work, write=True))


def _deliveries(*, one_subscription: bool) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        q = parse_query(request, DeliveryQuery)
        before = decode_cursor(q.cursor, (int,))

        def work(session: Session) -> dict[str, Any]:
            sub_id = _sub(session, env_id, request).id if one_subscription else None
            rows = service.list_deliveries(session=session, environment_id=env_id,
                                           subscription_id=sub_id, status=q.status,
                                           before=before[0] if before else None, limit=q.limit)
            return page(rows, limit=q.limit, key=lambda r: (r.id,), shape=_delivery_out)

        return respond(DeliveryPage, await run(request, work))

    return endpoint


def _delivery(session: Session, env_id: int, request: Request) -> WebhookDelivery:
    delivery_id = request.path_params["id"]
    row = service.get_delivery(session=session, environment_id=env_id, delivery_id=delivery_id)
    if row is None:
        raise not_found("delivery", delivery_id)
    return row


def _detail(session: Session, row: WebhookDelivery) -> dict[str, Any]:
    attempts = service.delivery_attempts(session=session, delivery_id=row.id)  # type: ignore[arg-type]
    return {**_delivery_out(row), "attempt_log": [
        a.model_dump(include={"attempted_at", "status", "error", "duration_ms"}) for a in attempts]}


async def get_delivery(request: Request) -> Response:
    env_id = await environment_id(request)
    return respond(DeliveryDetailOut, await run(request, lambda s: _detail(
        s, _delivery(s, env_id, request))))


async def retry_delivery(request: Request) -> Response:
    env_id = await environment_id(request)

    def work(session: Session) -> dict[str, Any]:
        row = service.retry_delivery(session=session, delivery=_delivery(session, env_id, request))
        return _detail(session, row)

    return respond(DeliveryDetailOut, await run(request, work, write=True))


_ONE = "/webhooks/{id:int}"
_DELIVERY = "/webhooks/deliveries/{id:int}"
_TAG = "webhooks"
routes = [
    ApiRoute("/webhooks", list_subscriptions, method="GET", name="v1:webhooks-list",
             doc=RouteDoc("List webhook subscriptions", _TAG, query=PageQuery,
                          response=SubscriptionPage)),
    ApiRoute("/webhooks", create_subscription, method="POST", name="v1:webhooks-create",
             doc=RouteDoc("Subscribe an endpoint to event types (returns the secret once)",
                          _TAG, body=SubscriptionIn, response=SubscriptionOut, status=201,
                          errors=(400, 401, 413, 415, 422))),
    ApiRoute("/webhooks/deliveries", _deliveries(one_subscription=False), method="GET",
             name="v1:webhooks-deliveries", doc=RouteDoc(
                 "The delivery log of every subscription, newest first", _TAG,
                 query=DeliveryQuery, response=DeliveryPage)),
    ApiRoute(_DELIVERY, get_delivery, method="GET", name="v1:webhooks-delivery", doc=RouteDoc(
        "One delivery with every attempt", _TAG, response=DeliveryDetailOut)),
    ApiRoute(f"{_DELIVERY}/retry", retry_delivery, method="POST",
             name="v1:webhooks-delivery-retry", doc=RouteDoc(
                 "Send a delivery again now (same webhook-id)", _TAG,
                 response=DeliveryDetailOut, body_required=False, errors=(401, 404))),
    ApiRoute(_ONE, get_subscription, method="GET", name="v1:webhooks-get", doc=RouteDoc(
        "A webhook subscription", _TAG, response=SubscriptionOut)),
    ApiRoute(_ONE, update_subscription, method="PATCH", name="v1:webhooks-update",
             doc=RouteDoc("Change a subscription; rotate its secret", _TAG,
                          body=SubscriptionPatch, response=SubscriptionOut,
                          errors=(400, 401, 404, 413, 415, 422))),
    ApiRoute(_ONE, delete_subscription, method="DELETE", name="v1:webhooks-delete",
             doc=RouteDoc("Delete a subscription and its delivery log", _TAG,
                          response=DeletedOut, errors=(401, 404))),
    ApiRoute(f"{_ONE}/deliveries", _deliveries(one_subscription=True), method="GET",
             name="v1:webhooks-subscription-deliveries", doc=RouteDoc(
                 "One subscription's delivery log, newest first", _TAG,
                 query=DeliveryQuery, response=DeliveryPage)),
]

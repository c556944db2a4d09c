"""Admin REST: feature tags — list, create, read, update (rename, rules), archive, usage.

A feature is a name plus rules (click / url / event, docs/features.md); changing a live
feature's rules reaches every SDK on its next bootstrap. Usage is computed from stored
events at query time: retroactive for url and event rules (METRICS.md "Feature adoption").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError
from ...features import service
from ...features.rules import FeatureRule, FeatureRules
from ...features.usage import feature_usage, usage_summary
from ...models import Feature
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    environment_id,
    not_found,
    page_model,
    parse_body,
    parse_query,
    path_str,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page
from .surveys import PeriodQuery

FIRST_USE_MAX = 1000
KEY_PATTERN = r"^[a-z0-9][a-z0-9-_]{0,99}$"


class FeatureListQuery(PageQuery):
    archived: bool | None = Field(
        default=False, description="false (default): live features; true: archived ones")


class FeatureIn(Strict):
    key: str = Field(pattern=KEY_PATTERN, description="Stable, unique per environment")
    name: str = Field(min_length=1, max_length=200)
    rules: FeatureRules


class FeaturePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200, description="Rename")
    rules: FeatureRules | None = Field(default=None, description="Replace every rule")


class FeatureOut(BaseModel):
    key: str
    name: str
    rules: list[FeatureRule]
    archived: bool
    created_at: datetime
    updated_at: datetime


class UsageQuery(PeriodQuery):
    account: str | None = Field(default=None, max_length=255, description="One account's uses")


class DayOut(BaseModel):
    date: date
    events: int
    users: int


class FirstUseOut(BaseModel):
    user_id: str
    first_used_at: datetime = Field(description="The first use ever (not only in the period)")


class UsageOut(BaseModel):
    events: int = Field(description="Uses in the period")
    users: int = Field(description="Distinct users who used it")
    accounts: int = Field(description="Distinct accounts of those uses")
    per_day: list[DayOut] = Field(description="Days with uses (UTC)")
    first_use: list[FirstUseOut] = Field(
        description=f"Users of the period with their first use, by user id (≤ {FIRST_USE_MAX:,})")
    first_use_truncated: bool


FeaturePage = page_model(FeatureOut, "FeaturePage")


def _out(feature: Feature) -> dict[str, Any]:
    return feature.model_dump(include={"key", "name", "rules", "archived", "created_at",
                                        "updated_at"})


def _feature(session: Session, env_id: int, key: str) -> Feature:
    feature = service.get_feature(session=session, environment_id=env_id, key=key)
    if feature is None:
        raise not_found("feature", key)
    return feature


async def list_features(request: Request) -> Response:
    env_id = await environment_id(request)
    q = parse_query(request, FeatureListQuery)
    after = decode_cursor(q.cursor, (str,))
    rows = await run(request, lambda s: service.list_features(
        session=s, environment_id=env_id, archived=q.archived,
        after=after[0] if after else None, limit=q.limit))
    return respond(FeaturePage, page(rows, limit=q.limit, key=lambda f: (f.key,), shape=_out))


async def create_feature(request: Request) -> Response:
    env_id = await environment_id(request)
    body = await parse_body(request, FeatureIn)
    rules = [r.model_dump(mode="json", exclude_none=True) for r in body.rules]

    def work(session: Session) -> dict[str, Any]:
        try:
            feature = service.create_feature(session=session, environment_id=env_id,
                                             key=body.key, name=body.name, rules=rules)
        except service.FeatureExists:
            raise ApiError(409, "feature_exists", f"feature {body.key!r} already exists:"
                           " PATCH /features/{key} changes it") from None
        return _out(feature)

    return respond(FeatureOut, await run(request, work, write=True), status=201)


async def get_feature(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "feature")
    return respond(FeatureOut, await run(request, lambda s: _out(_feature(s, env_id, key))))


def _changer(**fixed: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        key = path_str(request, "key", "feature")
        changes: dict[str, Any] = dict(fixed)
        if not fixed:
            body = await parse_body(request, FeaturePatch)
            changes = {"name": body.name, "rules": None if body.rules is None else [
                r.model_dump(mode="json", exclude_none=True) for r in body.rules]}

        def work(session: Session) -> dict[str, Any]:
            feature = _feature(session, env_id, key)
            return _out(service.update_feature(session=session, feature=feature, **changes))

        return respond(FeatureOut, await run(request, work, write=True))

    return endpoint


async def feature_usage_endpoint(request: Request) -> Response:
    env_id = await environment_id(request)
    key = path_str(request, "key", "feature")
    q = parse_query(request, UsageQuery)
    start, end = q.bounds()

    def work(session: Session) -> dict[str, Any]:
        usage = feature_usage(session=session, environment_id=env_id,
                              feature=_feature(session, env_id, key), start=start, end=end,
                              account_id=q.account)
        firsts = list(usage.first_use.items())
        return {**usage_summary(usage),
                "first_use": [{"user_id": u, "first_used_at": t}
                              for u, t in firsts[:FIRST_USE_MAX]],
                "first_use_truncated": len(firsts) > FIRST_USE_MAX}

    return respond(UsageOut, await run(request, work))


_ONE = "/features/{key}"
routes = [
    ApiRoute("/features", list_features, method="GET", name="v1:features-list", doc=RouteDoc(
        "List feature tags by key (archived=true: the archived ones)", "features",
        query=FeatureListQuery, response=FeaturePage)),
    ApiRoute("/features", create_feature, method="POST", name="v1:features-create",
             doc=RouteDoc("Create a feature tag (name + click/url/event rules)", "features",
                          body=FeatureIn, response=FeatureOut, status=201,
                          errors=(400, 401, 409, 413, 415, 422))),
    ApiRoute(_ONE, get_feature, method="GET", name="v1:features-get", doc=RouteDoc(
        "A feature tag", "features", response=FeatureOut)),
    ApiRoute(_ONE, _changer(), method="PATCH", name="v1:features-update", doc=RouteDoc(
        "Rename a feature and/or replace its rules", "features", body=FeaturePatch,
        response=FeatureOut, errors=(400, 401, 404, 413, 415, 422))),
    ApiRoute(f"{_ONE}/archive", _changer(archived=True), method="POST",
             name="v1:features-archive", doc=RouteDoc(
                 "Archive a feature (no longer delivered; its usage stays queryable)",
                 "features", response=FeatureOut, body_required=False)),
    ApiRoute(f"{_ONE}/unarchive", _changer(archived=False), method="POST",
             name="v1:features-unarchive", doc=RouteDoc(
                 "Restore an archived feature", "features", response=FeatureOut,
                 body_required=False)),
    ApiRoute(f"{_ONE}/usage", feature_usage_endpoint, method="GET", name="v1:features-usage",
             doc=RouteDoc("Who used a feature in a period: users, accounts, first use, per day",
                          "features", query=UsageQuery, response=UsageOut)),
]

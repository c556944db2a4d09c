"""Admin REST: end users and accounts — list, detail, bulk upsert (traits merge like identify)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ApiError
from ...ingest.events import IdStr
from ...jsonlimits import JsonLimitError, check_json
from ...people import query, upsert
from ..body import read_json, require_object
from .common import (
    ApiRoute,
    RouteDoc,
    Strict,
    environment_id,
    key_of,
    not_found,
    page_model,
    parse,
    parse_query,
    path_str,
    respond,
    run,
)
from .pagination import PageQuery, decode_cursor, page

MAX_PEOPLE = 1000


def _traits(value: dict[str, Any]) -> dict[str, Any]:
    try:
        check_json(value, path="traits")
    except JsonLimitError as exc:
        raise ValueError(str(exc)) from None
    return value


Traits = Annotated[dict[str, Any], AfterValidator(_traits)]


class PersonListQuery(PageQuery):
    q: str | None = Field(default=None, max_length=255,
                          description="Substring of the external id (case-insensitive)")


class UserIn(Strict):
    id: IdStr
    traits: Traits = Field(default_factory=dict, description="Merged into the stored traits")
    account_id: IdStr | None = Field(default=None, description="Links the user to this account")


class AccountIn(Strict):
    id: IdStr
    traits: Traits = Field(default_factory=dict, description="Merged into the stored traits")


class UsersIn(Strict):
    users: list[UserIn] = Field(max_length=MAX_PEOPLE)


class AccountsIn(Strict):
    accounts: list[AccountIn] = Field(max_length=MAX_PEOPLE)


class UpsertOut(BaseModel):
    created: int = Field(description="Ids that did not exist before")
    updated: int = Field(description="Ids that existed (traits merged)")


class PersonSummary(BaseModel):
    id: str
    traits: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime


class UserSummary(PersonSummary):
    """An end user of the customer's app."""


class AccountRef(BaseModel):
    id: str
    traits: dict[str, Any]


class GuideStateOut(BaseModel):
    guide: str
    times_seen: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    current_step: int
    completed_at: datetime | None
    dismissed_at: datetime | None
    snoozed_until: datetime | None
    holdout: bool


class UserOut(UserSummary):
    accounts: list[AccountRef]
    guide_states: list[GuideStateOut]


class AccountSummary(PersonSummary):
    """A customer's customer (company, team)."""


class AccountOut(AccountSummary):
    users: list[str] = Field(description=f"Member user ids (the first {query.MAX_MEMBERS_SHOWN})")
    user_count: int


UserPage = page_model(UserSummary, "UserPage")
AccountPage = page_model(AccountSummary, "AccountPage")


def _person(row: Any) -> dict[str, Any]:
    return {"id": row.external_id, "traits": row.traits, "first_seen_at": row.first_seen_at,
            "last_seen_at": row.last_seen_at}


def _lister(fn: Any, out: type[BaseModel]) -> Any:
    async def endpoint(request: Request) -> Response:
        env_id = await environment_id(request)
        q = parse_query(request, PersonListQuery)
        after = decode_cursor(q.cursor, (str,))
        rows = await run(request, lambda s: fn(
            session=s, environment_id=env_id, q=q.q, after=after[0] if after else None,
            limit=q.limit,
        ))
        return respond(out, page(rows, limit=q.limit, key=key_of("external_id"), shape=_person))

    return endpoint


async def get_user(request: Request) -> Response:
    env_id = await environment_id(request)
    ext = path_str(request, "user_id", "user")
    view = await run(request, lambda s: query.get_user(
        session=s, environment_id=env_id, external_id=ext))
    if view is None:
        raise not_found("user", ext)
    states = [{**st.model_dump(), "guide": st.guide_key} for st in view.guide_states]
    return respond(UserOut, {**_person(view.user), "accounts": view.accounts,
                             "guide_states": states})


async def get_account(request: Request) -> Response:
    env_id = await environment_id(request)
    ext = path_str(request, "account_id", "account")
    view = await run(request, lambda s: query.get_account(
        session=s, environment_id=env_id, external_id=ext))
    if view is None:
        raise not_found("account", ext)
    return respond(AccountOut, {**_person(view.account), "users": view.users,
                                "user_count": view.user_count})


async def _bulk_body(request: Request, field: str, model: type[Strict]) -> Any:
    settings = request.app.state.settings
    raw = require_object(await read_json(request, limit=4 * settings.max_body_bytes, check=False))
    items = raw.get(field)
    if isinstance(items, list) and len(items) > MAX_PEOPLE:
        raise ApiError(413, "payload_too_large",
                       f"{field}: {len(items)} items, at most {MAX_PEOPLE} per call")
    return parse(model, raw, what="body")


async def upsert_users(request: Request) -> Response:
    env_id = await environment_id(request)
    body: UsersIn = await _bulk_body(request, "users", UsersIn)
    people = [upsert.PersonInput(u.id, u.traits, u.account_id) for u in body.users]
    result = await run(request, lambda s: upsert.upsert_users(
        session=s, environment_id=env_id, users=people, now=datetime.now(UTC),
    ), write=True)
    return respond(UpsertOut, result.as_dict())


async def upsert_accounts(request: Request) -> Response:
    env_id = await environment_id(request)
    body: AccountsIn = await _bulk_body(request, "accounts", AccountsIn)
    people = [upsert.PersonInput(a.id, a.traits) for a in body.accounts]
    result = await run(request, lambda s: upsert.upsert_accounts(
        session=s, environment_id=env_id, accounts=people, now=datetime.now(UTC),
    ), write=True)
    return respond(UpsertOut, result.as_dict())


_BULK_ERRORS = (400, 401, 413, 422)
routes = [
    ApiRoute("/users", _lister(query.list_users, UserPage), method="GET", name="v1:users-list",
             doc=RouteDoc("List end users (q: substring of the id)", "people",
                          query=PersonListQuery, response=UserPage)),
    ApiRoute("/users", upsert_users, method="POST", name="v1:users-upsert", doc=RouteDoc(
        f"Create or update up to {MAX_PEOPLE:,} end users (all or nothing)", "people",
        body=UsersIn, response=UpsertOut, errors=_BULK_ERRORS)),
    ApiRoute("/users/{user_id}", get_user, method="GET", name="v1:users-get", doc=RouteDoc(
        "An end user with traits, accounts and guide states", "people", response=UserOut)),
    ApiRoute("/accounts", _lister(query.list_accounts, AccountPage), method="GET",
             name="v1:accounts-list", doc=RouteDoc(
                 "List accounts (q: substring of the id)", "people", query=PersonListQuery,
                 response=AccountPage)),
    ApiRoute("/accounts", upsert_accounts, method="POST", name="v1:accounts-upsert",
             doc=RouteDoc(f"Create or update up to {MAX_PEOPLE:,} accounts (all or nothing)",
                          "people", body=AccountsIn, response=UpsertOut, errors=_BULK_ERRORS)),
    ApiRoute("/accounts/{account_id}", get_account, method="GET", name="v1:accounts-get",
             doc=RouteDoc("An account with its member users", "people", response=AccountOut)),
]

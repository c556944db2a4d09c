"""What every admin REST handler shares: documented routes, auth, input parsing, JSON out.

A handler is: `env = await authenticated(request)`, parse the query/body with a pydantic
model (422 with `details` on failure), `await run(request, work)` to call one service
function in a worker thread with a session, and `respond(Model, data)`. Responses are
validated through the same pydantic models the OpenAPI document is built from, so the
document cannot drift from what the handlers send.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import ApiError, format_loc, validation_details
from ...models import Environment
from ..body import read_json
from .auth import authenticate

M = TypeVar("M", bound=BaseModel)
#: A JSON Schema key that openapi.py replaces with a $ref to the named component.
DEFINITION_MARK = "x-shirube-ref"
T = TypeVar("T")


class Strict(BaseModel):
    """Input models: unknown keys are an error (422), not silently dropped."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class RouteDoc:
    """What the OpenAPI generator needs to know about one route."""

    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = field(default=(400, 401, 404, 422))
    auth: bool = True


class ApiRoute(Route):
    """A Starlette route that carries its OpenAPI description (see openapi.py)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, method: str, name: str,
                 doc: RouteDoc) -> None:
        super().__init__(path, endpoint, methods=[method], name=name)
        self.method = method
        self.doc = doc


async def authenticated(request: Request) -> Environment:
    """The environment of the request's secret key (401 otherwise)."""

    def _auth() -> Environment:
        with request.app.state.db.session() as session:
            return authenticate(request, session)

    return await run_in_threadpool(_auth)


async def environment_id(request: Request) -> int:
    """The id of the request's environment (401 without a valid secret key)."""
    env = await authenticated(request)
    assert env.id is not None
    return env.id


async def run(request: Request, work: Callable[[Session], T], *, write: bool = False) -> T:
    """Call `work(session)` in a worker thread; commit when `write`, else roll back."""

    def _call() -> T:
        with request.app.state.db.session() as session:
            result = work(session)
            if write:
                session.commit()
            return result

    return await run_in_threadpool(_call)


def find_nul(value: Any, loc: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """Where the first string (or key) containing NUL is; PostgreSQL cannot store those."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                return (*loc, k)
            found = find_nul(v, (*loc, k))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = find_nul(v, (*loc, i))
            if found is not None:
                return found
    return None


def check_nul(data: Any) -> Any:
    """`data`, or a 422 naming the first string that contains a NUL character."""
    loc = find_nul(data)
    if loc is not None:
        raise ApiError(422, "validation_error", "invalid input",
                       [{"loc": format_loc(loc), "msg": "NUL characters are not allowed"}])
    return data


def path_str(request: Request, name: str, kind: str) -> str:
    """A string path parameter; one no stored `kind` can have is a plain 404."""
    value: str = request.path_params[name]
    if "\x00" in value or len(value) > 255:
        raise not_found(kind, value[:255].replace("\x00", ""))
    return value


def parse(model: type[M], data: Any, *, what: str = "request") -> M:
    """Validate `data` with `model`; a 422 with one detail per problem otherwise."""
    check_nul(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [{**d, "msg": d["msg"].removeprefix("Value error, ")}
                   for d in validation_details(exc)]
        raise ApiError(422, "validation_error", f"invalid {what}", details) from None


def parse_query(request: Request, model: type[M]) -> M:
    """The query string validated by `model` (unknown parameters are a 422)."""
    return parse(model, dict(request.query_params), what="query parameters")


async def parse_body(request: Request, model: type[M], *, limit: int | None = None,
                     optional: bool = False) -> M:
    """The JSON body validated by `model`; an empty body is `{}` when `optional`."""
    if optional and request.headers.get("content-length", "0") == "0" \
            and "transfer-encoding" not in request.headers:
        return parse(model, {}, what="body")
    cap = limit or request.app.state.settings.max_body_bytes
    return parse(model, await read_json(request, limit=cap, check=False), what="body")


def dump(model: type[BaseModel], data: Any) -> Any:
    """`data` validated by the response `model`, as JSON-ready values."""
    return model.model_validate(data).model_dump(mode="json")


def respond(model: type[BaseModel], data: Any, *, status: int = 200) -> Response:
    """A JSON response whose body is `data` shaped by `model`."""
    return Response(orjson.dumps(dump(model, data)), status_code=status,
                    media_type="application/json")


def page_model(item: type[BaseModel], name: str) -> type[BaseModel]:
    """The response model of a paginated list of `item`."""
    return create_model(
        name,
        __doc__=f"A page of {item.__name__} items.",
        data=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, None),
    )


def not_found(kind: str, ident: str | int) -> ApiError:
    """A 404 that names what was looked for (and nothing about other environments)."""
    return ApiError(404, "not_found", f"{kind} {ident!r} not found")


class ErrorDetail(BaseModel):
    loc: str
    msg: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorBody(BaseModel):
    """The one error shape of every 4xx/5xx."""

    error: ErrorInfo


def key_of(*names: str) -> Callable[[Any], Sequence[Any]]:
    """A sort-key function reading attributes (for `pagination.page`)."""
    return lambda row: tuple(getattr(row, n) for n in names)

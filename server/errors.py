"""The one JSON error shape: {"error": {"code", "message", "details": [{"loc", "msg"}]}}.

Handlers raise `ApiError` (or let pydantic's ValidationError through); the exception
handlers registered by `create_app` turn both into a 4xx with this body, and anything
unexpected into a 500 with a generic message (details only in the server log).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("shirube")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error for the client: status, machine code, human message, optional details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    """Serialise the canonical error body."""
    return orjson.dumps({"error": {"code": code, "message": message, "details": details or []}})


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        error_body(code, message, details),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def validation_details(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """pydantic errors as [{"loc": "events[3].timestamp", "msg": "..."}]."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        out.append({"loc": format_loc(prefix + tuple(err["loc"])), "msg": err["msg"]})
    return out


def format_loc(loc: tuple[Any, ...]) -> str:
    """('steps', 2, 'target') -> 'steps[2].target'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    return error_response(422, "validation_error", "invalid input", validation_details(exc))


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


EXCEPTION_HANDLERS = {
    ApiError: _api_error,
    ValidationError: _validation_error,
    HTTPException: _http_error,
    Exception: _server_error,
}

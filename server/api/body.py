"""Reading request bodies safely: size cap, content type, JSON parsing, depth/finite checks."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from ..errors import ApiError
from ..jsonlimits import JsonLimitError, check_json

_JSON_TYPES = ("application/json", "text/plain", "")


async def read_json(request: Request, *, limit: int, check: bool = True) -> Any:
    """The parsed JSON body, or an ApiError (413 over `limit`, 415, 400)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _JSON_TYPES and not ctype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", f"content-type {ctype!r}: send JSON")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ApiError(413, "payload_too_large", f"body is larger than {limit} bytes")
        except ValueError:
            raise ApiError(400, "bad_request", "invalid content-length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"body is larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise ApiError(400, "bad_request", "empty body: send a JSON object")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {exc}") from None
    if check:
        try:
            check_json(data, depth=-2)  # envelope + event/user objects add two levels
        except JsonLimitError as exc:
            raise ApiError(400, "limit_exceeded", str(exc)) from None
    return data


def require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "body must be a JSON object")
    return data

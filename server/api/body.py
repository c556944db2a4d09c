"""Reading request bodies safely: size cap, content type, JSON parsing, depth/finite checks."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from ..errors import ApiError
from ..jsonlimits import JsonLimitError, check_json

_JSON_TYPES = ("application/json", "text/plain", "")


async def read_json(
    request: Request, *, limit: int, check: bool = True,
    headers: dict[bytes, bytes] | None = None,
) -> Any:
    """The parsed JSON body, or an ApiError (413 over `limit`, 415, 400).

    `headers`: the request's headers as `raw_headers(scope)` gives them, when the caller
    already has them."""
    return parse_json(await read_body(request, limit=limit, headers=headers), check=check)


async def read_body(
    request: Request, *, limit: int, headers: dict[bytes, bytes] | None = None,
) -> bytes:
    """The body's bytes, after the content-type and size checks of `read_json` (415, 413,
    400 for an empty body)."""
    if headers is None:
        headers = raw_headers(request.scope)
    ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if ctype not in _JSON_TYPES and not ctype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", f"content-type {ctype!r}: send JSON")
    declared = headers.get(b"content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ApiError(413, "payload_too_large", f"body is larger than {limit} bytes")
        except ValueError:
            raise ApiError(400, "bad_request", "invalid content-length") from None
    # The ASGI messages read directly (what Request.stream does, without its async
    # generator): the usual body is one message.
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if not body:
        raise ApiError(400, "bad_request", "empty body: send a JSON object")
    return body


def parse_json(body: bytes, *, check: bool = True) -> Any:
    """`body` parsed (400 malformed_json) and, with `check`, within the JSON limits
    (400 limit_exceeded)."""
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


def raw_headers(scope: Any) -> dict[bytes, bytes]:
    """The request headers as a dict of lower-case byte names (ASGI sends them lower-case);
    of a repeated header the first one, as Starlette's `Headers.get` answers."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name not in found:
            found[name] = value
    return found


def require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "body must be a JSON object")
    return data

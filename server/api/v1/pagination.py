"""One pagination scheme for every admin list: `?limit` (1..500) and an opaque `?cursor`.

A cursor is the base64url JSON of the sort key of the last item returned; services fetch
`limit + 1` rows after it, so whether a next page exists is known without a count query.
The envelope is always `{"data": [...], "next_cursor": str | null}`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from ...errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_MAX_CURSOR = 2048

T = TypeVar("T")


class PageQuery(BaseModel):
    """The two pagination parameters every list accepts (subclassed per endpoint)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
    cursor: str | None = Field(
        default=None, max_length=_MAX_CURSOR,
        description="Opaque: the `next_cursor` of the previous page",
    )


def encode_cursor(key: Sequence[Any]) -> str:
    """The opaque cursor for a sort key (datetimes become ISO strings)."""
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    return base64.urlsafe_b64encode(orjson.dumps(values)).rstrip(b"=").decode()


def _bad(raw: str) -> ApiError:
    return ApiError(400, "bad_cursor", f"cursor {raw[:40]!r} is not a cursor this list returned",
                    [{"loc": "cursor", "msg": "invalid cursor"}])


def decode_cursor(raw: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The sort key inside `raw`, checked against `shape` (str, int or datetime); 400 if bad."""
    if raw is None:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeEncodeError, binascii.Error, orjson.JSONDecodeError):
        raise _bad(raw) from None
    if not isinstance(values, list) or len(values) != len(shape):
        raise _bad(raw)
    out: list[Any] = []
    for value, kind in zip(values, shape, strict=True):
        if kind is datetime:
            try:
                parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
                if parsed is None or parsed.tzinfo is None:
                    raise _bad(raw)
                out.append(parsed.astimezone(UTC))
            except (ValueError, OverflowError):
                raise _bad(raw) from None
        elif kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**63:
                raise _bad(raw)
            out.append(value)
        elif not isinstance(value, kind):
            raise _bad(raw)
        else:
            out.append(value)
    return tuple(out)


def page(
    rows: Sequence[T], *, limit: int, key: Callable[[T], Sequence[Any]],
    shape: Callable[[T], Any],
) -> dict[str, Any]:
    """The envelope for `rows` (fetched with `limit + 1`): shaped items and the next cursor."""
    more = len(rows) > limit
    kept = rows[:limit]
    cursor = encode_cursor(key(kept[-1])) if more and kept else None
    return {"data": [shape(r) for r in kept], "next_cursor": cursor}

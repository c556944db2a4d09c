"""Short-lived signed tokens that let the SDK act for an author: builder and preview mode.

The admin issues a token and opens the customer's app with it in the URL fragment
(`#shirube-builder=<token>` or `#shirube-preview=<token>`); the SDK sends it back to
`/api/sdk/v1/builder/target` (or `…/builder/feature-target`) or `/api/sdk/v1/preview`. A token is
`base64url(json claims) "." base64url(HMAC-SHA256(secret_key, purpose "." payload))`:
the purpose is part of what is signed, so a preview token is never a builder token.

Claims: `env` (environment id), `guide` (key), `author` (admin user id), `exp` (unix
seconds), and per purpose `step` (builder) or `version` + `user` (preview). A builder
token for a feature's click rule has `scope: "feature"`, `feature` (key) and `rule`
(index or "new") instead of `guide` and `step` (docs/builder.md). Nothing
secret is in a token (it is only signed), and fragments are not sent to servers or in
Referer headers, so the host app's logs never see it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, Final, Literal

Purpose = Literal["builder", "preview"]
BUILDER_TTL_SECONDS: Final = 10 * 60
PREVIEW_TTL_SECONDS: Final = 30 * 60
MAX_TOKEN_CHARS: Final = 4096


class TokenError(Exception):
    """A token that cannot be used; `reason` is malformed | bad_signature | expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, payload: str) -> bytes:
    message = f"shirube-{purpose}-v1.{payload}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign_token(*, secret: str, purpose: Purpose, claims: dict[str, Any], now: datetime,
               ttl_seconds: int | None = None) -> str:
    """A token for `purpose` carrying `claims`, valid `ttl_seconds` from `now`."""
    ttl = ttl_seconds if ttl_seconds is not None else (
        BUILDER_TTL_SECONDS if purpose == "builder" else PREVIEW_TTL_SECONDS)
    body = {**claims, "exp": int(now.timestamp()) + ttl}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_mac(secret, purpose, payload))}"


def verify_token(*, secret: str, purpose: Purpose, token: Any, now: datetime) -> dict[str, Any]:
    """The claims of a valid, unexpired `purpose` token; raises TokenError otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed")
    payload, dot, mac = token.partition(".")
    if not dot or not payload or not mac:
        raise TokenError("malformed")
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise TokenError("malformed") from None
    if not hmac.compare_digest(given, _mac(secret, purpose, payload)):
        raise TokenError("bad_signature")
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise TokenError("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise TokenError("malformed")
    if claims["exp"] <= int(now.timestamp()):
        raise TokenError("expired")
    return claims

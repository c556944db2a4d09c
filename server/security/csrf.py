"""CSRF protection for the admin: synchronizer tokens.

Signed-in requests carry the session's token (hidden `csrf_token` field in forms,
`X-CSRF-Token` header for fetch). Before sign-in (login, sign-up, invitation and
password-link forms) there is no session: a random value in a cookie is bound to the
form by an HMAC under the server's secret key, so a value tossed into the cookie by
another site is useless without the matching field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURE_PRE_COOKIE = "__Host-shirube_csrf"
PLAIN_PRE_COOKIE = "shirube_csrf"


def pre_cookie_name(secure: bool) -> str:
    return SECURE_PRE_COOKIE if secure else PLAIN_PRE_COOKIE


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def anonymous_token(secret_key: str, nonce: str) -> str:
    """The form token that goes with the pre-session cookie value `nonce`."""
    return hmac.new(secret_key.encode(), b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing side never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def check_anonymous(secret_key: str, nonce: str | None, given: str | None) -> bool:
    """True when `given` is the token of the pre-session cookie value `nonce`."""
    if not nonce or len(nonce) > 100:
        return False
    return tokens_match(anonymous_token(secret_key, nonce), given)

"""API keys and identity verification.

- Publishable keys (`pk_…`) are public: they identify an environment to the SDK.
- Secret keys (`sk_…`) authenticate the admin REST API; only their SHA-256 is stored.
- Identity secrets sign user ids: HMAC-SHA256(secret, user_id) in hex, compared in
  constant time against every active secret (two during a rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_publishable_key() -> str:
    return "pk_" + secrets.token_urlsafe(24)


def new_secret_key() -> str:
    return "sk_" + secrets.token_urlsafe(32)


def new_identity_secret() -> str:
    return "ids_" + secrets.token_urlsafe(32)


def hash_secret_key(key: str) -> str:
    """The stored form of a secret key (high-entropy, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_hint(key: str) -> str:
    """What the admin shows of a key after creation: prefix and last four characters."""
    return f"{key[:3]}…{key[-4:]}"


def sign_user_id(secret: str, user_id: str) -> str:
    """The signature a customer's backend computes for identity verification."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify_user_signature(secrets_: list[str], user_id: str, signature: object) -> bool:
    """True when `signature` is the HMAC of `user_id` under any active secret."""
    if not isinstance(signature, str) or not secrets_:
        return False
    given = signature.strip().lower().encode()
    ok = False
    for secret in secrets_:
        # Check every secret (no early exit) so timing does not reveal which one matched.
        ok |= hmac.compare_digest(sign_user_id(secret, user_id).encode(), given)
    return ok

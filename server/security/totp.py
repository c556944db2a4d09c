"""TOTP second factor (RFC 6238 over RFC 4226 HOTP), with hmac/hashlib only.

Secrets are 160-bit random, base32 encoded (what authenticator apps expect); codes are
6 digits, 30-second steps, SHA-1; one step of clock drift is accepted either side and a
step once used is refused afterwards (replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A fresh base32 secret (160 bits, RFC 4226's recommended length)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 HOTP value of `counter` under `key`."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp_at(key: bytes, unix_time: float, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 6238 TOTP value at `unix_time` (T0 = 0, 30-second steps)."""
    return hotp(key, int(unix_time // STEP_SECONDS), digits=digits, digest=digest)


def verify(secret: str, code: str, *, last_step: int = 0, now: float | None = None) -> int | None:
    """The time step `code` matches (±1 step), or None. Steps ≤ `last_step` are refused."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    try:
        key = _key(secret)
    except (ValueError, TypeError):
        return None
    step = int((time.time() if now is None else now) // STEP_SECONDS)
    for candidate in (step - 1, step, step + 1):
        if candidate > last_step and hmac.compare_digest(hotp(key, candidate), code):
            return candidate
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str = "Shirube") -> str:
    """The otpauth:// URI an authenticator app imports (as text or a QR code)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"

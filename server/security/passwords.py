"""Password hashing (argon2id) and the password policy.

Parameters are OWASP's minimum for argon2id (m=19 MiB, t=2, p=1); a hash made with
weaker parameters is upgraded at the next successful sign-in (`needs_rehash`).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID
)
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("shirube-dummy-password")


def hash_password(password: str) -> str:
    """The argon2id hash of `password` (salted, PHC string format)."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` is refused (an English msgid the admin translates), or None.

    NIST SP 800-63B: a minimum length, a generous maximum, no composition rules.
    """
    if len(password) < MIN_LENGTH:
        return "Use at least 10 characters."
    if len(password) > MAX_LENGTH:
        return "Use at most 1024 characters."
    if email and password.strip().lower() == email.strip().lower():
        return "Do not use your email address as your password."
    return None

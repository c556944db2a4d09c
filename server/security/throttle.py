"""Login throttling per (email, IP): exponential back-off after a few free failures.

State lives in the database (`login_attempt`), so every worker and host sees the same
counts. The key is a SHA-256 of email and IP: the table holds no addresses in clear.
After `FREE_FAILURES` failures each further one doubles the wait (2 s, 4 s, 8 s … capped
at 15 minutes); a success or a day without failures clears the record.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlmodel import Session

from ..models.admin import LoginAttempt

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


def attempt_key(email: str, ip: str) -> str:
    return hashlib.sha256(f"{email.strip().lower()}\n{ip}".encode()).hexdigest()


def delay_after(failures: int) -> timedelta:
    """How long sign-in stays blocked after the `failures`-th failure."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_DELAY)


def blocked_for(*, session: Session, email: str, ip: str, now: datetime) -> timedelta | None:
    """How long this email+IP must still wait before trying again, or None."""
    row = session.get(LoginAttempt, attempt_key(email, ip))
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until - now


def record_failure(*, session: Session, email: str, ip: str, now: datetime) -> LoginAttempt:
    """Count a failed sign-in and set the next allowed time. The caller commits."""
    key = attempt_key(email, ip)
    row = session.get(LoginAttempt, key)
    if row is None or now - row.last_failure_at > FORGET_AFTER:
        row = row or LoginAttempt(key=key)
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = delay_after(row.failures)
    row.blocked_until = now + delay if delay else None
    session.add(row)
    return row


def record_success(*, session: Session, email: str, ip: str) -> None:
    row = session.get(LoginAttempt, attempt_key(email, ip))
    if row is not None:
        session.delete(row)
        session.flush()

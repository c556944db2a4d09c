"""Security building blocks: argon2id, TOTP (RFC 6238 vectors), sessions, throttle, CSRF."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from server.models.admin import AdminUser
from server.models.types import utcnow
from server.security import csrf, throttle, totp
from server.security.passwords import needs_rehash, password_problem, verify_password
from server.security.sessions import (
    SessionPolicy,
    create_session,
    load_session,
    revoke_session,
    revoke_user_sessions,
)

from .conftest import PASSWORD, password_hash


def test_passwords_are_argon2id_with_at_least_owasp_minimum_parameters():
    h = password_hash()
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(h, PASSWORD)
    assert not verify_password(h, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not-a-hash", PASSWORD)


def test_a_weaker_hash_is_flagged_for_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD)
    assert needs_rehash(weak) and not needs_rehash(password_hash())


@pytest.mark.parametrize("password,problem", [
    ("short", True), ("x" * 1025, True), ("owner@example.com", True), ("long enough pw", False),
])
def test_password_policy_is_length_based(password, problem):
    assert (password_problem(password, email="owner@example.com") is not None) is problem


# RFC 6238 Appendix B: (unix time, SHA-1, SHA-256, SHA-512), 8 digits.
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize("t,sha1,sha256,sha512", RFC6238)
def test_totp_matches_the_rfc_6238_test_vectors(t, sha1, sha256, sha512):
    assert totp.totp_at(b"12345678901234567890", t, digits=8) == sha1
    assert totp.totp_at((b"12345678901234567890" * 2)[:32], t, digits=8, digest="sha256") == sha256
    assert totp.totp_at((b"1234567890" * 7)[:64], t, digits=8, digest="sha512") == sha512


def test_totp_accepts_one_step_of_drift_and_never_the_same_step_twice():
    secret = base64.b32encode(b"12345678901234567890").decode()
    now = 1111111111.0
    code = totp.totp_at(b"12345678901234567890", now)
    step = totp.verify(secret, code, now=now)
    assert step == int(now // 30)
    assert totp.verify(secret, code, now=now + 30) == step  # one step late: accepted
    assert totp.verify(secret, code, now=now + 90) is None  # three steps late: refused
    assert totp.verify(secret, code, last_step=step, now=now) is None  # replay
    assert totp.verify(secret, "12345a", now=now) is None


def test_totp_provisioning_uri_carries_secret_and_issuer():
    uri = totp.provisioning_uri("ABCDEF", account="a@b.jp")
    assert uri.startswith("otpauth://totp/Shirube%3Aa%40b.jp?secret=ABCDEF&issuer=Shirube")
    assert len(totp.new_secret()) == 32


def _user(session) -> AdminUser:
    u = AdminUser(email="s@example.com", password_hash=password_hash())
    session.add(u)
    session.flush()
    return u


POLICY = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def test_sessions_expire_when_idle_and_absolutely_and_when_revoked(session):
    user, now = _user(session), utcnow()
    token, row = create_session(session=session, user=user, now=now)
    session.commit()
    assert row.id != token and len(token) >= 43  # only the digest is stored
    assert load_session(session=session, token=token, policy=POLICY,
                        now=now + timedelta(minutes=29))
    assert load_session(session=session, token=token, policy=POLICY,
                        now=now + timedelta(minutes=29 + 31)) is None  # idle since last touch
    # Kept alive by requests, it still ends 12 hours after sign-in.
    t = now
    for _ in range(30):
        t += timedelta(minutes=25)
        alive = load_session(session=session, token=token, policy=POLICY, now=t)
        if t - now > timedelta(hours=12):
            assert alive is None
            break
        assert alive is not None
    token2, row2 = create_session(session=session, user=user, now=now)
    revoke_session(session=session, row=row2, now=now)
    assert load_session(session=session, token=token2, policy=POLICY, now=now) is None
    assert load_session(session=session, token="unknown", policy=POLICY, now=now) is None


def test_revoking_all_sessions_of_a_user_can_keep_the_current_one(session):
    user, now = _user(session), utcnow()
    keep_token, keep = create_session(session=session, user=user, now=now)
    other_token, _ = create_session(session=session, user=user, now=now)
    session.flush()
    assert revoke_user_sessions(session=session, user_id=user.id, now=now, keep=keep.id) == 1
    assert load_session(session=session, token=keep_token, policy=POLICY, now=now)
    assert load_session(session=session, token=other_token, policy=POLICY, now=now) is None


def test_login_throttle_doubles_the_wait_after_three_free_failures(session):
    now = utcnow()
    waits = []
    for _ in range(8):
        row = throttle.record_failure(session=session, email="A@b.jp", ip="1.2.3.4", now=now)
        waits.append((row.blocked_until - now).total_seconds() if row.blocked_until else 0)
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32]
    assert throttle.blocked_for(session=session, email="a@b.jp", ip="1.2.3.4", now=now)
    assert throttle.blocked_for(session=session, email="a@b.jp", ip="5.6.7.8", now=now) is None
    assert throttle.blocked_for(session=session, email="a@b.jp", ip="1.2.3.4",
                                now=now + timedelta(seconds=33)) is None
    assert throttle.delay_after(40) == timedelta(minutes=15)
    throttle.record_success(session=session, email="a@b.jp", ip="1.2.3.4")
    assert throttle.blocked_for(session=session, email="a@b.jp", ip="1.2.3.4", now=now) is None


def test_anonymous_csrf_tokens_are_bound_to_the_cookie_and_the_server_secret():
    nonce = csrf.new_nonce()
    token = csrf.anonymous_token("k" * 40, nonce)
    assert csrf.check_anonymous("k" * 40, nonce, token)
    assert not csrf.check_anonymous("k" * 40, csrf.new_nonce(), token)
    assert not csrf.check_anonymous("other" * 8, nonce, token)
    assert not csrf.check_anonymous("k" * 40, None, token)
    assert not csrf.tokens_match("", "")

"""Builder and preview tokens: signed, scoped by purpose, short-lived, tamper-evident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.security.builder_tokens import (
    BUILDER_TTL_SECONDS,
    TokenError,
    sign_token,
    verify_token,
)

SECRET = "s" * 40
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CLAIMS = {"env": 7, "guide": "welcome", "step": 2, "author": 3}


def _reason(**kw) -> str:
    with pytest.raises(TokenError) as info:
        verify_token(**{"secret": SECRET, "purpose": "builder", "now": NOW, **kw})
    return info.value.reason


def test_a_builder_token_verifies_to_its_claims_with_a_ten_minute_expiry():
    token = sign_token(secret=SECRET, purpose="builder", claims=CLAIMS, now=NOW)
    claims = verify_token(secret=SECRET, purpose="builder", token=token, now=NOW)
    assert claims == {**CLAIMS, "exp": int(NOW.timestamp()) + BUILDER_TTL_SECONDS}
    assert BUILDER_TTL_SECONDS == 600
    later = NOW + timedelta(seconds=599)
    assert verify_token(secret=SECRET, purpose="builder", token=token, now=later)["step"] == 2


def test_an_expired_token_is_refused():
    token = sign_token(secret=SECRET, purpose="builder", claims=CLAIMS, now=NOW)
    assert _reason(token=token, now=NOW + timedelta(minutes=10)) == "expired"


def test_a_preview_token_is_not_a_builder_token_and_another_secret_does_not_verify():
    preview = sign_token(secret=SECRET, purpose="preview", claims=CLAIMS, now=NOW)
    assert _reason(token=preview) == "bad_signature"
    builder = sign_token(secret=SECRET, purpose="builder", claims=CLAIMS, now=NOW)
    assert _reason(token=builder, secret="t" * 40) == "bad_signature"


def test_changing_the_claims_breaks_the_signature():
    token = sign_token(secret=SECRET, purpose="builder", claims=CLAIMS, now=NOW)
    other = sign_token(secret=SECRET, purpose="builder", claims={**CLAIMS, "step": 0}, now=NOW)
    forged = other.split(".")[0] + "." + token.split(".")[1]
    assert _reason(token=forged) == "bad_signature"


@pytest.mark.parametrize("token", [None, "", "abc", "a.", ".b", "a.b.c!", 42, "x" * 5000])
def test_malformed_tokens_are_refused_without_raising_anything_else(token):
    assert _reason(token=token) in ("malformed", "bad_signature")

"""Admin REST: every endpoint needs the environment's secret key; errors have one shape."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.api.v1.pagination import decode_cursor, encode_cursor
from server.api.v1.routes import routes
from server.errors import ApiError
from tests.api.v1_support import Api, api_fixture, assert_error, client_fixture, guide_def  # noqa: F401

ENDPOINTS = sorted(
    (method, re.sub(r"{(\w+)(?::int)?}", lambda m: "1" if ":int" in m.group(0) else "x", r.path))
    for r in routes
    for method in (r.methods or ())  # type: ignore[attr-defined]
    if method != "HEAD" and r.path != "/openapi.json"  # type: ignore[attr-defined]
)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_is_401_without_a_key(api: Api, method: str, path: str) -> None:
    r = api.client.request(method, f"/api/v1{path}", json={})
    err = assert_error(r, 401, "unauthorized")
    assert "sk_" in err["message"]
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [
    "Bearer sk_wrong", "Bearer ", "Basic c2tfeDp5", "sk_live", "Bearer pk_publishable",
])
def test_wrong_keys_are_401(api: Api, header: str) -> None:
    r = api.client.get("/api/v1/guides", headers={"Authorization": header})
    assert_error(r, 401, "unauthorized")


def test_the_publishable_key_is_not_an_admin_key(api: Api) -> None:
    pk = api.created.environment.publishable_key
    r = api.client.get("/api/v1/guides", headers={"Authorization": f"Bearer {pk}"})
    assert_error(r, 401)


def test_auth_is_checked_before_the_body_is_read(api: Api) -> None:
    r = api.client.post("/api/v1/guides", content=b"{not json")
    assert_error(r, 401)


def test_unknown_routes_and_methods_use_the_canonical_error(api: Api) -> None:
    assert_error(api.get("/nope"), 404)
    assert_error(api.request("DELETE", "/guides"), 405)


def test_oversize_guide_body_is_413(api: Api) -> None:
    body = guide_def(steps=[{"kind": "modal", "body": "x" * (3 * 1024 * 1024)}])
    assert_error(api.post("/guides", json=body), 413, "payload_too_large")


def test_cursors_round_trip() -> None:
    key = (datetime(2026, 10, 1, 8, 0, 0, 123, tzinfo=UTC), 42)
    assert decode_cursor(encode_cursor(key), (datetime, int)) == key
    assert decode_cursor(encode_cursor(("ユーザー",)), (str,)) == ("ユーザー",)
    assert decode_cursor(None, (str,)) is None


@given(st.text(max_size=60))
def test_any_cursor_text_is_decoded_or_refused_with_400(raw: str) -> None:
    for shape in ((str,), (int,), (datetime,), (datetime, int)):
        try:
            decode_cursor(raw, shape)
        except ApiError as exc:
            assert exc.status == 400 and exc.code == "bad_cursor"

"""Helpers shared by the admin REST API tests (tests/api/test_v1_*.py).

Test modules import the fixtures by their function names (`api_fixture`, …); pytest
registers them under `name=` (`api`, …), so test parameters shadow nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings


@dataclass
class Api:
    """A client bound to one environment's secret key; paths are relative to /api/v1."""

    client: TestClient
    key: str
    created: Any  # CreatedEnvironment

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def walk(self, path: str, **params: Any) -> tuple[list[Any], int]:
        """Every item of a paginated list, following next_cursor; and the page count."""
        items: list[Any] = []
        pages = 0
        cursor = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            r = self.get(path, params=query)
            assert r.status_code == 200, r.text
            body = r.json()
            # Metrics lists also say how fresh they are (server/metrics/cache.py).
            assert set(body) - {"computed_at", "stale"} == {"data", "next_cursor"}
            items += body["data"]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                return items, pages


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the canonical error body with this status (and code)."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    for d in body["error"]["details"]:
        assert set(d) >= {"loc", "msg"}
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def guide_def(key: str = "welcome", **changes: Any) -> dict[str, Any]:
    """A valid modal guide definition."""
    return {"key": key, "name": key.replace("-", " ").title(), "type": "modal",
            "steps": [{"kind": "modal", "title": "Welcome", "body": "Hello **there**"}],
            **changes}


def event(user: str = "u1", ts: str = "2026-10-01T08:00:00Z", **fields: Any) -> dict[str, Any]:
    """A valid track event with a fresh UUID."""
    return {"id": str(uuid.uuid4()), "type": "track", "name": "report_created",
            "user_id": user, "timestamp": ts, **fields}


@pytest.fixture(name="client")
def client_fixture(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(name="api")
def api_fixture(client: TestClient, factory: Any) -> Api:
    created = factory.environment(workspace="Acme", name="production")
    return Api(client, created.secret_key, created)


@pytest.fixture(name="other")
def other_fixture(client: TestClient, factory: Any) -> Api:
    """A second environment (another workspace) that must see nothing of `api`'s."""
    created = factory.environment(workspace="Globex", name="production")
    return Api(client, created.secret_key, created)

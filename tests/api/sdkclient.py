"""Helpers for SDK API tests: a client bound to one environment, event builders, DB counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

ORIGIN = "https://app.acme.test"


def event(type_: str = "track", **fields: Any) -> dict[str, Any]:
    """One valid SDK event; override any field."""
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": type_,
        "user_id": "user-1",
        "timestamp": "2026-11-20T08:00:00Z",
    }
    if type_ == "track":
        base["name"] = "report_created"
    base.update(fields)
    return base


@dataclass
class SdkClient:
    client: TestClient
    key: str
    origin: str | None = ORIGIN

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"origin": self.origin} if self.origin else {}
        headers.update(extra or {})
        return headers

    def bootstrap(
        self,
        user: str = "user-1",
        traits: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **body: Any,
    ):  # type: ignore[no-untyped-def]
        payload = {"key": self.key, "user": {"id": user, "traits": traits or {}}, **body}
        return self.client.post(
            "/api/sdk/v1/bootstrap", json=payload, headers=self._headers(headers)
        )

    def guide_keys(
        self, user: str = "user-1", traits: dict[str, Any] | None = None, **body: Any
    ) -> list[str]:
        r = self.bootstrap(user, traits, **body)
        assert r.status_code == 200, r.text
        return [g["key"] for g in r.json()["guides"]]

    def send(self, events: list[dict[str, Any]], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/api/sdk/v1/events",
            json={"key": self.key, "events": events},
            headers=self._headers(headers),
        )


def count(db: Any, sql: str, **params: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())

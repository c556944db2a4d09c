"""The OpenAPI document covers every admin route, and the committed copy is current."""

from __future__ import annotations

import json
import re

from starlette.routing import Route

from server.api.v1.openapi import DOC_PATH, build_document, render_document
from server.api.v1.routes import routes
from tests.api.v1_support import Api, api_fixture, client_fixture  # noqa: F401


def test_every_route_of_the_router_has_an_openapi_operation() -> None:
    paths = build_document(routes)["paths"]
    missing = []
    for route in routes:
        assert isinstance(route, Route), f"{route!r}: only plain routes are documented"
        path = re.sub(r"{(\w+)(?::\w+)?}", r"{\1}", route.path)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == [], f"routes without an OpenAPI entry: {missing}"


def test_committed_openapi_json_is_up_to_date() -> None:
    assert DOC_PATH.read_text("utf-8") == render_document(routes), (
        "docs/openapi.json is stale: run .venv/bin/python -m server.api.v1.openapi"
    )


def test_openapi_json_is_served_without_a_key_and_matches_the_committed_copy(api: Api) -> None:
    r = api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.json() == json.loads(DOC_PATH.read_text("utf-8"))
    assert r.json()["openapi"] == "3.1.0"


def test_every_operation_documents_its_success_and_error_bodies() -> None:
    doc = build_document(routes)
    schemas = doc["components"]["schemas"]
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs <= set(schemas), f"dangling refs: {refs - set(schemas)}"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["operationId"], (method, path)
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (method, path)
            for code in codes - {"200", "201"}:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, code)


def test_every_route_is_described_in_docs_rest_api_md() -> None:
    text = (DOC_PATH.parent / "rest-api.md").read_text("utf-8")
    documented = set(re.findall(r"^### `([A-Z]+) (/[^`\[]*)", text, flags=re.MULTILINE))
    missing = []
    for route in routes:
        assert isinstance(route, Route)
        path = re.sub(r"{(\w+)(?::\w+)?}", r"{\1}", route.path)
        for method in route.methods or ():
            if method != "HEAD" and (method, path) not in documented:
                missing.append(f"{method} {path}")
    assert missing == [], f"routes missing from docs/rest-api.md: {missing}"

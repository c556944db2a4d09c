"""The OpenAPI 3.1 document of the admin REST API, built from the route table.

Every `ApiRoute` carries a `RouteDoc` (query, body and response models); the schemas come
from pydantic (`models_json_schema`), so the document is exactly what the handlers parse
and send. `python -m server.api.v1.openapi` writes docs/openapi.json; `--check` exits 1
when the committed copy is stale (a test does the same).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ...generated import generated_file_main
from .common import DEFINITION_MARK, ApiRoute, ErrorBody, RouteDoc

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
_REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_ERROR_TEXT = {
    400: "Malformed JSON, bad cursor or other bad request",
    401: "Missing or unknown secret key",
    404: "Not found in this environment",
    409: "Conflicts with the current state",
    413: "Body or batch too large",
    415: "Not JSON",
    422: "Validation failed; `details` lists each problem with its `loc`",
}


def _models(routes: list[ApiRoute]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
        (ErrorBody, "serialization"): None
    }
    for route in routes:
        doc = route.doc
        for model, mode in ((doc.body, "validation"), (doc.response, "serialization")):
            if model is not None:
                wanted[(model, mode)] = None  # type: ignore[index]
    return list(wanted)


def _param_schema(prop: dict[str, Any]) -> dict[str, Any]:
    # An optional query parameter is simply absent: drop the `null` branch pydantic adds.
    branches = prop.get("anyOf")
    if isinstance(branches, list):
        rest = [b for b in branches if b != {"type": "null"}]
        if len(rest) == 1:
            prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **rest[0]}
    if prop.get("default", 0) is None:
        del prop["default"]
    prop.pop("title", None)
    return prop


def _parameters(route: ApiRoute, query_schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name, conv in _PARAM.findall(route.path):
        kind = {"type": "integer", "minimum": 0} if conv == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": kind})
    if query_schema is not None:
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": _param_schema(prop)}
            if description:
                param["description"] = description
            params.append(param)
    return params


def _operation(route: ApiRoute, refs: dict[Any, Any]) -> dict[str, Any]:
    doc: RouteDoc = route.doc
    op: dict[str, Any] = {
        "operationId": route.name.removeprefix("v1:").replace("-", "_"),
        "summary": doc.summary,
        "tags": [doc.tag],
    }
    query = doc.query.model_json_schema(ref_template=_REF) if doc.query else None
    params = _parameters(route, query)
    if params:
        op["parameters"] = params
    if doc.body is not None:
        op["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": {"schema": refs[(doc.body, "validation")]}},
        }
    ok = refs[(doc.response, "serialization")] if doc.response else {"type": "object"}
    responses: dict[str, Any] = {
        str(doc.status): {"description": "Success", "content": {"application/json": {"schema": ok}}}
    }
    error_ref = refs[(ErrorBody, "serialization")]
    for status in sorted(set(doc.errors) - ({401} if not doc.auth else set())):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
    op["responses"] = responses
    if not doc.auth:
        op["security"] = []
    return op


def _link(value: Any) -> Any:
    """Replace `{"type": "object", DEFINITION_MARK: name}` by a $ref to component `name`."""
    if isinstance(value, dict):
        if DEFINITION_MARK in value:
            return {"$ref": _REF.format(model=value[DEFINITION_MARK])}
        return {k: _link(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_link(v) for v in value]
    return value


def build_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the documented routes among `routes`."""
    api_routes = [r for r in routes if isinstance(r, ApiRoute)]
    refs, top = models_json_schema(_models(api_routes), ref_template=_REF)
    defs: dict[str, Any] = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for route in api_routes:
        path = _PARAM.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, refs)
    return _link({
        "openapi": "3.1.0",
        "info": {
            "title": "Shirube admin REST API",
            "version": "v1",
            "description": "Admin REST API of one environment, authenticated with its secret "
                           "key (`Authorization: Bearer sk_…`). Lists are paginated with "
                           "`?limit` (1..500, default 50) and an opaque `?cursor`; errors "
                           "have one shape, `{\"error\": {\"code\", \"message\", \"details\"}}`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"secretKey": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "secretKey": {"type": "http", "scheme": "bearer",
                              "description": "The environment's secret key, sk_…"},
            },
        },
    })


def render_document(routes: Iterable[BaseRoute]) -> str:
    """The document as committed: pretty, sorted keys, UTF-8, trailing newline."""
    return json.dumps(build_document(routes), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@functools.cache
def _served() -> bytes:
    from .routes import routes  # the table this module is part of

    return render_document(routes).encode()


async def openapi_json(request: Request) -> Response:
    return Response(_served(), media_type="application/json")


routes = [
    ApiRoute("/openapi.json", openapi_json, method="GET", name="v1:openapi", doc=RouteDoc(
        "This OpenAPI 3.1 document", "meta", errors=(), auth=False)),
]


def main(argv: list[str] | None = None) -> int:
    """Write docs/openapi.json, or with `--check` report whether it is up to date."""
    from .routes import routes as all_routes

    return generated_file_main(
        argv, prog="server.api.v1.openapi", default_path=DOC_PATH,
        render=lambda: render_document(all_routes),
    )


if __name__ == "__main__":
    raise SystemExit(main())

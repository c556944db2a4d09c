"""server/delivery/asgi.py: the lean bootstrap path answers exactly as Starlette's stack."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server.delivery import asgi
from server.errors import EXCEPTION_HANDLERS, ApiError


class _M(BaseModel):
    n: int


async def endpoint(request: Request) -> Response:
    kind = (await request.body()).decode()
    if kind == "api":
        raise ApiError(409, "conflict", "already there", headers={"Retry-After": "3"})
    if kind == "http":
        raise HTTPException(404, "nope")
    if kind == "pydantic":
        _M.model_validate({"n": "x"})
    if kind == "boom":
        raise RuntimeError("boom")
    return Response(b'{"ok":' + kind.encode() + b"}", media_type="application/json",
                    headers={"Vary": "Origin", "X-App": str(request.app.state.marker)})


def _app(lean: bool, **kw: object) -> Starlette:
    app = Starlette(routes=[Mount("/api", routes=[
        Route("/x", endpoint, methods=["POST"]),
        Route("/y", endpoint, methods=["POST"]),
        Route("/x", lambda r: Response(status_code=204), methods=["OPTIONS"]),
    ])], exception_handlers=EXCEPTION_HANDLERS, **kw)  # type: ignore[arg-type]
    app.state.marker = "m"
    if lean:
        asgi.install(app, {"/api/x": endpoint, "/api/y": endpoint})
    return app


@pytest.mark.parametrize("kind", ["1", "api", "http", "pydantic", "boom"])
def test_the_lean_path_answers_like_the_full_stack(kind: str) -> None:
    answers = []
    for lean in (False, True):
        with TestClient(_app(lean), raise_server_exceptions=False) as client:
            r = client.post("/api/x", content=kind)
            answers.append((r.status_code, r.content, r.headers.get("content-type"),
                            r.headers.get("retry-after"), r.headers.get("x-app")))
    assert answers[0] == answers[1]
    if kind == "boom":
        assert answers[1][0] == 500 and b"internal_error" in answers[1][1]


def test_other_methods_and_paths_still_go_through_the_router() -> None:
    with TestClient(_app(True)) as client:
        assert client.options("/api/x").status_code == 204
        assert client.get("/api/x").status_code == 405
        assert client.post("/api/x/", follow_redirects=False).status_code == 307
        assert client.post("/api/x", content="1").json() == {"ok": 1}
        assert client.post("/api/y", content="2").json() == {"ok": 2}


def test_not_installed_when_the_app_has_its_own_middleware() -> None:
    app = _app(True, middleware=[Middleware(CORSMiddleware, allow_origins=["https://a.test"])])
    with TestClient(app) as client:
        r = client.post("/api/x", content="1", headers={"origin": "https://a.test"})
        assert r.headers["access-control-allow-origin"] == "https://a.test"

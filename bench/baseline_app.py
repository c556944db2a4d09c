"""The bare baseline: an async Starlette endpoint returning pre-serialised JSON bytes.

It is the physical limit the SDK endpoints are measured against (same uvicorn, uvloop,
httptools, same worker count, same request bodies): everything Shirube adds on top —
key lookup, validation, SQL, targeting, serialisation — is the difference.

    SHIRUBE_BENCH_BODY_FILE=/tmp/body.json uvicorn --factory bench.baseline_app:create_app

POST /api/sdk/v1/bootstrap reads the request body and answers with the bytes of
SHIRUBE_BENCH_BODY_FILE (a real bootstrap response captured by bench_bootstrap.py);
POST /api/sdk/v1/events reads the body and answers a fixed intake acknowledgement.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_ACK = b'{"accepted":50,"duplicates":0,"rejected":[]}'


def create_app() -> Starlette:
    """Build the baseline app; the response body is read once, here, not per request."""
    path = os.environ.get("SHIRUBE_BENCH_BODY_FILE")
    body = Path(path).read_bytes() if path else b'{"ok":true}'
    origin = os.environ.get("SHIRUBE_BENCH_ORIGIN", "")
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}

    async def bootstrap(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json", headers=headers)

    async def events(request: Request) -> Response:
        await request.body()
        return Response(_ACK, media_type="application/json", headers=headers)

    async def healthz(request: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/api/sdk/v1/bootstrap", bootstrap, methods=["POST"]),
        Route("/api/sdk/v1/events", events, methods=["POST"]),
    ])

"""Serving the SDK bundle: precompressed (brotli, gzip), ETag, cache headers.

`/sdk/v1/shirube.js` is what the stub loads: cached for a day and revalidated by ETag,
so a new release reaches every page within a day. `/sdk/v1/shirube.<hash>.js` is the
same bytes under a content hash, cacheable for a year (immutable) for customers who pin.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import brotli
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATIC_SDK = Path(__file__).resolve().parent.parent / "static" / "sdk"
_TYPES = {".js": "text/javascript; charset=utf-8", ".map": "application/json"}


@dataclass(frozen=True, slots=True)
class _Asset:
    raw: bytes
    gz: bytes
    br: bytes
    etag: str
    media_type: str


def _load(path: Path) -> _Asset:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return _Asset(
        raw=raw,
        gz=gzip.compress(raw, 9, mtime=0),
        br=brotli.compress(raw, quality=11),
        etag=f'"{digest}"',
        media_type=_TYPES.get(path.suffix, "application/octet-stream"),
    )


class SdkAssets:
    """Loaded once per process; files are read lazily so a missing bundle is a 404, not a crash."""

    def __init__(self, directory: Path = STATIC_SDK) -> None:
        self.directory = directory
        self._cache: dict[str, _Asset] = {}

    def get(self, name: str) -> _Asset | None:
        if name not in self._cache:
            path = self.directory / name
            if not path.is_file() or path.parent != self.directory:
                return None
            self._cache[name] = _load(path)
        return self._cache[name]

    def hashed_name(self) -> str | None:
        asset = self.get("shirube.js")
        return f"shirube.{asset.etag.strip(chr(34))}.js" if asset else None


def _respond(request: Request, asset: _Asset, cache: str) -> Response:
    headers = {
        "ETag": asset.etag,
        "Cache-Control": cache,
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    accept = request.headers.get("accept-encoding", "")
    body = asset.raw
    if "br" in accept:
        body, headers["Content-Encoding"] = asset.br, "br"
    elif "gzip" in accept:
        body, headers["Content-Encoding"] = asset.gz, "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


async def sdk_file(request: Request) -> Response:
    assets: SdkAssets = request.app.state.sdk_assets
    name = request.path_params["name"]
    if name == assets.hashed_name():
        asset = assets.get("shirube.js")
        assert asset is not None
        return _respond(request, asset, "public, max-age=31536000, immutable")
    asset = assets.get(name)
    if asset is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    return _respond(request, asset, "public, max-age=86400, stale-while-revalidate=604800")


routes = [Route("/{name:str}", sdk_file, methods=["GET", "HEAD"], name="sdk:file")]

"""GET /sdk/v1/shirube.js: compression, ETag revalidation, cache lifetimes."""

from __future__ import annotations

import gzip

import brotli
import pytest

from server.api.static_sdk import STATIC_SDK


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("br, gzip", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("identity", None, lambda b: b),
    ],
)
def test_bundle_is_served_compressed_as_negotiated(client, accept, encoding, decode):
    raw = (STATIC_SDK / "shirube.js").read_bytes()
    r = client.get("/sdk/v1/shirube.js", headers={"accept-encoding": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers.get("content-encoding") == encoding
    assert r.headers["vary"] == "Accept-Encoding"
    # httpx transparently decodes gzip/br; compare what it hands us with the file.
    assert r.content == raw or decode(r.content) == raw


def test_etag_revalidation_answers_304(client):
    first = client.get("/sdk/v1/shirube.js")
    assert "max-age=86400" in first.headers["cache-control"]
    again = client.get("/sdk/v1/shirube.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_content_hashed_url_is_immutable_for_a_year(client):
    etag = client.get("/sdk/v1/shirube.js").headers["etag"].strip('"')
    r = client.get(f"/sdk/v1/shirube.{etag}.js")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_unknown_files_are_404(client):
    assert client.get("/sdk/v1/nope.js").status_code == 404
    assert client.get("/sdk/v1/..%2Fapp.py").status_code == 404

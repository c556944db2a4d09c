"""The committed SDK bundle is exactly what a fresh build of sdk_js/src produces."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.ingest.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk_js"
BUILT = ROOT / "server" / "static" / "sdk"


def test_committed_bundle_matches_a_fresh_build() -> None:
    node = shutil.which("node")
    assert node, "node is required to build the SDK (make test installs the npm packages)"
    if not (SDK / "node_modules" / "esbuild").is_dir():
        pytest.fail("sdk_js/node_modules is missing: run `make sdk` (make test does it)")
    # Build beside the committed folder (same depth) so the source map's relative paths match.
    out = BUILT.parent / f".sdk-fresh-{os.getpid()}"
    try:
        env = {**os.environ, "SHIRUBE_SDK_OUT": str(out)}
        subprocess.run([node, "build.mjs"], cwd=SDK, env=env, check=True, capture_output=True)
        names = sorted(p.name for p in out.iterdir())
        assert "shirube.js" in names and "stub.min.js" in names
        stale = [n for n in names if (out / n).read_bytes() != (BUILT / n).read_bytes()]
    finally:
        shutil.rmtree(out, ignore_errors=True)
    assert stale == [], f"server/static/sdk is stale for {stale}: run `make sdk` and commit"


def test_sdk_and_server_share_one_event_vocabulary() -> None:
    source = (SDK / "src" / "events.js").read_text()
    sdk_types = re.findall(r"^\s+[A-Z_]+: '([a-z_]+)'", source, flags=re.M)
    assert tuple(sdk_types) == EVENT_TYPES

"""The `shirube` command line, run as a subprocess against a fresh database per test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import build_parser
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_GUIDES = ROOT / "guides" / "demo"
ORIGIN = "https://app.acme.test"


def shirube(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m server.cli ARGS` with SHIRUBE_DATABASE_URL set; fail loudly on error."""
    env = {**os.environ, "SHIRUBE_DATABASE_URL": database_url, "SHIRUBE_ENVIRONMENT": "test"}
    env.pop("SHIRUBE_DEMO", None)
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"shirube {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _init(database_url: str, *extra: str) -> dict[str, Any]:
    out = shirube(database_url, "init", "--workspace", "Acme", "--origin", ORIGIN, "--json", *extra)
    return json.loads(out.stdout)


def _count(database_url: str, sql: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


def _commands() -> list[list[str]]:
    """Every command and sub-command the parser knows (so new ones are covered too)."""
    found: list[list[str]] = [[]]

    def walk(parser: Any, prefix: list[str]) -> None:
        for action in parser._actions:
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, sub in choices.items():
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "shirube")
def test_every_command_has_help(database_url: str, command: list[str]) -> None:
    out = shirube(database_url, *command, "--help")
    assert out.stdout.startswith("usage: shirube")
    assert out.stderr == ""


def test_init_json_prints_keys_that_work(database_url: str) -> None:
    info = _init(database_url)
    assert set(info) >= {"workspace", "environment", "publishable_key", "secret_key", "identity_secret"}
    assert info["environment"] == "production"
    assert info["publishable_key"].startswith("pk_") and info["secret_key"].startswith("sk_")

    with TestClient(create_app(Settings(database_url=database_url, environment="test"))) as client:
        boot = client.post(
            "/api/sdk/v1/bootstrap",
            content=json.dumps({"user": {"id": "cli-user"}, "context": {"url": f"{ORIGIN}/"}}),
            headers={"X-Shirube-Key": info["publishable_key"], "Origin": ORIGIN,
                     "Content-Type": "text/plain"},
        )
        assert boot.status_code == 200, boot.text
        assert boot.json()["user"] == {"id": "cli-user"}

        ok = client.get("/api/v1/guides", headers={"Authorization": f"Bearer {info['secret_key']}"})
        assert ok.status_code == 200, ok.text
        wrong = client.get("/api/v1/guides", headers={"Authorization": "Bearer sk_wrong"})
        assert wrong.status_code == 401
        assert client.get("/api/v1/guides", headers={
            "Authorization": f"Bearer {info['publishable_key']}"}).status_code == 401


def test_init_refuses_an_existing_environment_without_a_traceback(database_url: str) -> None:
    _init(database_url)
    again = shirube(database_url, "init", "--workspace", "Acme", "--json", check=False)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_guides_import_then_export_round_trips_byte_for_byte(database_url: str, tmp_path: Path) -> None:
    _init(database_url)
    shirube(database_url, "guides", "import", str(DEMO_GUIDES), "--env", "production")
    first, second = tmp_path / "first", tmp_path / "second"
    out = shirube(database_url, "guides", "export", str(first), "--env", "production")
    demo_keys = sorted(p.stem for p in DEMO_GUIDES.glob("*.yaml"))
    assert sorted(p.stem for p in first.glob("*.yaml")) == demo_keys
    assert f"exported {len(demo_keys)} guide(s)" in out.stdout

    shirube(database_url, "guides", "import", str(first), "--env", "production")
    shirube(database_url, "guides", "export", str(second), "--env", "production")
    for path in sorted(first.glob("*.yaml")):
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name
    # Re-importing what was exported changes nothing: still one version per guide.
    assert _count(database_url, "SELECT count(*) FROM guide_version") == len(demo_keys)


def test_invalid_guide_file_fails_naming_file_path_and_reason_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    _init(database_url)
    shutil.copy(DEMO_GUIDES / "welcome-tour.yaml", tmp_path / "welcome-tour.yaml")
    (tmp_path / "broken-tip.yaml").write_text(
        "key: broken-tip\nname: Broken\ntype: tooltip\n"
        "steps:\n  - kind: tooltip\n    title: Hi\n    body: no target\n",
        encoding="utf-8",
    )
    out = shirube(database_url, "guides", "import", str(tmp_path), "--env", "production", check=False)
    assert out.returncode != 0
    assert "broken-tip.yaml" in out.stderr
    assert "steps[0].target" in out.stderr
    assert "required" in out.stderr
    assert "Traceback" not in out.stderr
    assert _count(database_url, "SELECT count(*) FROM guide") == 0


def test_guides_import_of_a_missing_path_fails_cleanly(database_url: str, tmp_path: Path) -> None:
    _init(database_url)
    out = shirube(database_url, "guides", "import", str(tmp_path / "nope.yaml"), "--env", "production",
                  check=False)
    assert out.returncode == 1
    assert "nope.yaml: no such file or directory" in out.stderr


def test_demo_seed_only_seeds_once_and_is_idempotent(database_url: str) -> None:
    first = shirube(database_url, "demo", "--seed-only", "--users", "200", "--port", "8123")
    assert "http://localhost:8123/demo/" in first.stdout
    assert "secret key:       sk_" in first.stdout
    users = _count(database_url, "SELECT count(*) FROM end_user")
    events = _count(database_url, "SELECT count(*) FROM event")
    assert users == 200
    assert _count(database_url, "SELECT count(*) FROM account") == 300
    assert events > 1000
    guides = len(list(DEMO_GUIDES.glob("*.yaml")))
    assert _count(database_url, "SELECT count(*) FROM guide WHERE status = 'published'") == guides

    second = shirube(database_url, "demo", "--seed-only", "--users", "200", "--port", "8123")
    assert "already seeded" in second.stdout
    assert "sk_" not in second.stdout.replace("sk_…", "")  # the secret is shown only once
    assert _count(database_url, "SELECT count(*) FROM end_user") == users
    assert _count(database_url, "SELECT count(*) FROM event") == events
    assert _count(database_url, "SELECT count(*) FROM guide_version") == guides
    assert _count(database_url, "SELECT count(*) FROM environment") == 1


def test_demo_on_another_port_adds_its_origins(database_url: str) -> None:
    shirube(database_url, "demo", "--seed-only", "--users", "10", "--port", "8123")
    out = shirube(database_url, "demo", "--seed-only", "--users", "10", "--port", "9001")
    assert "http://127.0.0.1:9001" in out.stdout and "http://127.0.0.1:8123" in out.stdout

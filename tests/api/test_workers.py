"""Several server processes sharing one database agree within one request after a publish.

Each process caches the compiled guides of an environment keyed by
`environment.guides_version`; a publish bumps the counter in its transaction. Here two
real `shirube serve` processes (uvicorn, uvloop, httptools) on two ports — so each request
goes to a known process — both serve and cache a bootstrap, then a publish through the
service layer must show on the very next bootstrap of EACH process.

Runs on SQLite and on PostgreSQL (SHIRUBE_TEST_POSTGRES_URL, else 127.0.0.1:5432); the
PostgreSQL case is skipped, saying why, when no server answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from server.db import Database
from server.guides.service import get_guide, import_guide_files, publish_guide, unpublish_guide
from server.migrations import upgrade
from server.models import Environment
from server.settings import Settings
from server.workspaces.service import create_environment, get_or_create_workspace

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://app.acme.test"
PG_URL = os.environ.get("SHIRUBE_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why the test is skipped."""
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}): set SHIRUBE_TEST_POSTGRES_URL"
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database that both server processes use."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        upgrade(url)
        yield url
        return
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    schema = f"shirube_test_workers_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    upgrade(url)
    try:
        yield url
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _start(url: str, log: Path) -> LiveServer:
    port = _free_port()
    env = {**os.environ, "SHIRUBE_DATABASE_URL": url, "SHIRUBE_LOG_LEVEL": "warning",
           "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LiveServer(proc, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.base + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"server did not answer /healthz within 30 s:\n{server.output()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture
def servers(shared_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[list[LiveServer]]:
    """Two server processes on two ports over the same database; their output is printed on failure."""
    started: list[LiveServer] = []
    try:
        for i in range(2):
            started.append(_start(shared_url, tmp_path / f"server-{i}.log"))
        yield started
    finally:
        for server in started:
            _stop(server.process)
        for i, server in enumerate(started):
            print(f"--- server {i} (port {server.port}) output ---\n{server.output()}")


def _guide(key: str, title: str) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "type": "modal",
            "steps": [{"kind": "modal", "title": title, "body": "Hello"}]}


@pytest.fixture
def seeded(shared_url: str, tmp_path: Path) -> Iterator[tuple[Database, int, str]]:
    """(database, environment id, publishable key) with one published guide, `hello` v1."""
    import yaml

    db = Database(Settings(database_url=shared_url, environment="test"))
    with db.session() as s:
        ws = get_or_create_workspace(session=s, name="Acme")
        created = create_environment(session=s, workspace=ws, name="production", origins=[ORIGIN])
        s.commit()
        env_id, key = created.environment.id, created.environment.publishable_key
    path = tmp_path / "hello.yaml"
    path.write_text(yaml.safe_dump(_guide("hello", "Version one")))
    with db.session() as s:
        import_guide_files(session=s, environment=s.get(Environment, env_id), paths=[path], author="test")
    try:
        yield db, env_id, key  # type: ignore[misc]
    finally:
        db.dispose()


def _guides(server: LiveServer, key: str) -> dict[str, tuple[int, str]]:
    r = httpx.post(
        server.base + "/api/sdk/v1/bootstrap", timeout=10, headers={"origin": ORIGIN},
        json={"key": key, "user": {"id": "user-1", "traits": {"plan": "pro"}}},
    )
    assert r.status_code == 200, f"{server.base}: {r.status_code} {r.text}"
    return {g["key"]: (g["version"], g["steps"][0]["title_html"]) for g in r.json()["guides"]}


def test_publish_reaches_every_worker_process_on_its_next_bootstrap(servers, seeded):  # type: ignore[no-untyped-def]
    db, env_id, key = seeded
    for server in servers:  # both serve, compile and cache version 1 ...
        assert _guides(server, key) == {"hello": (1, "Version one")}
    for server in servers:  # ... and answer from that cache
        assert _guides(server, key) == {"hello": (1, "Version one")}

    with Session(db.write_engine, expire_on_commit=False) as s:
        env = s.get(Environment, env_id)
        guide = get_guide(session=s, environment=env, key="hello")
        publish_guide(session=s, guide=guide, author="test", definition=_guide("hello", "Version two"))
        s.commit()
    for server in servers:
        assert _guides(server, key) == {"hello": (2, "Version two")}, server.base

    with Session(db.write_engine, expire_on_commit=False) as s:
        guide = get_guide(session=s, environment=s.get(Environment, env_id), key="hello")
        unpublish_guide(session=s, guide=guide)
        s.commit()
    for server in servers:
        assert _guides(server, key) == {}, server.base

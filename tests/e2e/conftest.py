"""Browser tests: real Chromium against a real Shirube server running in a subprocess.

The harness (Datasette style)
-----------------------------
- ``live_server`` (session): ``python -m uvicorn --factory server.app:create_app`` on a
  free port, with ``SHIRUBE_DATABASE_URL`` pointing at its own migrated database (a
  SQLite file, or a PostgreSQL schema ``shirube_e2e_<worker>`` when
  ``SHIRUBE_TEST_POSTGRES_URL`` is set) and ``SHIRUBE_DEMO=1``. It is shared by every
  browser test of the worker; when a test fails, the server's output during that test
  is attached to the report ("live server output").
- ``live`` (per test): ``live.base_url``; ``live.env``, a fresh environment (fresh keys)
  allowing the origins ``https://app.test`` and ``live.base_url``; ``live.environment(…)``
  for more; ``live.publish(env, guide_dict, …)`` to import and publish guides (the
  guide-file format, as dicts) or ``live.publish_files(env, paths)``; and database
  helpers for assertions: ``live.events(env, type=…)``, ``live.count_events(env, uuid=…)``,
  ``live.wait_for_events(env, n, type=…)``, ``live.guide_state(env, user, key)``,
  ``live.query(sql, **params)``. The test process opens a ``server.db.Database`` on the
  server's URL and calls the services directly.
- ``host_page(body_html, *, head='', csp=None, …)``: a customer's page at
  ``https://app.test/app/`` (fulfilled by ``page.route``: it is the customer's page, so
  nothing of ours is mocked; https like real customers' pages, so a secure context) that embeds the SDK exactly as the README says: the stub
  snippet, then ``shirube('init', {key, host})`` and ``shirube('identify', user, traits)``.
  It navigates there and returns the URL. Options: ``path`` (several pages can be
  registered on one test; ``goto=False`` registers without navigating), ``user``
  (``None``: no identify), ``traits``, ``account=(id, traits)``, ``init`` (extra init
  options, e.g. ``{"debug": True}``), ``nonce`` (put on the inline scripts and passed to
  init), ``snippet=False`` (no stub/init: the body does it), ``env``.
- ``console_errors``: a list that collects the page's console errors and uncaught
  exceptions (assert it is empty at the end of a test).
- ``browser_type_launch_args``: Debian's Chromium (``/usr/bin/chromium``), headless, with
  Local Network Access checks off (see ``CHROMIUM_ARGS``), so any new context works.

Example::

    def test_modal_shows_on_page_load(live, host_page, page):
        live.publish(live.env, {"key": "hello", "name": "Hello", "type": "modal",
                                "steps": [{"kind": "modal", "title": "Hi", "body": "Yo"}]})
        host_page("<main><h1>App</h1></main>", traits={"plan": "pro"})
        expect(page.get_by_test_id("shirube-guide")).to_be_visible()
        live.wait_for_events(live.env, 1, type="guide_seen")
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
import yaml

from server.db import Database
from server.migrations import upgrade
from server.settings import Settings
from tests.conftest import PG_URL, _worker

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Chromium's Local Network Access blocks a public origin (our fake customer origin
    # https://app.test) from loading anything on 127.0.0.1 unless a user grants it. Real
    # customers load the SDK from a public host and never meet this; the live server on
    # loopback is an artefact of testing, so the check is off for every context.
    "--disable-features=LocalNetworkAccessChecks",
]
HOST_ORIGIN = "https://app.test"
_STARTUP_SECONDS = 30.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            # A browser test that fails is run once more, on a new page (pytest-rerunfailures);
            # the summary lists every rerun ("R"), so a flake stays visible, and a real
            # failure still fails both times. Only browser tests: they race a real
            # Chromium and a live server on a shared 2-core machine; nothing else reruns.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless (Playwright cannot download its own browser here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS,
            "headless": True}


# -- the server subprocess --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_schema_url(schema: str) -> str:
    """A freshly migrated PostgreSQL schema (same recipe as tests/conftest.py)."""
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    upgrade(url)
    return url


@dataclass
class LiveServer:
    """The uvicorn subprocess: where it listens, its database and its output."""

    base_url: str
    port: int
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self, since: int = 0) -> str:
        """Everything the server printed (from byte offset `since`)."""
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, _template_db: str) -> Iterator[LiveServer]:
    """One Shirube server per test worker, started as a subprocess on a free port."""
    workdir = tmp_path_factory.mktemp("live")
    if PG_URL:
        # Its own schema: other tests truncate theirs, which would confuse the server's cache.
        database_url = _postgres_schema_url(f"shirube_e2e_{_worker()}")
    else:
        path = workdir / "live.db"
        shutil.copyfile(_template_db, path)
        database_url = f"sqlite:///{path}"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHIRUBE_DATABASE_URL": database_url,
        "SHIRUBE_DEMO": "1",
        "SHIRUBE_ENVIRONMENT": "test",
        "SHIRUBE_PUBLIC_URL": base_url,
        "SHIRUBE_LOG_LEVEL": "info",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = workdir / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed at teardown
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(base_url, port, database_url, process, log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"live server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"live server did not answer /healthz in {_STARTUP_SECONDS:.0f}s:\n{server.output()}")


@pytest.fixture(autouse=True)
def _live_server_output(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood when a test using the server started."""
    if "live_server" in request.fixturenames:
        server: LiveServer = request.getfixturevalue("live_server")
        request.node._shirube_live = (server, server.log_size())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    live = getattr(item, "_shirube_live", None)
    if live is not None and report.failed and report.when in ("setup", "call"):
        server, offset = live
        text = server.output(offset)
        report.sections.append(("live server output", text or "(nothing)"))


# -- per-test environment and database helpers ------------------------------------------


@dataclass
class LiveEnvironment:
    """A fresh environment on the live server, with its keys shown once at creation."""

    id: int
    name: str
    publishable_key: str
    secret_key: str
    identity_secret: str
    origins: list[str]


@dataclass
class Live:
    """What a browser test needs from the server: URLs, environments, guides, queries."""

    server: LiveServer
    db: Database
    env: LiveEnvironment = field(init=False)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def environment(
        self, *, origins: list[str] | None = None, identity_verification: bool = False,
        settings: dict[str, Any] | None = None,
    ) -> LiveEnvironment:
        """A new environment (fresh keys) allowing `origins` (default app.test + the server)."""
        from server.workspaces.service import create_environment, get_or_create_workspace

        name = f"t-{uuid.uuid4().hex[:12]}"
        with self.db.session() as s:
            ws = get_or_create_workspace(session=s, name="E2E")
            made = create_environment(
                session=s, workspace=ws, name=name,
                origins=origins if origins is not None else [HOST_ORIGIN, self.base_url],
                identity_verification=identity_verification, settings=settings,
            )
            s.commit()
            env = made.environment
            return LiveEnvironment(env.id, name, env.publishable_key, made.secret_key,  # type: ignore[arg-type]
                                   made.identity_secret, list(env.allowed_origins))

    def publish(self, env: LiveEnvironment, *guides: dict[str, Any], draft: bool = False) -> Any:
        """Import guide definitions (guide-file dicts) into `env`; published unless draft."""
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, definition in enumerate(guides):
                p = Path(d) / f"{i:03d}-{definition['key']}.yaml"
                p.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False),
                             encoding="utf-8")
                paths.append(p)
            return self.publish_files(env, paths, draft=draft)

    def publish_files(self, env: LiveEnvironment, paths: list[Path], *, draft: bool = False) -> Any:
        """Import guide files (e.g. guides/demo/*.yaml) into `env`."""
        from server.guides.service import import_guide_files
        from server.models import Environment

        with self.db.session() as s:
            environment = s.get(Environment, env.id)
            return import_guide_files(session=s, environment=environment, paths=paths,
                                      draft=draft, author="e2e")

    def query(self, sql: str, **params: Any) -> list[sa.Row[Any]]:
        """Rows of a read-only SQL statement (named :params)."""
        with self.db.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def events(self, env: LiveEnvironment, **where: Any) -> list[dict[str, Any]]:
        """Stored events of `env` as dicts, oldest first; filter by column (type=, user_id=, guide_key=…)."""
        clauses = "".join(f" AND {k} = :{k}" for k in where)
        rows = self.query(
            "SELECT uuid, type, name, user_id, account_id, guide_key, step, properties, timestamp"
            f" FROM event WHERE environment_id = :env_id{clauses} ORDER BY timestamp, id",
            env_id=env.id, **where,
        )
        out = []
        for r in rows:
            d = dict(r._mapping)
            if isinstance(d["properties"], str):
                d["properties"] = json.loads(d["properties"])
            out.append(d)
        return out

    def count_events(self, env: LiveEnvironment, **where: Any) -> int:
        """How many stored events of `env` match (e.g. uuid=…, type=…)."""
        return len(self.events(env, **where))

    def wait_for_events(
        self, env: LiveEnvironment, count: int = 1, *, timeout: float = 10.0, **where: Any
    ) -> list[dict[str, Any]]:
        """Poll until at least `count` matching events are stored (the SDK sends in batches)."""
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            found = self.events(env, **where)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"expected ≥{count} events matching {where}, found {len(found)}: {found}")

    def guide_state(self, env: LiveEnvironment, user_id: str, guide_key: str) -> dict[str, Any] | None:
        """The stored guide_state row of one user and guide, or None."""
        rows = self.query(
            "SELECT * FROM guide_state WHERE environment_id = :e AND user_id = :u AND guide_key = :g",
            e=env.id, u=user_id, g=guide_key,
        )
        return dict(rows[0]._mapping) if rows else None


@pytest.fixture(scope="session")
def _live_db(live_server: LiveServer) -> Iterator[Database]:
    database = Database(Settings(database_url=live_server.database_url, environment="test"))
    yield database
    database.dispose()


@pytest.fixture
def live(live_server: LiveServer, _live_db: Database) -> Live:
    """The live server plus a fresh environment for this test (``live.env``)."""
    helper = Live(live_server, _live_db)
    helper.env = helper.environment()
    return helper


# -- the customer's page ------------------------------------------------------------------


def stub_snippet(host: str) -> str:
    """The loader snippet customers paste (minified when built), pointing at `host`."""
    built = ROOT / "server" / "static" / "sdk" / "stub.min.js"
    source = built if built.is_file() else ROOT / "sdk_js" / "src" / "stub.js"
    return source.read_text(encoding="utf-8").strip().replace("__SHIRUBE_HOST__", host)


def _script(code: str, nonce: str | None) -> str:
    attr = f' nonce="{nonce}"' if nonce else ""
    return f"<script{attr}>{code}</script>"


def build_host_page(
    body_html: str, *, live: Live, head: str = "", env: LiveEnvironment | None = None,
    user: str | None = "user-1", traits: dict[str, Any] | None = None,
    account: tuple[str, dict[str, Any]] | None = None, init: dict[str, Any] | None = None,
    nonce: str | None = None, snippet: bool = True,
) -> str:
    """The HTML of a customer's page embedding the SDK as the README says."""
    env = env or live.env
    scripts = ""
    if snippet:
        options = {"key": env.publishable_key, "host": live.base_url, **(init or {})}
        if nonce:
            options.setdefault("nonce", nonce)
        calls = [f"shirube('init', {json.dumps(options)});"]
        if user is not None:
            calls.append(f"shirube('identify', {json.dumps(user)}, {json.dumps(traits or {})});")
        if account is not None:
            calls.append(f"shirube('group', {json.dumps(account[0])}, {json.dumps(account[1])});")
        scripts = _script(stub_snippet(live.base_url), nonce) + "\n" + _script("\n".join(calls), nonce)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Host app</title><link rel=\"icon\" href=\"data:,\">\n"
        f"{head}\n{scripts}\n</head>\n<body>\n{body_html}\n</body></html>\n"
    )


@pytest.fixture
def host_page(live: Live, page: Any) -> Callable[..., str]:
    """Serve a customer's page at https://app.test<path> in `page` (see the module docstring)."""
    pages: dict[str, tuple[str, str | None]] = {}

    def handle(route: Any) -> None:
        from urllib.parse import urlsplit

        path = urlsplit(route.request.url).path
        if path not in pages:
            route.fulfill(status=404, content_type="text/plain", body=f"no host page at {path}")
            return
        html, csp = pages[path]
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if csp:
            headers["Content-Security-Policy"] = csp
        route.fulfill(status=200, headers=headers, body=html)

    page.route(f"{HOST_ORIGIN}/**", handle)

    def make(
        body_html: str, *, head: str = "", csp: str | None = None, path: str = "/app/",
        goto: bool = True, **options: Any,
    ) -> str:
        pages[path] = (build_host_page(body_html, live=live, head=head, **options), csp)
        url = f"{HOST_ORIGIN}{path}"
        if goto:
            page.goto(url)
        return url

    return make


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Console errors and uncaught exceptions of `page`, collected as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return errors

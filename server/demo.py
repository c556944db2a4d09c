"""`shirube demo`: the demo workspace, its guides and history, and the demo host app at /demo/.

The demo app (examples/acme/) embeds the SDK exactly as a customer would; its
index.html carries placeholders that `demo_index` fills per request with the demo
environment's publishable key and this server's URL (taken from the request, so the
page works on whatever host and port it is served from).
"""

from __future__ import annotations

import html
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .db import Database
from .models import Environment, Workspace
from .settings import Settings
from .workspaces.service import (
    create_environment,
    get_or_create_workspace,
    normalise_origin,
    slugify,
    touch_environment,
)

ROOT = Path(__file__).resolve().parent.parent
DEMO_APP_DIR = ROOT / "examples" / "acme"
DEMO_GUIDES_DIR = ROOT / "guides" / "demo"
DEMO_WORKSPACE = "Acme Demo"
DEMO_ENVIRONMENT = "demo"
DEMO_DATABASE_URL = "sqlite:///shirube-demo.db"
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


# -- the demo environment -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoEnvironment:
    """The demo environment; the secrets are set only when it was just created."""

    environment: Environment
    created: bool
    secret_key: str | None = None
    identity_secret: str | None = None


def find_demo_environment(*, session: Session) -> Environment | None:
    """The demo environment (workspace "Acme Demo", environment "demo"), or None."""
    return session.exec(
        select(Environment)
        .join(Workspace, Workspace.id == Environment.workspace_id)  # type: ignore[arg-type]
        .where(Workspace.slug == slugify(DEMO_WORKSPACE), Environment.name == DEMO_ENVIRONMENT)
    ).first()


def ensure_demo_environment(*, session: Session, origins: list[str]) -> DemoEnvironment:
    """Create the demo workspace/environment, or add missing `origins` to it. Commits."""
    env = find_demo_environment(session=session)
    if env is None:
        ws = get_or_create_workspace(session=session, name=DEMO_WORKSPACE)
        made = create_environment(session=session, workspace=ws, name=DEMO_ENVIRONMENT, origins=origins)
        session.commit()
        return DemoEnvironment(made.environment, True, made.secret_key, made.identity_secret)
    wanted = sorted(set(env.allowed_origins) | {normalise_origin(o) for o in origins})
    if wanted != sorted(env.allowed_origins):
        env.allowed_origins = wanted
        touch_environment(env=env)
        session.add(env)
        session.commit()
    return DemoEnvironment(env, False)


def demo_origins(host: str, port: int) -> list[str]:
    """The origins a browser may load the demo from on this host and port."""
    hosts = {"localhost", "127.0.0.1"}
    if host not in {"0.0.0.0", "::", ""}:
        hosts.add(f"[{host}]" if ":" in host else host)
    return sorted(f"http://{h}:{port}" for h in hosts)


# -- serving the demo app ---------------------------------------------------------------


def _request_origin(request: Request, settings: Settings) -> str:
    host = request.headers.get("host", "")
    if not _HOST_RE.match(host):
        # The value is written into a script: refuse anything but a plain host[:port].
        return settings.public_url.rstrip("/")
    scheme = "https" if request.url.scheme == "https" else "http"
    return f"{scheme}://{host.lower()}"


def _js_string(value: str) -> str:
    """Safe inside a single-quoted JS string in an HTML <script> (keys/URLs are plain ASCII)."""
    return re.sub(r"[^A-Za-z0-9_.:/\[\]\-]", "", value)


def demo_index(request: Request) -> Response:
    """index.html with the demo key, this server's URL and any setup warning filled in."""
    state = request.app.state
    origin = _request_origin(request, state.settings)
    with state.db.session() as session:
        env = find_demo_environment(session=session)
        key = env.publishable_key if env else ""
        allowed = list(env.allowed_origins) if env else []
    if env is None:
        warning = "No demo environment in this database: run `shirube demo` to create and seed it."
    elif origin not in allowed:
        warning = (
            f"This page is served from {origin}, which is not an allowed origin of the demo "
            f"environment ({', '.join(allowed)}): guides will not load. Run `shirube demo` "
            "with the --host/--port you open it on."
        )
    else:
        warning = ""
    page = (DEMO_APP_DIR / "index.html").read_text(encoding="utf-8")
    page = (
        page.replace("__SHIRUBE_KEY__", _js_string(key))
        .replace("__SHIRUBE_HOST__", _js_string(origin))
        .replace("__SHIRUBE_DEMO_WARNING__", html.escape(warning, quote=True))
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def demo_mount(directory: Path = DEMO_APP_DIR) -> Mount:
    """The /demo mount: index.html through `demo_index`, every other file as static."""
    return Mount(
        "/demo",
        routes=[
            Route("/", demo_index, name="demo:index"),
            Route("/index.html", demo_index, name="demo:index-html"),
            Mount("/", app=StaticFiles(directory=directory), name="demo:static"),
        ],
        name="demo",
    )


# -- `shirube demo` -----------------------------------------------------------------------


def _database_url(settings: Settings) -> str:
    explicit = "SHIRUBE_DATABASE_URL" in os.environ or settings.database_url != Settings().database_url
    return settings.database_url if explicit else DEMO_DATABASE_URL


def _guide_paths(settings: Settings) -> list[Path]:
    dirs = [DEMO_GUIDES_DIR] + [Path(d.strip()) for d in settings.demo_guides_dir.split(",") if d.strip()]
    paths: list[Path] = []
    for d in dirs:
        paths.extend(sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")))
    return paths


def _admin_exists(app: object) -> bool:
    for route in getattr(app, "routes", []):
        if getattr(route, "path", "") in {"/admin", "/admin/"}:
            return True
    return False


def seed_demo(
    settings: Settings, *, origins: list[str], users: int, out: TextIO = sys.stdout
) -> DemoEnvironment:
    """Migrate, create the demo environment, import the demo guides, seed history (once)."""
    from .demo_seed import seed_history
    from .guides.errors import GuideFileError
    from .guides.service import import_guide_files
    from .migrations import upgrade

    upgrade(settings.database_url)
    db = Database(settings)
    try:
        with db.session() as session:
            demo = ensure_demo_environment(session=session, origins=origins)
            env = demo.environment
            paths = _guide_paths(settings)
            if paths:
                try:
                    result = import_guide_files(session=session, environment=env, paths=paths, author="demo")
                except GuideFileError as exc:
                    raise SystemExit(f"shirube: error: demo guides: {exc}") from None
                print(
                    f"guides: {len(result.created)} created, {len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged", file=out,
                )
            env = session.get(Environment, env.id)
            assert env is not None
            seeded = (env.settings or {}).get("demo_seed")
        if seeded:
            print(f"sample history: already seeded ({seeded.get('users')} users), skipped", file=out)
        else:
            stats = seed_history(db, environment_id=env.id, users=users)  # type: ignore[arg-type]
            with db.session() as session:
                env = session.get(Environment, env.id)
                assert env is not None
                env.settings = {**env.settings, "demo_seed": stats}
                session.add(env)
                session.commit()
            print(
                f"sample history: {stats['users']} users, {stats['accounts']} accounts, "
                f"{stats['events']} events over {stats['days']} days", file=out,
            )
        return DemoEnvironment(env, demo.created, demo.secret_key, demo.identity_secret)
    finally:
        db.dispose()


def run_demo(settings: Settings, *, host: str, port: int, seed_only: bool, users: int) -> int:
    """`shirube demo`: seed (idempotently), print the URLs and keys, then serve."""
    settings = settings.with_(database_url=_database_url(settings), demo=True)
    demo = seed_demo(settings, origins=demo_origins(host, port), users=users)
    from .app import create_app

    app = create_app(settings)
    shown = "localhost" if host in {"0.0.0.0", "::", "127.0.0.1"} else host
    base = f"http://{shown}:{port}"
    env = demo.environment
    print()
    print(f"Shirube demo ({settings.database_url})")
    print(f"  demo app:         {base}/demo/")
    if _admin_exists(app):
        print(f"  admin:            {base}/admin/")
    print(f"  allowed origins:  {', '.join(env.allowed_origins)}")
    print(f"  publishable key:  {env.publishable_key}")
    if demo.secret_key:
        print(f"  secret key:       {demo.secret_key}   (shown once: admin REST API)")
        print(f"  identity secret:  {demo.identity_secret}   (shown once)")
    else:
        print(f"  secret key:       {env.secret_key_hint} (shown when the demo was first created)")
    print("  users:            demo-user-1 (new), demo-veteran, demo-ja, demo-guest: docs/demo.md")
    sys.stdout.flush()
    if seed_only:
        app.state.db.dispose()
        return 0
    import uvicorn

    uvicorn.run(app, host=host, port=port, loop="uvloop", http="httptools",
                log_level=settings.log_level, access_log=False)
    return 0


__all__ = [
    "DEMO_APP_DIR",
    "DemoEnvironment",
    "demo_index",
    "demo_mount",
    "demo_origins",
    "ensure_demo_environment",
    "find_demo_environment",
    "run_demo",
    "seed_demo",
]

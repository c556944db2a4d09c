"""Shared helpers for the admin's browser tests (tests/e2e/test_admin_*.py).

- ``admin`` fixture: no admin account yet (sign-up is open to the first user), axe-core
  served from the admin's own origin (so the CSP stays on), clipboard allowed, confirm
  dialogs accepted. ``check_a11y(page, live)``: zero serious/critical axe violations.
- ``sign_up(page, live, …)``: the first account and its workspace, through the form.
- ``create_environment(page, name, origins)``: through the Environments form; returns the
  publishable key (the secrets page is acknowledged).
- ``serve_demo_app(context, live, publishable_key)``: a copy of the demo host app
  (examples/acme) at ``https://app.test/demo/`` in every page of `context`, embedding the
  SDK with the given environment's key. The live server's own ``/demo/`` always uses the
  key of the "Acme Demo" environment (server/demo.py fills it in per request), so a test
  that creates its own environment through the admin serves the same files itself — like
  a customer hosting their app on their own origin.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server.demo import DEMO_APP_DIR

from .conftest import HOST_ORIGIN

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "journey passphrase 42"
ADMIN_TABLES = ("audit_entry", "admin_session", "password_token", "invitation",
                "workspace_member", "login_attempt", "admin_user")
DEMO_APP_URL = f"{HOST_ORIGIN}/demo/"


@pytest.fixture
def admin(live: Any, page: Any, console_errors: list[str]) -> Any:
    """No admin account yet (sign-up is open to the first user), axe served from 'self'."""
    with live.db.engine.begin() as conn:
        for table in ADMIN_TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    page.route(f"{live.base_url}/admin/static/__axe.js",
               lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base_url)
    page.on("dialog", lambda dialog: dialog.accept())
    return live


def check_a11y(page: Any, live: Any) -> None:
    """Zero serious or critical axe-core violations on the current page.

    Waits for the page to finish loading first: a click on a link returns before the
    navigation commits, and injecting axe into a document being replaced fails.
    """
    page.wait_for_load_state("load")
    page.add_script_tag(url=f"{live.base_url}/admin/static/__axe.js")
    result = page.evaluate("async () => await axe.run(document)")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{page.url}: {bad}"


def sign_up(page: Any, live: Any, *, name: str = "Pat Product", email: str = "pat@example.com",
            workspace: str = "Journey Co", password: str = PASSWORD) -> None:
    """Create the first account (owner of a new workspace) through the sign-up form."""
    page.goto(f"{live.base_url}/admin/")
    page.get_by_role("link", name="Create the first account").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Workspace name").fill(workspace)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Environments", exact=True)).to_be_visible()


def create_environment(page: Any, name: str, origins: list[str]) -> str:
    """Create an environment on the Environments page; returns its publishable key."""
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Allowed origins").fill("\n".join(origins))
    page.get_by_role("button", name="Create environment").click()
    assert page.get_by_test_id("secret-key").input_value().startswith("sk_")
    page.get_by_role("link", name="I have copied them").click()
    key = str(page.get_by_test_id("publishable-key").input_value())
    assert key.startswith("pk_")
    return key


def demo_app_html(live: Any, publishable_key: str) -> str:
    """examples/acme/index.html filled in as server/demo.py does, for another environment."""
    text = (DEMO_APP_DIR / "index.html").read_text(encoding="utf-8")
    return (text.replace("__SHIRUBE_KEY__", publishable_key)
            .replace("__SHIRUBE_HOST__", live.base_url)
            .replace("__SHIRUBE_DEMO_WARNING__", ""))


def serve_demo_app(context: Any, live: Any, publishable_key: str) -> str:
    """Serve the demo app at https://app.test/demo/ in `context`; returns that URL."""
    index = demo_app_html(live, publishable_key)

    def handle(route: Any) -> None:
        path = urlsplit(route.request.url).path
        if path in ("/demo/", "/demo/index.html"):
            route.fulfill(status=200, body=index,
                          headers={"Content-Type": "text/html; charset=utf-8"})
            return
        name = path.removeprefix("/demo/")
        file = DEMO_APP_DIR / name
        if path.startswith("/demo/") and "/" not in name and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, path=str(file), content_type=kind)
            return
        route.fulfill(status=404, content_type="text/plain", body=f"no demo file at {path}")

    context.route(f"{HOST_ORIGIN}/**", handle)
    return DEMO_APP_URL


def sdk_ready(page: Any) -> None:
    """Wait until the SDK on `page` has bootstrapped (its guides are decided)."""
    page.wait_for_function("() => window.shirube && window.shirube._debug"
                           " && window.shirube._debug.state().ready")

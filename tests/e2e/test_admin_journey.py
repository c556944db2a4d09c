"""The admin in real Chromium, as a new user walks it: sign up, create a production
environment with an origin, copy the snippet, rotate a key, invite a viewer, and — signed
in as that viewer — find nothing that can be changed. axe-core checks every page.

axe-core comes from tests/e2e/node_modules (`cd tests/e2e && npm ci`); it is served to the
page from our own origin through page.route, so the admin's CSP stays on during the test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.admin_helpers import (  # noqa: F401 - re-exported for the other admin tests
    ADMIN_TABLES,
    AXE,
    PASSWORD,
    admin,
    check_a11y,
)

pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")


def test_admin_journey_from_sign_up_to_a_read_only_viewer(admin: Any, page: Any,  # noqa: F811
                                                          console_errors: list[str]) -> None:
    live = admin
    page.goto(f"{live.base_url}/admin/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_a11y(page, live)

    # Sign up: the first user owns a new workspace.
    page.get_by_role("link", name="Create the first account").click()
    check_a11y(page, live)
    page.get_by_label("Your name").fill("Pat Product")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Workspace name").fill("Journey Co")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Environments", exact=True)).to_be_visible()
    # "journey-co", or "journey-co-2" when a rerun finds the first attempt's workspace.
    slug = re.search(r"/admin/w/([^/]+)/", page.url).group(1)  # type: ignore[union-attr]
    check_a11y(page, live)

    # A production environment with an allowed origin; the secrets are shown once.
    page.get_by_label("Name", exact=True).fill("production")
    page.get_by_label("Allowed origins").fill("https://app.test")
    page.get_by_role("button", name="Create environment").click()
    first_secret = page.get_by_test_id("secret-key").input_value()
    assert first_secret.startswith("sk_")
    check_a11y(page, live)
    page.get_by_role("link", name="I have copied them").click()
    expect(page.get_by_label("Origins, one per line")).to_have_value("https://app.test")
    check_a11y(page, live)
    assert first_secret not in page.content()

    # Install: the snippet carries this server and the publishable key; copy it.
    pk = page.get_by_test_id("publishable-key").input_value()
    page.get_by_role("link", name="Install").click()
    snippet = page.get_by_test_id("install-snippet").input_value()
    assert pk in snippet and f"{live.base_url}/sdk/v1/shirube.js" in snippet
    page.get_by_role("button", name="Copy snippet").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    check_a11y(page, live)

    # Theme: the preview follows the form before saving.
    page.get_by_role("link", name="Theme").click()
    page.get_by_label("Corner radius (px)").fill("20")
    preview = page.get_by_test_id("theme-preview")
    expect(preview).to_have_css("border-radius", "20px")
    check_a11y(page, live)

    # Rotate the secret key (confirmed in a dialog): a new one, shown once.
    page.get_by_role("link", name="Keys and security").click()
    page.get_by_role("button", name="Rotate secret key").click()
    second_secret = page.get_by_test_id("secret-key").input_value()
    assert second_secret.startswith("sk_") and second_secret != first_secret

    # Invite a viewer.
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Email").fill("vic@example.com")
    page.get_by_label(re.compile("^Viewer")).check()
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_test_id("invite-link").input_value()
    check_a11y(page, live)
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="environment.secret_key.rotate")).to_be_visible()
    check_a11y(page, live)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # The viewer accepts the invitation and signs in.
    page.goto(link)
    check_a11y(page, live)
    page.get_by_label("Your name").fill("Vic Viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name="Environments", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Create environment")).to_have_count(0)
    expect(page.get_by_role("link", name="Members")).to_have_count(0)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.get_by_test_id("env-link-production").click()
    # Nothing on the page changes anything.
    expect(page.get_by_role("button")).to_have_text(["Go", "Sign out", "Copy"])
    expect(page.get_by_role("textbox", name="Origins, one per line")).to_have_count(0)
    check_a11y(page, live)
    page.get_by_role("link", name="Theme").click()
    expect(page.get_by_role("button", name="Save theme")).to_have_count(0)
    expect(page.get_by_label("Accent colour")).to_be_disabled()

    # Even a hand-made request with a valid CSRF token is refused.
    status = page.evaluate("""async () => (await window.shirubeAdmin.fetch(
        location.pathname.replace(/theme$/, 'origins'),
        {method: 'POST', body: new URLSearchParams({origins: 'https://evil.test'})})).status""")
    assert status == 403
    rows = live.query("SELECT allowed_origins FROM environment WHERE name = 'production' "
                      "AND workspace_id = (SELECT id FROM workspace WHERE slug = :slug)", slug=slug)
    assert "evil" not in str(rows[0][0])
    assert page.goto(f"{live.base_url}/admin/w/{slug}/members").status == 403
    # The two refused requests above are the only errors: no CSP violation, no script error.
    assert [e for e in console_errors if "status of 403" not in e] == []

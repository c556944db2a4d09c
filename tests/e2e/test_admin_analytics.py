"""The analytics dashboards in real Chromium, on a seeded history: every page opens from
the sidebar and tabs, has zero serious/critical axe-core violations, a number opens its
list, and the "how is this computed?" disclosure opens. Kept lean (one sign-up, one
small seed) for the shared 2-core machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from server.demo_seed import seed_history
from tests.e2e.test_admin_journey import AXE, PASSWORD, admin, check_a11y  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")
TABS = ("Guides", "Features", "NPS", "Loyalty", "Accounts")


def test_every_dashboard_is_accessible_and_numbers_open_their_lists(
        admin: Any, page: Any, console_errors: list[str]) -> None:  # noqa: F811
    live = admin
    page.goto(f"{live.base_url}/admin/")
    page.get_by_role("link", name="Create the first account").click()
    page.get_by_label("Your name").fill("Cara Success")
    page.get_by_label("Email").fill("cara@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Workspace name").fill("Loyalty Lab")
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Name", exact=True).fill("production")
    page.get_by_label("Allowed origins").fill("https://app.test")
    page.get_by_role("button", name="Create environment").click()
    page.get_by_role("link", name="I have copied them").click()

    env_id = live.query("SELECT e.id FROM environment e JOIN workspace w ON w.id = e.workspace_id"
                        " WHERE w.name = 'Loyalty Lab' AND e.name = 'production'")[0][0]
    from server.guides.service import import_guide_files
    from server.models import Environment

    with live.db.session() as s:
        import_guide_files(session=s, environment=s.get(Environment, env_id),
                           paths=sorted((ROOT / "guides" / "demo").glob("*.yaml")), author="e2e")
        s.commit()
    seed_history(live.db, environment_id=env_id, users=60, seed=5)

    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    expect(page.get_by_test_id("active-users")).not_to_have_text("0")
    check_a11y(page, live)
    page.get_by_text("How is this computed?").first.click()
    expect(page.get_by_text("Active = any event").first).to_be_visible()

    tabs = page.get_by_role("navigation", name="Analytics")
    for tab in TABS:
        tabs.get_by_role("link", name=tab, exact=True).click()
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_have_attribute(
            "aria-current", "page")
        check_a11y(page, live)

    # Loyalty: a matrix cell opens its people, which open a profile.
    page.get_by_role("navigation", name="Analytics").get_by_role("link", name="Loyalty").click()
    count = page.get_by_test_id("cell-E").inner_text()
    page.get_by_test_id("cell-E").click()
    expect(page.get_by_test_id("people-total")).to_have_text(count)
    check_a11y(page, live)
    if count != "0":
        page.get_by_test_id("people").get_by_role("link").first.click()
        expect(page.get_by_test_id("scores")).to_be_visible()
        check_a11y(page, live)
        page.get_by_test_id("account-link").click()
        expect(page.get_by_test_id("members")).to_be_visible()
        check_a11y(page, live)
    assert console_errors == []

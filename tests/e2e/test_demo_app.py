"""The demo host app (examples/acme) served at /demo/ by a live server, in Chromium."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from server.demo import DEMO_GUIDES_DIR, ensure_demo_environment
from server.targeting.eligibility import in_holdout

from .conftest import ROOT, Live, LiveEnvironment

BUNDLE = ROOT / "server" / "static" / "sdk" / "shirube.js"
_counter = itertools.count(1)


@pytest.fixture
def demo(live: Live) -> LiveEnvironment:
    """The demo environment of the live server's database, with the demo guides published."""
    with live.db.session() as s:
        made = ensure_demo_environment(session=s, origins=[live.base_url])
        env = made.environment
        demo_env = LiveEnvironment(env.id, env.name, env.publishable_key, made.secret_key or "",  # type: ignore[arg-type]
                                   made.identity_secret or "", list(env.allowed_origins))
    live.publish_files(demo_env, sorted(Path(DEMO_GUIDES_DIR).glob("*.yaml")))
    return demo_env


def _fresh_user(prefix: str, *, outside_holdout_of: str = "welcome-tour", percent: int = 10) -> str:
    """A user id nobody used yet on this server, not in the guide's holdout group."""
    while True:
        user = f"{prefix}-{next(_counter)}-{id(object()):x}"
        if not in_holdout(user, outside_holdout_of, percent):
            return user


def test_demo_index_fills_in_key_host_and_stub(live: Live, demo: LiveEnvironment) -> None:
    html = httpx.get(f"{live.base_url}/demo/").text
    assert "__SHIRUBE" not in html
    assert f"key: '{demo.publishable_key}'" in html
    assert f"host: '{live.base_url}'" in html
    stub = (ROOT / "server" / "static" / "sdk" / "stub.min.js")
    if stub.is_file():
        expected = stub.read_text(encoding="utf-8").strip().replace("__SHIRUBE_HOST__", live.base_url)
        assert f"<script>{expected}</script>" in html
    assert 'id="setup-warning" hidden data-warning=""' in html


def test_demo_index_warns_when_opened_from_an_origin_the_environment_refuses(
    live: Live, demo: LiveEnvironment
) -> None:
    html = httpx.get(f"{live.base_url}/demo/", headers={"Host": "elsewhere.test:9"}).text
    assert "http://elsewhere.test:9" in html
    assert "is not an allowed origin of the demo environment" in html


def test_demo_index_refuses_a_host_header_that_is_not_a_plain_host(live: Live, demo: LiveEnvironment) -> None:
    html = httpx.get(f"{live.base_url}/demo/", headers={"Host": "x.test'</script><b>"}).text
    assert "<b>" not in html
    assert "x.test'" not in html


def test_demo_static_files_are_served_and_demo_redirects_to_slash(live: Live, demo: LiveEnvironment) -> None:
    assert httpx.get(f"{live.base_url}/demo/app.css").status_code == 200
    assert httpx.get(f"{live.base_url}/demo/nope.js").status_code == 404
    r = httpx.get(f"{live.base_url}/demo")
    assert r.status_code in (301, 302, 307, 308) and r.headers["location"].endswith("/demo/")


def test_demo_app_routes_switch_without_console_errors(
    live: Live, demo: LiveEnvironment, page: Page, console_errors: list[str]
) -> None:
    page.goto(f"{live.base_url}/demo/?user={_fresh_user('routes')}")
    expect(page).to_have_url(re.compile(r"/demo/#/dashboard$"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator("[data-tour=panel-item]")).to_have_count(1)

    page.locator(".sidebar").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"#/reports$"))
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.locator("[data-tour=reports-table] tbody tr")).to_have_count(30)

    page.locator("[data-tour=settings-link]").click()
    expect(page).to_have_url(re.compile(r"#/settings$"))
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(re.compile(r"\S"))

    page.go_back()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    assert console_errors == []


def test_reports_table_sorts_by_column(live: Live, demo: LiveEnvironment, page: Page) -> None:
    page.goto(f"{live.base_url}/demo/?user={_fresh_user('sort')}#/reports")
    table = page.locator("[data-tour=reports-table]")
    table.get_by_role("button", name="Rows").click()
    expect(table.locator("th").nth(2)).to_have_attribute("aria-sort", "ascending")
    cells = table.locator("tbody tr td:nth-child(3)").all_inner_texts()
    numbers = [int(c.replace(",", "")) for c in cells]
    assert numbers == sorted(numbers)


def _sdk_ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && window.shirube._loaded === true")


@pytest.mark.skipif(not BUNDLE.is_file(), reason="SDK bundle not built (make sdk)")
def test_welcome_tour_appears_for_a_new_user(
    live: Live, demo: LiveEnvironment, page: Page, console_errors: list[str]
) -> None:
    user = _fresh_user("newcomer")
    page.goto(f"{live.base_url}/demo/?user={user}")
    tour = page.locator("[data-testid=shirube-guide][data-guide-key=welcome-tour]")
    expect(tour).to_be_visible(timeout=10_000)
    expect(tour.get_by_text("Welcome to Acme Reports")).to_be_visible()
    seen = live.wait_for_events(demo, 1, type="guide_seen", user_id=user, guide_key="welcome-tour")
    assert seen[0]["user_id"] == user
    assert console_errors == []


@pytest.mark.skipif(not BUNDLE.is_file(), reason="SDK bundle not built (make sdk)")
def test_app_buttons_track_events_through_the_snippet(live: Live, demo: LiveEnvironment, page: Page) -> None:
    user = _fresh_user("tracker")
    page.goto(f"{live.base_url}/demo/?user={user}#/reports")
    _sdk_ready(page)
    page.locator("main").get_by_role("button", name="New report").click()
    expect(page.locator("[data-tour=reports-table] tbody tr")).to_have_count(31)
    page.goto(f"{live.base_url}/demo/#/settings")
    page.get_by_label("Teammate's email").fill("kim@example.com")
    page.get_by_role("button", name="Send invite").click()
    page.get_by_role("button", name="Save", exact=True).click()
    _sdk_ready(page)
    page.evaluate("() => window.shirube._debug.flush()")
    names = {e["name"] for e in live.wait_for_events(demo, 3, type="track", user_id=user)}
    assert {"report_created", "invite_sent", "settings_saved"} <= names


@pytest.mark.skipif(not BUNDLE.is_file(), reason="SDK bundle not built (make sdk)")
def test_lang_query_sets_the_locale_trait_and_is_removed_from_the_url(
    live: Live, demo: LiveEnvironment, page: Page
) -> None:
    user = _fresh_user("nihongo")
    page.goto(f"{live.base_url}/demo/?user={user}&lang=ja")
    expect(page).to_have_url(f"{live.base_url}/demo/#/dashboard")
    rows: list[Any] = []
    for _ in range(100):
        rows = live.query("SELECT traits FROM end_user WHERE environment_id = :e AND external_id = :u",
                          e=demo.id, u=user)
        if rows:
            break
        page.wait_for_timeout(100)
    assert rows, "bootstrap never stored the user"
    traits = rows[0][0] if isinstance(rows[0][0], dict) else json.loads(rows[0][0])
    assert traits["locale"] == "ja"
    assert page.evaluate("() => localStorage.getItem('acme_lang:' + acme.user.id)") == "ja"


def test_new_user_button_signs_in_as_a_fresh_user(live: Live, demo: LiveEnvironment, page: Page) -> None:
    page.goto(f"{live.base_url}/demo/")
    first = page.evaluate("() => acme.user.id")
    # The welcome tour's modal and the maintenance banner may cover the header: this test
    # is about the switcher, so the click is dispatched to the button directly.
    page.get_by_role("button", name="New user").dispatch_event("click")
    page.wait_for_function(f"() => window.acme && acme.user.id !== {json.dumps(first)}")
    second = page.evaluate("() => acme.user.id")
    assert second.startswith("user-")
    expect(page.locator("#user-select")).to_have_value(second)


@pytest.mark.skipif(not BUNDLE.is_file(), reason="SDK bundle not built (make sdk)")
def test_welcome_tour_continues_on_the_reports_page_and_completes(
    live: Live, demo: LiveEnvironment, page: Page, console_errors: list[str]
) -> None:
    user = _fresh_user("tourist")
    page.goto(f"{live.base_url}/demo/?user={user}")
    tour = page.locator("[data-testid=shirube-guide][data-guide-key=welcome-tour]")
    expect(tour.get_by_text("Welcome to Acme Reports")).to_be_visible(timeout=10_000)
    tour.get_by_test_id("shirube-next").click()
    expect(tour.get_by_text("Create a report")).to_be_visible()
    tour.get_by_test_id("shirube-next").click()
    expect(tour.get_by_text("Notifications, your team and your profile")).to_be_visible()
    tour.get_by_test_id("shirube-next").click()
    # The last step lives on the Reports page: the tour waits until the user goes there.
    expect(tour).to_have_count(0)
    page.locator(".sidebar").get_by_role("link", name="Reports").click()
    expect(tour.get_by_text("All your reports")).to_be_visible(timeout=10_000)
    box = tour.bounding_box()
    table = page.locator("[data-tour=reports-table]").bounding_box()
    scroll = page.evaluate("() => [scrollY, innerHeight]")
    assert box is not None and box["y"] >= 0, (box, table, scroll)
    tour.get_by_test_id("shirube-done").click()
    expect(tour).to_have_count(0)
    page.evaluate("() => window.shirube._debug.flush()")
    live.wait_for_events(demo, 1, type="guide_completed", user_id=user, guide_key="welcome-tour")
    assert console_errors == []

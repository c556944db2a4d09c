"""Single-page apps in real Chromium: guides follow history.pushState and hash routes,
a pending delayed trigger dies with its route, and multi-page tours resume at their step."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from .conftest import Live

NO_THROTTLE = {"throttle": {"cooldown_minutes": 0, "max_per_day": 1000}}
APP = "<main><h1>App</h1><nav><a href='#/home'>Home</a> <a href='#/settings'>Settings</a></nav></main>"


def _modal(key: str, url: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key, "type": "modal", "trigger": {"url": url, **extra},
            "steps": [{"kind": "modal", "title": f"Guide {key}", "body": "Body"}]}


def _ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _guide(page: Page, key: str) -> Any:
    return page.locator(f"[data-testid=shirube-guide][data-guide-key='{key}']")


def _push(page: Page, path: str) -> None:
    page.evaluate("p => history.pushState({}, '', p)", path)


def test_guide_for_reports_route_shows_after_push_state_and_not_on_home(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, _modal("reports-tip", {"match": "glob", "value": "/app/reports*"}))
    host_page(APP, path="/app/home", user="spa-user")
    _ready(page)
    expect(_guide(page, "reports-tip")).to_have_count(0)

    _push(page, "/app/reports/weekly?range=7d")
    expect(_guide(page, "reports-tip")).to_be_visible()
    views = live.wait_for_events(live.env, 2, type="page_view", user_id="spa-user", timeout=15)
    assert [v["properties"]["url"] for v in views] == [
        "https://app.test/app/home", "https://app.test/app/reports/weekly?range=7d"]
    page.evaluate("() => shirube._debug.flush()")
    seen = live.wait_for_events(live.env, 1, type="guide_seen", user_id="spa-user")
    assert seen[0]["guide_key"] == "reports-tip"
    assert console_errors == []


def test_pending_delayed_guide_is_cancelled_when_the_route_changes_and_the_new_routes_guide_shows(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(
        env,
        _modal("route-a", {"match": "exact", "value": "/app/a"}, delay_ms=1500),
        _modal("route-b", {"match": "exact", "value": "/app/b"}),
    )
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.clock.install()
    host_page(APP, path="/app/a", env=env, user="hasty", init={"debug": True})
    _ready(page)
    page.wait_for_function("() => window.__shirubeDebug")  # the words of debug lines: a lazy chunk
    page.evaluate("() => Promise.resolve()")
    assert any('guide "route-a" eligible; waiting for trigger' in t for t in logs), logs

    _push(page, "/app/b")
    expect(_guide(page, "route-b")).to_be_visible()
    page.clock.run_for(2500)  # well past route-a's delay
    expect(_guide(page, "route-a")).to_have_count(0)
    expect(_guide(page, "route-b")).to_be_visible()
    # Cancelled, not merely refused when it fired: its timer never ran.
    assert not any(t.startswith('[shirube] guide "route-a" ' + what) for t in logs
                   for what in ("triggered", "showing")), logs

    # Back on A, its trigger is armed afresh and fires after its own delay.
    _guide(page, "route-b").get_by_test_id("shirube-close").click()
    _push(page, "/app/a")
    page.clock.run_for(1000)
    expect(_guide(page, "route-a")).to_have_count(0)
    page.clock.run_for(600)
    expect(_guide(page, "route-a")).to_be_visible()
    assert console_errors == []


def test_hash_route_guide_shows_on_hashchange(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, _modal("settings-tip", {"match": "prefix", "value": "/app/#/settings"}))
    host_page(APP, path="/app/", user="hasher")
    _ready(page)
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url("https://app.test/app/#/home")
    _ready(page)
    expect(_guide(page, "settings-tip")).to_have_count(0)

    page.get_by_role("link", name="Settings").click()
    expect(_guide(page, "settings-tip")).to_be_visible()
    page.evaluate("() => shirube._debug.flush()")
    urls = [v["properties"]["url"] for v in live.wait_for_events(live.env, 3, type="page_view", user_id="hasher")]
    assert urls == ["https://app.test/app/", "https://app.test/app/#/home", "https://app.test/app/#/settings"]
    assert console_errors == []


TOUR = {
    "key": "two-pages", "name": "Two pages", "type": "tour",
    "trigger": {"url": {"match": "prefix", "value": "/app/home"}},
    "steps": [
        {"kind": "modal", "title": "Home step", "body": "On home"},
        {"kind": "modal", "title": "Reports step", "body": "On reports",
         "url": {"match": "prefix", "value": "/app/reports"}},
        {"kind": "modal", "title": "Last step", "body": "Still on reports",
         "url": {"match": "prefix", "value": "/app/reports"}},
    ],
}


def _tour_steps(live: Live, user: str) -> list[tuple[str, int]]:
    return [(e["type"], e["step"]) for e in live.events(live.env, user_id=user, guide_key="two-pages")]


def test_multi_page_tour_pauses_and_resumes_after_spa_navigation_and_after_reload(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, TOUR)
    host_page(APP, path="/app/reports", goto=False, user="tourist")
    host_page(APP, path="/app/home", user="tourist")
    tour = _guide(page, "two-pages")
    expect(tour.get_by_role("heading", name="Home step")).to_be_visible()
    page.get_by_test_id("shirube-next").click()
    expect(tour).to_have_count(0)  # step 2 lives on /app/reports: paused

    _push(page, "/app/settings")
    _ready(page)
    expect(tour).to_have_count(0)
    _push(page, "/app/reports")
    expect(tour).to_have_attribute("data-step", "1")
    expect(tour.get_by_role("heading", name="Reports step")).to_be_visible()
    expect(tour).to_contain_text("2 of 3")
    page.get_by_test_id("shirube-next").click()
    expect(tour).to_have_attribute("data-step", "2")

    page.reload()  # a full page load of /app/reports
    expect(tour).to_have_attribute("data-step", "2")
    expect(tour.get_by_role("heading", name="Last step")).to_be_visible()
    page.get_by_test_id("shirube-done").click()
    expect(tour).to_have_count(0)
    page.evaluate("() => shirube._debug.flush()")
    live.wait_for_events(live.env, 1, type="guide_completed", user_id="tourist")
    got = _tour_steps(live, "tourist")
    assert got == [
        ("guide_seen", 0), ("step_seen", 0), ("step_completed", 0),
        ("step_seen", 1), ("step_completed", 1),
        ("step_seen", 2),
        ("step_seen", 2),  # shown again on the reloaded page; never a second guide_seen
        ("step_completed", 2), ("guide_completed", 2),
    ], got
    assert console_errors == []


def test_multi_page_tour_resumes_at_its_step_when_the_next_page_is_a_full_load(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, TOUR)
    reports = host_page(APP, path="/app/reports", goto=False, user="walker")
    host_page(APP, path="/app/home", user="walker")
    tour = _guide(page, "two-pages")
    expect(tour).to_have_attribute("data-step", "0")
    page.get_by_test_id("shirube-next").click()
    expect(tour).to_have_count(0)

    page.goto(reports)  # e.g. a plain <a href>: a new document
    expect(tour).to_have_attribute("data-step", "1")
    expect(tour.get_by_role("heading", name="Reports step")).to_be_visible()
    page.evaluate("() => shirube._debug.flush()")
    live.wait_for_events(live.env, 2, type="step_seen", user_id="walker")
    assert _tour_steps(live, "walker") == [
        ("guide_seen", 0), ("step_seen", 0), ("step_completed", 0), ("step_seen", 1)]
    assert console_errors == []

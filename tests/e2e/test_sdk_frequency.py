"""Frequency in real Chromium: what a user has seen, completed or dismissed stays so
across reloads and sessions, and every guide interaction reaches the database."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

from .conftest import HOST_ORIGIN, Live, build_host_page

NO_THROTTLE = {"throttle": {"cooldown_minutes": 0, "max_per_day": 1000}}

TOUR = {
    "key": "welcome-tour", "name": "Welcome tour", "type": "tour", "priority": 10,
    "trigger": {"url": {"match": "prefix", "value": "/app/"}},
    "frequency": {"mode": "once"},
    "steps": [
        {"kind": "modal", "title": "Welcome", "body": "Step one"},
        {"kind": "modal", "title": "Reports", "body": "Step two"},
        {"kind": "modal", "title": "Settings", "body": "Step three"},
    ],
}


def _modal(key: str, mode: str = "once") -> dict[str, Any]:
    return {"key": key, "name": key, "type": "modal",
            "trigger": {"url": {"match": "prefix", "value": "/app/"}},
            "frequency": {"mode": mode},
            "steps": [{"kind": "modal", "title": f"Hello from {key}", "body": "Body"}]}


def _ready(page: Page) -> None:
    """The SDK has bootstrapped and evaluated its guides (page_load triggers are armed)."""
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")
    # Rendering is a microtask or two behind the decision.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _flush(page: Page) -> None:
    page.evaluate("() => shirube._debug.flush()")


def _guide(page: Page, key: str) -> Any:
    return page.locator(f"[data-testid=shirube-guide][data-guide-key='{key}']")


def test_first_time_user_steps_through_the_tour_and_it_never_shows_again(
    live: Live, host_page: Any, page: Page, browser: Browser, browser_context_args: dict[str, Any],
    console_errors: list[str]
) -> None:
    live.publish(live.env, TOUR)
    url = host_page("<main><h1>App</h1></main>", user="newcomer")
    tour = _guide(page, "welcome-tour")
    expect(tour).to_have_attribute("data-step", "0")
    expect(tour.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(tour).to_contain_text("1 of 3")
    page.get_by_test_id("shirube-next").click()
    expect(tour).to_have_attribute("data-step", "1")
    expect(tour).to_contain_text("2 of 3")
    page.get_by_test_id("shirube-next").click()
    expect(tour).to_have_attribute("data-step", "2")
    page.get_by_test_id("shirube-done").click()
    expect(tour).to_have_count(0)
    _flush(page)

    events = live.wait_for_events(live.env, 1, type="guide_completed", user_id="newcomer")
    got = [(e["type"], e["step"]) for e in live.events(live.env, user_id="newcomer", guide_key="welcome-tour")]
    assert got == [
        ("guide_seen", 0), ("step_seen", 0), ("step_completed", 0),
        ("step_seen", 1), ("step_completed", 1),
        ("step_seen", 2), ("step_completed", 2), ("guide_completed", 2),
    ]
    assert events[0]["guide_key"] == "welcome-tour"

    page.reload()
    _ready(page)
    expect(tour).to_have_count(0)

    # A new browser (no local state) of the same user: the server remembers too.
    ctx = browser.new_context(**browser_context_args)
    try:
        other = ctx.new_page()
        other.route(f"{HOST_ORIGIN}/**", lambda r: r.fulfill(
            status=200, content_type="text/html",
            body=build_host_page("<main>App</main>", live=live, user="newcomer")))
        other.goto(url)
        _ready(other)
        expect(_guide(other, "welcome-tour")).to_have_count(0)
        assert other.evaluate("() => shirube._debug.state().guides") == []
    finally:
        ctx.close()
    assert console_errors == []


def test_dismissed_guide_stays_dismissed_on_reload(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(env, _modal("promo"))
    host_page("<main>App</main>", env=env, user="dismisser")
    guide = _guide(page, "promo")
    expect(guide).to_be_visible()
    guide.get_by_test_id("shirube-close").click()
    expect(guide).to_have_count(0)
    _flush(page)
    dismissed = live.wait_for_events(env, 1, type="guide_dismissed", user_id="dismisser")
    assert (dismissed[0]["guide_key"], dismissed[0]["step"]) == ("promo", 0)

    page.reload()
    _ready(page)
    expect(guide).to_have_count(0)
    assert live.count_events(env, type="guide_seen", user_id="dismisser") == 1
    assert console_errors == []


def test_until_completed_guide_returns_next_session_after_dismissal_but_not_this_one(
    live: Live, page: Page, browser: Browser, browser_context_args: dict[str, Any],
    console_errors: list[str]
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(env, _modal("setup", "until_completed"))
    html = build_host_page("<main>App</main>", live=live, env=env, user="returner", init={"debug": True})

    def open_page(p: Page) -> None:
        p.route(f"{HOST_ORIGIN}/**", lambda r: r.fulfill(status=200, content_type="text/html", body=html))
        p.goto(f"{HOST_ORIGIN}/app/")

    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    open_page(page)
    guide = _guide(page, "setup")
    expect(guide).to_be_visible()
    guide.get_by_test_id("shirube-close").click()
    expect(guide).to_have_count(0)
    _flush(page)
    live.wait_for_events(env, 1, type="guide_dismissed", user_id="returner")

    # Same session (sessionStorage survives a reload): not again.
    page.reload()
    _ready(page)
    expect(guide).to_have_count(0)
    page.wait_for_function("() => window.__shirubeDebug")  # the words of debug lines: a lazy chunk
    page.evaluate("() => new Promise(r => setTimeout(r))")
    assert any('"setup" not shown: frequency: dismissed in this session' in t for t in logs), logs

    # A new browser context is a new session: it comes back.
    ctx = browser.new_context(**browser_context_args)
    try:
        p2 = ctx.new_page()
        errors: list[str] = []
        p2.on("pageerror", lambda e: errors.append(str(e)))
        open_page(p2)
        expect(_guide(p2, "setup")).to_be_visible()
        _guide(p2, "setup").get_by_test_id("shirube-close").click()
        _flush(p2)
        assert errors == []
    finally:
        ctx.close()
    seen = live.wait_for_events(env, 2, type="guide_seen", user_id="returner")
    assert [e["guide_key"] for e in seen] == ["setup", "setup"]
    assert console_errors == []

"""The SDK's event transport in real Chromium against the live server: events survive
the network being down, reloads and closed tabs, and arrive exactly once; 4xx are not
retried, 429/503 are (honouring Retry-After); tabs never send the same event twice;
pagehide hands the rest to sendBeacon.

"Network down" is `route.abort()` on the SDK's requests: the page cannot reach the
server. A 429/503 with Retry-After comes from a proxy in front of the server
(`route.fulfill` for the first requests, then the real server): our server itself has
no rate limiter on the SDK API.
"""

from __future__ import annotations

import collections
import json
import time
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request, Route, expect

from .conftest import HOST_ORIGIN, Live, LiveEnvironment, build_host_page

EVENTS = "**/api/sdk/v1/events"
APP = "<main><h1>App</h1></main>"


def _serve(target: Page | BrowserContext, html: str) -> None:
    """The customer's page at https://app.test/app/ (any path) for a page or a whole context."""
    target.route(f"{HOST_ORIGIN}/**", lambda r: r.fulfill(status=200, content_type="text/html", body=html))


def _ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")


def _queued(page: Page, n: int) -> None:
    """Wait until `n` events sit in this origin's stored queue (not just in memory)."""
    page.wait_for_function(
        "([k, n]) => Object.keys(localStorage).filter(x => x.startsWith('shirube_q_' + k + '_')).length >= n",
        arg=[_key(page), n])


def _key(page: Page) -> str:
    return page.evaluate("() => document.documentElement.dataset.key")


def _stored_ids(page: Page, key: str) -> list[str]:
    return page.evaluate(
        "k => Object.keys(localStorage).filter(x => x.startsWith('shirube_q_' + k + '_'))"
        ".map(x => JSON.parse(localStorage.getItem(x)).id)", key)


def _track(page: Page, start: int, stop: int) -> None:
    page.evaluate("([a, b]) => { for (let i = a; i < b; i++) shirube.track('bulk', {n: i}); }", [start, stop])


def _html(live: Live, env: LiveEnvironment, user: str, **kw: Any) -> str:
    html = build_host_page(APP, live=live, env=env, user=user, **kw)
    return html.replace('<html lang="en">', f'<html lang="en" data-key="{env.publishable_key}">')


def _wait(page: Page, done: Any, timeout: float = 30.0) -> None:
    """Poll `done()` while Playwright keeps serving routes (time.sleep would stall them)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def _ids(request: Request) -> list[str]:
    body = json.loads(request.post_data or "{}")
    return [e["id"] for e in body.get("events", [])]


def test_thousand_events_made_offline_across_reload_and_tab_close_arrive_exactly_once(
    live: Live, page: Page, console_errors: list[str]
) -> None:
    """997 track calls + the page views of the three page loads = 1,000 events, the
    queue's cap: every one of them must survive and arrive exactly once."""
    env = live.env
    ctx = page.context
    _serve(ctx, _html(live, env, "offline-user"))
    aborted = [0]

    def down(route: Any) -> None:
        aborted[0] += 1
        route.abort("internetdisconnected")

    def failed_once(tab: Page) -> None:
        # The SDK beacons on pagehide unless a send has failed (page.route cannot stop a
        # beacon): wait until it has seen the network fail before leaving the page.
        seen = aborted[0]
        _wait(tab, lambda: aborted[0] > seen, 30)
        tab.wait_for_timeout(200)

    ctx.route(EVENTS, down)

    page.goto(f"{HOST_ORIGIN}/app/")
    _ready(page)
    _track(page, 0, 400)
    _queued(page, 401)  # + the page_view
    failed_once(page)
    page.reload()
    _ready(page)
    _track(page, 400, 700)
    _queued(page, 702)
    failed_once(page)
    page.close()  # the tab goes; localStorage stays with the context

    tab = ctx.new_page()
    tab.goto(f"{HOST_ORIGIN}/app/")
    _ready(tab)
    _track(tab, 700, 997)
    _queued(tab, 1000)
    stored = _stored_ids(tab, env.publishable_key)
    assert live.count_events(env) == 0

    ctx.unroute(EVENTS, down)  # the network is back
    _wait(tab, lambda: live.count_events(env, type="track") >= 997, 60)
    tracks = live.events(env, type="track")
    assert len(tracks) == 997
    assert sorted(e["properties"]["n"] for e in tracks) == list(range(997))
    assert len({e["uuid"] for e in tracks}) == 997
    assert live.count_events(env) == 1000
    events = live.events(env)
    assert sorted(str(e["uuid"]) for e in events) == sorted(stored)  # exactly what was stored, once
    assert {e["type"] for e in events} == {"track", "page_view"}
    expect(tab.locator("body")).to_be_visible()
    tab.wait_for_function("() => shirube._debug.queueLength() === 0")
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def _wrong_key_env(live: Live) -> LiveEnvironment:
    env = live.environment()
    return LiveEnvironment(env.id, env.name, "pk_" + "0" * 30, env.secret_key, env.identity_secret, env.origins)


def test_rejected_batch_is_not_retried(live: Live, page: Page, console_errors: list[str]) -> None:
    # A real 4xx of our server: an unknown publishable key answers 401 to every request.
    env = _wrong_key_env(live)
    _serve(page, _html(live, env, "nobody"))
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/api/sdk/v1/events") else None)
    page.goto(f"{HOST_ORIGIN}/app/")
    page.wait_for_function("() => window.shirube && shirube._loaded")
    _track(page, 0, 25)  # 20 go at once
    page.wait_for_function("() => shirube._debug.queueLength() === 0")
    page.evaluate("() => new Promise(r => setTimeout(r, 300))")
    n = len(sent)
    assert n >= 1
    ids = [i for r in sent for i in _ids(r)]
    assert len(ids) == len(set(ids)) == 26  # each event offered once, none retried
    assert console_errors == [] or all("401" in e for e in console_errors), console_errors


def test_503_and_429_with_retry_after_are_retried_after_the_wait(
    live: Live, host_page: Any, page: Page
) -> None:
    answers = [(503, "1"), (429, "2")]
    times: list[tuple[float, int]] = []

    def proxy(route: Route) -> None:
        if answers:
            status, after = answers.pop(0)
            times.append((time.monotonic(), status))
            route.fulfill(status=status, headers={"Retry-After": after, "Access-Control-Allow-Origin": HOST_ORIGIN,
                                                    "Access-Control-Expose-Headers": "Retry-After"},
                          content_type="application/json", body='{"error": {"code": "busy", "message": "busy", "details": []}}')
        else:
            times.append((time.monotonic(), 200))
            route.fallback()

    page.route(EVENTS, proxy)
    host_page(APP, user="patient")
    _ready(page)
    _track(page, 0, 20)
    _wait(page, lambda: live.count_events(live.env, type="track") >= 20, 15)
    assert [s for _, s in times][:3] == [503, 429, 200]
    assert times[1][0] - times[0][0] >= 0.95  # Retry-After: 1
    assert times[2][0] - times[1][0] >= 1.95  # Retry-After: 2
    assert live.count_events(live.env, type="track") == 20


def test_two_tabs_of_one_user_never_send_the_same_event_twice(
    live: Live, page: Page, console_errors: list[str]
) -> None:
    env = live.env
    ctx = page.context
    _serve(ctx, _html(live, env, "two-tabs"))
    bodies: list[list[str]] = []
    ctx.on("request", lambda r: bodies.append(_ids(r)) if r.url.endswith("/api/sdk/v1/events") else None)
    other = ctx.new_page()
    page.goto(f"{HOST_ORIGIN}/app/")
    other.goto(f"{HOST_ORIGIN}/app/")
    _ready(page)
    _ready(other)
    for round_ in range(6):
        _track(page, 100 * round_, 100 * round_ + 15)
        _track(other, 1000 + 100 * round_, 1000 + 100 * round_ + 15)
    total = 2 * 6 * 15 + 2
    _wait(page, lambda: live.count_events(env) >= total)
    page.wait_for_function("() => shirube._debug.queueLength() === 0")
    other.wait_for_function("() => shirube._debug.queueLength() === 0")
    sent = collections.Counter(i for b in bodies for i in b)
    assert [i for i, c in sent.items() if c > 1] == []
    events = live.events(env)
    assert len(events) == total == len(sent)
    assert sorted(e["properties"]["n"] for e in events if e["type"] == "track") == sorted(
        [100 * r + i for r in range(6) for i in range(15)] + [1000 + 100 * r + i for r in range(6) for i in range(15)])
    assert console_errors == []


def test_events_left_at_pagehide_go_by_send_beacon_as_text_plain(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    host_page(APP, user="leaver")
    # The next page has no SDK: whatever arrives after leaving was sent while leaving.
    host_page("<main>Elsewhere</main>", path="/elsewhere", goto=False, snippet=False)
    _ready(page)
    page.evaluate("() => shirube._debug.flush()")
    live.wait_for_events(live.env, 1, type="page_view", user_id="leaver")
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/api/sdk/v1/events") else None)

    # A pagehide the page survives (bfcache-style), so the request can be watched.
    page.evaluate("() => { shirube.track('hiding', {a: 1}); shirube.track('hiding', {a: 2});"
                  " window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true})); }")
    _wait(page, lambda: live.count_events(live.env, type="track", name="hiding") >= 2 and sent, 10)
    assert len(sent) == 1
    assert sent[0].resource_type == "ping"  # navigator.sendBeacon
    assert sent[0].headers["content-type"].lower() == "text/plain;charset=utf-8"  # no CORS preflight
    body = json.loads(sent[0].post_data or "")
    assert body["key"] == live.env.publishable_key
    assert [(e["name"], e["properties"]) for e in body["events"]] == [("hiding", {"a": 1}), ("hiding", {"a": 2})]
    assert page.evaluate("() => shirube._debug.queueLength()") == 0

    # A real unload: tracked, then straight away to a page without the SDK.
    page.evaluate("() => shirube.track('leaving')")
    page.goto(f"{HOST_ORIGIN}/elsewhere")
    live.wait_for_events(live.env, 1, type="track", user_id="leaver", name="leaving", timeout=5)
    assert live.count_events(live.env, type="track") == 3
    assert console_errors == []

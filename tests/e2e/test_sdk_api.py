"""The SDK's public API in real Chromium: the stub's queue, double loading, the plain
script tag, show(), on(), debug logging, reset() — and that nothing it does, even with a
wrong key or the server down, throws into the host page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from .conftest import HOST_ORIGIN, Live

NO_THROTTLE = {"throttle": {"cooldown_minutes": 0, "max_per_day": 1000}}
APP = "<main><h1>App</h1></main>"
# Installed before anything else on the page: every uncaught error, every rejected promise.
SPY = ("<script>window.__errors = []; window.onerror = function (m) { __errors.push(String(m)); };"
       "window.addEventListener('unhandledrejection', function (e) { __errors.push('rejection: ' + e.reason); });"
       "</script>")


def _modal(key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key, "type": "modal",
            "steps": [{"kind": "modal", "title": f"Guide {key}", "body": "Body"}], **extra}


def _ready(page: Page) -> None:
    page.wait_for_function("() => window.shirube && shirube._debug && shirube._debug.state().ready")


def _guide(page: Page, key: str) -> Any:
    return page.locator(f"[data-testid=shirube-guide][data-guide-key='{key}']")


def _flush(page: Page) -> None:
    page.evaluate("() => shirube._debug.flush()")


def _page_errors(page: Page, console_errors: list[str]) -> list[str]:
    # The browser itself reports failed requests ("Failed to load resource: … 401"); not ours.
    ours = [e for e in console_errors if "Failed to load resource" not in e]
    return ours + page.evaluate("() => window.__errors")


def test_calls_made_before_the_sdk_loads_are_replayed_once_in_order(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    head = SPY + "<script>/* before the stub: nothing */</script>"
    body = APP + "<script>shirube('track', 'first', {n: 1}); shirube.track('second', {n: 2});</script>"
    host_page(body, head=head, user="early")
    _ready(page)
    assert page.evaluate("() => (shirube.q || []).length") == 0
    _flush(page)
    tracks = live.wait_for_events(live.env, 2, type="track", user_id="early")
    page.evaluate("() => shirube.track('third')")
    _flush(page)
    tracks = live.wait_for_events(live.env, 3, type="track", user_id="early")
    assert [t["name"] for t in tracks] == ["first", "second", "third"]
    assert sorted(str(t["uuid"]) for t in tracks) == [str(t["uuid"]) for t in tracks]  # UUIDv7, in order
    assert live.count_events(live.env, type="track", name="first") == 1
    assert _page_errors(page, console_errors) == []


def test_loading_the_bundle_twice_initialises_once(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    boots: list[Request] = []
    page.on("request", lambda r: boots.append(r) if r.url.endswith("/api/sdk/v1/bootstrap") else None)
    live.publish(live.env, _modal("once-only"))
    again = f'<script src="{live.base_url}/sdk/v1/shirube.js"></script>'
    host_page(APP + again + again, head=SPY, user="twice")
    expect(_guide(page, "once-only")).to_have_count(1)
    _ready(page)
    page.evaluate("() => shirube.track('after')")
    _flush(page)
    live.wait_for_events(live.env, 1, type="track", user_id="twice")
    assert len(boots) == 1
    assert live.count_events(live.env, type="page_view") == 1
    assert live.count_events(live.env, type="guide_seen") == 1
    assert _page_errors(page, console_errors) == []


def test_plain_script_tag_without_stub_works_with_host_from_the_script(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, _modal("plain"))
    body = (APP + f'<script src="{live.base_url}/sdk/v1/shirube.js"></script>'
            f"<script>shirube('init', {{key: {json.dumps(live.env.publishable_key)}}});"
            "shirube.identify('plain-user', {plan: 'pro'});</script>")
    host_page(body, head=SPY, snippet=False)
    expect(_guide(page, "plain")).to_be_visible()
    _flush(page)
    views = live.wait_for_events(live.env, 1, type="page_view", user_id="plain-user")
    assert views[0]["properties"]["url"] == f"{HOST_ORIGIN}/app/"
    assert _page_errors(page, console_errors) == []


def test_show_opens_a_manual_guide_that_never_shows_by_itself(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(env, _modal("help", trigger={"on": "manual"}))
    host_page(APP, head=SPY, env=env, user="helped")
    _ready(page)
    expect(_guide(page, "help")).to_have_count(0)  # manual: never by itself
    page.evaluate("() => shirube.show('help')")
    expect(_guide(page, "help")).to_be_visible()
    page.get_by_test_id("shirube-close").click()
    expect(_guide(page, "help")).to_have_count(0)
    page.evaluate("() => shirube.show('help')")  # dismissed a moment ago: show() does not care
    expect(_guide(page, "help")).to_be_visible()
    _flush(page)
    assert len(live.wait_for_events(env, 2, type="guide_seen", user_id="helped")) == 2
    assert _page_errors(page, console_errors) == []


def test_show_before_bootstrap_waits_for_it(live: Live, host_page: Any, page: Page) -> None:
    live.publish(live.env, _modal("help", trigger={"on": "manual"}))
    host_page(APP + "<script>shirube('show', 'help');</script>", user="eager")
    expect(_guide(page, "help")).to_be_visible()


def test_show_opens_a_completed_once_guide_after_reload(
    live: Live, host_page: Any, page: Page
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(env, _modal("help", trigger={"on": "manual"}, frequency={"mode": "once"}))
    host_page(APP, env=env, user="returning-helped")
    _ready(page)
    page.evaluate("() => shirube.show('help')")
    page.get_by_test_id("shirube-done").click()
    _flush(page)
    live.wait_for_events(env, 1, type="guide_completed", user_id="returning-helped")
    page.reload()
    _ready(page)
    page.evaluate("() => shirube.show('help')")
    expect(_guide(page, "help")).to_be_visible(timeout=2000)


def test_on_guide_completed_listener_fires(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, _modal("listen"))
    body = APP + ("<script>window.__got = []; ['guide:shown', 'step:shown', 'guide:completed'].forEach("
                  "function (n) { shirube.on(n, function (d) { __got.push([n, d]); }); });"
                  "shirube.on('guide:completed', function () { throw new Error('a faulty listener'); });</script>")
    host_page(body, head=SPY, user="listener")
    expect(_guide(page, "listen")).to_be_visible()
    page.get_by_test_id("shirube-done").click()
    page.wait_for_function("() => __got.some(g => g[0] === 'guide:completed')")
    assert page.evaluate("() => __got") == [
        ["guide:shown", {"guide": "listen"}], ["step:shown", {"guide": "listen", "step": 0}],
        ["guide:completed", {"guide": "listen"}]]
    assert _page_errors(page, console_errors) == []  # the faulty listener stayed inside the SDK


CALLS = ("() => { shirube.track('x', {a: 1}); shirube.page(); shirube.show('nope'); shirube.group('acct', {});"
         " shirube.identify('other'); shirube.on('guide:shown', function () {}); shirube.off('guide:shown');"
         " shirube('nonsense'); shirube.on('bogus', 1); shirube.identify(); shirube.track(); shirube.reset();"
         " shirube.init({key: 'pk_again'}); return shirube._debug.flush(); }")


def test_nothing_throws_into_the_page_when_the_key_is_wrong(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    host_page(APP, head=SPY, user="wrong-key", init={"key": "pk_" + "x" * 30})
    for _ in range(100):  # the failure is told once, as a warning
        if any(w.startswith("[shirube] bootstrap failed with HTTP 401") for w in warnings):
            break
        page.wait_for_timeout(50)
    assert any(w.startswith("[shirube] bootstrap failed with HTTP 401") for w in warnings), warnings
    page.evaluate(CALLS)
    page.wait_for_function("() => shirube._debug.queueLength() === 0")
    assert _page_errors(page, console_errors) == []
    assert live.count_events(live.env) == 0


def test_nothing_throws_into_the_page_when_the_server_is_down(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    page.route("**/api/sdk/v1/**", lambda r: r.abort("connectionrefused"))
    host_page(APP, head=SPY, user="down")
    page.wait_for_function("() => window.shirube && shirube._loaded")
    page.evaluate(CALLS)
    page.evaluate("() => { shirube.identify('again'); shirube.track('y'); }")
    page.wait_for_timeout(300)
    assert _page_errors(page, console_errors) == []
    expect(page.get_by_role("heading", name="App")).to_be_visible()


def test_debug_mode_logs_decisions_with_the_prefix(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, _modal("elsewhere", trigger={"url": {"match": "prefix", "value": "/other"}}),
                 _modal("here"))
    logs: list[tuple[str, str]] = []
    page.on("console", lambda m: logs.append((m.type, m.text)))
    host_page(APP, user="debugger", init={"debug": True})
    expect(_guide(page, "here")).to_be_visible()
    page.wait_for_function("() => window.__shirubeDebug")  # the words of debug lines: a lazy chunk
    page.evaluate("() => new Promise(r => setTimeout(r))")
    ours = [t for _, t in logs if "shirube" in t.lower()]
    assert ours and all(t.startswith("[shirube] ") for t in ours), ours
    assert '[shirube] bootstrap for user "debugger"' in ours
    assert '[shirube] guide "elsewhere" not shown: url does not match trigger' in ours
    assert any(t.startswith('[shirube] guide "here" showing from step 0') for t in ours), ours
    assert console_errors == []


def test_quiet_without_debug(live: Live, host_page: Any, page: Page) -> None:
    live.publish(live.env, _modal("here"))
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    host_page(APP, user="quiet")
    expect(_guide(page, "here")).to_be_visible()
    assert [t for t in logs if "[shirube]" in t] == []


def test_reset_then_identify_another_user_shows_that_users_guides(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    env = live.environment(settings=NO_THROTTLE)
    live.publish(
        env,
        _modal("for-free", audience={"all": [{"attr": "user.plan", "op": "eq", "value": "free"}]}),
        _modal("for-pro", audience={"all": [{"attr": "user.plan", "op": "eq", "value": "pro"}]}),
    )
    host_page(APP, head=SPY, env=env, user="alice", traits={"plan": "free"})
    expect(_guide(page, "for-free")).to_be_visible()
    page.evaluate("() => { shirube.track('as-alice'); shirube.reset(); }")
    expect(_guide(page, "for-free")).to_have_count(0)
    page.evaluate("() => { shirube.track('in-between'); shirube.identify('bob', {plan: 'pro'}); }")
    expect(_guide(page, "for-pro")).to_be_visible()
    expect(_guide(page, "for-free")).to_have_count(0)
    _flush(page)
    tracks = live.wait_for_events(env, 2, type="track")
    assert [(t["name"], t["user_id"]) for t in tracks] == [("as-alice", "alice"), ("in-between", "bob")]
    seen = live.wait_for_events(env, 2, type="guide_seen")
    assert sorted((s["guide_key"], s["user_id"]) for s in seen) == [("for-free", "alice"), ("for-pro", "bob")]
    assert _page_errors(page, console_errors) == []

"""The browser-test harness itself: host pages on https://app.test load the SDK from the live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Live, build_host_page, stub_snippet

BUNDLE = ROOT / "server" / "static" / "sdk" / "shirube.js"
needs_bundle = pytest.mark.skipif(not BUNDLE.is_file(), reason="SDK bundle not built (make sdk)")

HELLO = {
    "key": "hello",
    "name": "Hello",
    "type": "modal",
    "steps": [{"kind": "modal", "title": "Hello from the harness", "body": "It works."}],
}


def test_host_page_embeds_stub_init_and_identify(live: Live) -> None:
    html = build_host_page("<main>app</main>", live=live, traits={"plan": "pro"},
                           account=("acct-1", {"mrr": 10}), init={"debug": True})
    assert stub_snippet(live.base_url) in html
    assert f'"key": "{live.env.publishable_key}"' in html
    assert "shirube('identify', \"user-1\", {\"plan\": \"pro\"});" in html
    assert "shirube('group', \"acct-1\", {\"mrr\": 10});" in html
    assert "__SHIRUBE_HOST__" not in html


def test_each_test_gets_a_fresh_environment_allowing_the_host_origin(live: Live) -> None:
    other = live.environment()
    assert other.publishable_key != live.env.publishable_key
    assert "https://app.test" in live.env.origins and live.base_url in live.env.origins


@needs_bundle
def test_host_page_on_a_fake_origin_shows_a_published_guide_and_stores_its_events(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, HELLO)
    url = host_page("<main><h1>Customer app</h1></main>", user="harness-user")
    assert url == "https://app.test/app/"
    expect(page.get_by_role("heading", name="Customer app")).to_be_visible()
    expect(page.get_by_text("Hello from the harness")).to_be_visible(timeout=10_000)
    seen = live.wait_for_events(live.env, 1, type="guide_seen", user_id="harness-user")
    assert seen[0]["guide_key"] == "hello"
    assert live.count_events(live.env, uuid=seen[0]["uuid"]) == 1
    assert console_errors == []


@needs_bundle
def test_host_page_under_a_strict_csp_with_a_nonce(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, HELLO)
    csp = (f"default-src 'none'; script-src 'nonce-n0nce' {live.base_url}; "
           f"connect-src {live.base_url}; style-src 'nonce-n0nce'; img-src data:")
    host_page("<main>strict</main>", csp=csp, nonce="n0nce", user="csp-user")
    expect(page.get_by_text("Hello from the harness")).to_be_visible(timeout=10_000)
    live.wait_for_events(live.env, 1, type="guide_seen", user_id="csp-user")
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_unknown_host_page_path_is_a_404(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    host_page("<main>a</main>", path="/a/", goto=False)
    response = page.goto("https://app.test/b/")
    assert response is not None and response.status == 404

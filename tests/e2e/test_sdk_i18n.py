"""Guide language in real Chromium: the identify trait `locale`, else the browser's
language, picks a translation; anything else falls back to the guide's default. The
SDK's own UI strings follow the same language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import HOST_ORIGIN, Live, build_host_page

TOUR = {
    "key": "hello-tour", "name": "Hello tour", "type": "tour",
    "steps": [
        {"kind": "modal", "title": "Welcome", "body": "Let us look around."},
        {"kind": "modal", "title": "Reports", "body": "Your reports live here."},
        {"kind": "modal", "title": "Done", "body": "That is all."},
    ],
    "translations": {"ja": {"steps": [
        {"title": "ようこそ", "body": "ご案内します。"},
        {"title": "レポート", "body": "レポートはここにあります。"},
        {"title": "おわり", "body": "以上です。"},
    ]}},
}


def _tour(page: Page) -> Any:
    return page.locator("[data-testid=shirube-guide][data-guide-key='hello-tour']")


def _open(browser: Browser, args: dict[str, Any], live: Live, locale: str, traits: dict[str, Any]) -> Any:
    ctx = browser.new_context(**{**args, "locale": locale})
    page = ctx.new_page()
    html = build_host_page("<main>App</main>", live=live, user=f"u-{locale}-{len(traits)}", traits=traits)
    page.route(f"{HOST_ORIGIN}/**", lambda r: r.fulfill(status=200, content_type="text/html", body=html))
    page.goto(f"{HOST_ORIGIN}/app/")
    return ctx, page


def _walk(page: Page, titles: list[str], nxt: str, done: str, counter: list[str]) -> None:
    tour = _tour(page)
    for i, title in enumerate(titles):
        expect(tour.get_by_role("heading", name=title)).to_be_visible()
        expect(tour).to_contain_text(counter[i])
        button = page.get_by_test_id("shirube-next" if i < len(titles) - 1 else "shirube-done")
        expect(button).to_have_text(nxt if i < len(titles) - 1 else done)
        button.click()
    expect(tour).to_have_count(0)


JA = (["ようこそ", "レポート", "おわり"], "次へ", "完了", ["1 / 3", "2 / 3", "3 / 3"])
EN = (["Welcome", "Reports", "Done"], "Next", "Done", ["1 of 3", "2 of 3", "3 of 3"])


@pytest.mark.parametrize(("browser_locale", "traits", "expected"), [
    pytest.param("en-US", {"locale": "ja"}, JA, id="trait-ja"),
    pytest.param("ja-JP", {}, JA, id="navigator-ja"),
    pytest.param("ja-JP", {"locale": "en"}, EN, id="trait-beats-navigator"),
    pytest.param("fr-FR", {}, EN, id="fallback-default"),
    pytest.param("en-US", {"locale": "pt-BR"}, EN, id="untranslated-trait"),
])
def test_guide_and_ui_strings_follow_the_users_language(
    live: Live, browser: Browser, browser_context_args: dict[str, Any],
    browser_locale: str, traits: dict[str, Any], expected: Any,
) -> None:
    live.publish(live.env, TOUR)
    ctx, page = _open(browser, browser_context_args, live, browser_locale, traits)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        titles, nxt, done, counter = expected
        _walk(page, titles, nxt, done, counter)
        assert page.get_by_test_id("shirube-guide").count() == 0
    finally:
        ctx.close()
    assert errors == []


def test_back_close_and_later_buttons_are_japanese_too(
    live: Live, host_page: Any, page: Page, console_errors: list[str]
) -> None:
    live.publish(live.env, TOUR)
    host_page("<main>App</main>", user="ja-user", traits={"locale": "ja"})
    tour = _tour(page)
    expect(page.get_by_test_id("shirube-later")).to_have_text("あとで")
    expect(page.get_by_test_id("shirube-close")).to_have_attribute("aria-label", "閉じる")
    page.get_by_test_id("shirube-next").click()
    expect(page.get_by_test_id("shirube-back")).to_have_text("戻る")
    page.get_by_test_id("shirube-back").click()
    expect(tour.get_by_role("heading", name="ようこそ")).to_be_visible()
    assert console_errors == []

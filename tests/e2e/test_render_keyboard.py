"""Keyboard-only use and accessibility of guides: focus in, Tab trap, Esc, arrows, focus
restored, ARIA wiring, visible focus, narrow screens and reduced motion."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Live
from .test_render_helpers import MANUAL, ROOT_JS, box, hotspot, in_viewport, modal, shown, tooltip, tour

PAGE = ("<main><input id=search placeholder=Search> <button id=one style='margin:120px 0 0 200px'>One</button>"
        "<button id=two style='margin:40px 0 0 100px'>Two</button></main>")

FOCUSED = f"""() => {{
  const a = document.activeElement;
  if (!a || !a.hasAttribute('data-shirube-root')) return a && (a.id || a.localName);
  const e = {ROOT_JS}.activeElement;
  return e && (e.dataset.testid || e.localName);
}}"""


def start(live: Live, host_page, page: Page, guide: dict) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, {**guide, **MANUAL})
    host_page(PAGE)
    page.locator("#search").focus()
    shown(page, guide["key"])
    expect(page.locator(f"[data-testid=shirube-guide][data-guide-key={guide['key']}]")).to_be_visible(timeout=10_000)


def test_a_tour_can_be_completed_with_the_keyboard_only(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    start(live, host_page, page, tour())
    card = page.get_by_test_id("shirube-guide")
    assert page.evaluate(FOCUSED) == "shirube-next"  # focus moved into the dialog
    page.keyboard.press("Enter")
    expect(card).to_have_attribute("data-step", "1")
    expect(card).to_have_attribute("data-placement", "bottom")
    page.keyboard.press("ArrowLeft")
    expect(card).to_have_attribute("data-step", "0")
    page.keyboard.press("ArrowRight")
    expect(card).to_have_attribute("data-step", "1")
    page.keyboard.press("ArrowRight")
    expect(card).to_have_attribute("data-step", "2")
    assert page.evaluate(FOCUSED) == "shirube-done"
    page.keyboard.press("Tab")  # Tab to Back, Shift+Tab back to Done, Enter
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED) == "shirube-done"
    page.keyboard.press("Enter")
    expect(card).to_have_count(0)
    assert page.evaluate(FOCUSED) == "search"  # focus returned to where it was
    live.wait_for_events(live.env, 1, type="guide_completed")
    assert console_errors == []


def test_esc_closes_a_guide_and_focus_returns_to_the_page(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, tour())
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("shirube-guide")).to_have_attribute("data-step", "1")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)
    assert page.evaluate(FOCUSED) == "search"
    assert live.wait_for_events(live.env, 1, type="guide_dismissed")[0]["step"] == 1


def test_tab_is_trapped_in_a_modal(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, modal())
    seen = set()
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.add(page.evaluate(FOCUSED))
    assert seen == {"shirube-close", "a", "shirube-later", "shirube-done"}, seen
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUSED) in seen


def test_tab_is_trapped_in_a_backdrop_tour_step(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, tour(backdrop=True))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("shirube-guide")).to_have_attribute("data-step", "1")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED) in {"shirube-close", "shirube-back", "shirube-next"}


def test_dialog_is_labelled_and_described_by_existing_elements(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, tour())
    for step in range(3):
        card = page.get_by_role("dialog")
        expect(card).to_have_attribute("data-step", str(step))
        ids = page.evaluate(f"""() => {{
          const root = {ROOT_JS}, d = root.querySelector('[role=dialog]');
          const get = (a) => {{ const el = root.getElementById(d.getAttribute(a)); return el && el.textContent; }};
          return [get('aria-labelledby'), get('aria-describedby'), d.getAttribute('aria-modal')];
        }}""")
        assert ids[0] == ["Welcome", "First", "Second"][step]
        assert ids[1] and ids[1].startswith("L" if step == 0 else "This")
        expect(card).to_have_accessible_name(ids[0])
        if step < 2:
            page.keyboard.press("ArrowRight")
    assert ids[2] is None  # a plain tooltip step is not modal


def test_modal_is_aria_modal(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, modal())
    expect(page.get_by_role("dialog", name="Welcome aboard")).to_have_attribute("aria-modal", "true")


def test_keyboard_focus_is_visible(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    start(live, host_page, page, modal())
    for _ in range(3):
        page.keyboard.press("Tab")
        ring = page.evaluate(f"""() => {{
          const e = {ROOT_JS}.activeElement, s = getComputedStyle(e);
          return [e.matches(':focus-visible'), parseFloat(s.outlineWidth), s.outlineStyle];
        }}""")
        assert ring[0] and ring[1] > 0 and ring[2] != "none", ring


def test_hotspot_opens_with_enter_and_closes_with_esc_back_to_the_beacon(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, hotspot("#one"))
    host_page(PAGE)
    beacon = page.get_by_test_id("shirube-hotspot")
    expect(beacon).to_be_visible(timeout=10_000)
    beacon.focus()
    page.keyboard.press("Enter")
    expect(beacon).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("shirube-guide")).to_be_visible()
    assert page.evaluate(FOCUSED) in {"shirube-done", "shirube-guide"}
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)


def test_cards_fit_a_320px_wide_viewport(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 320, "height": 640})
    long_body = "A fairly long paragraph that would be wider than a phone screen if nothing wrapped it. " * 3
    live.publish(live.env, {**modal(), **MANUAL, "steps": [{"kind": "modal", "title": "Narrow", "body": long_body}]},
                 {**tooltip("#one", "right"), **MANUAL, "steps": [{"kind": "tooltip", "title": "Narrow tip",
                                                                    "body": long_body, "target": "#one", "placement": "right"}]})
    host_page("<main><button id=one>One</button></main>")
    for key in ("hello", "tip"):
        shown(page, key)
        card = page.locator(f"[data-testid=shirube-guide][data-guide-key={key}]")
        expect(card).to_be_visible(timeout=10_000)
        page.wait_for_timeout(300)
        b = card.bounding_box()
        assert b and in_viewport(page, b), b
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        card.get_by_test_id("shirube-close").click()


def test_reduced_motion_means_no_animations(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    count = f"() => document.getAnimations().length + {ROOT_JS}.getAnimations().length"
    live.publish(live.env, {**modal(), **MANUAL}, hotspot("#one", frequency="until_completed"))
    host_page(PAGE)
    expect(page.get_by_test_id("shirube-hotspot")).to_be_visible(timeout=10_000)
    assert page.evaluate(count) > 0  # the beacon pulses by default: the probe sees animations
    page.emulate_media(reduced_motion="reduce")
    page.reload()
    expect(page.get_by_test_id("shirube-hotspot")).to_be_visible(timeout=10_000)
    shown(page, "hello")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.get_by_test_id("shirube-hotspot").click()
    assert page.evaluate(count) == 0
    assert box(page, "shirube-hotspot")["width"] > 0

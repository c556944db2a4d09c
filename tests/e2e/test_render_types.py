"""Each guide type renders from a live bootstrap: modal, tooltip, backdrop tour, hotspot,
banner (top/bottom, overlaying), checklist (ticked by track(), kept across reloads)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Live
from .test_render_helpers import MANUAL, ROOT_JS, banner, box, checklist, el_box, hotspot, modal, placement_error, shown, tour

PAGE = ("<header id=head style='height:50px;background:#eee'>Header</header>"
        "<main><button id=one style='margin:140px 0 0 200px'>One</button>"
        "<button id=two style='margin:60px 0 0 100px'>Two</button></main>"
        "<footer id=foot style='position:fixed;bottom:0;left:0;right:0;height:40px'>Footer</footer>")


def test_modal_renders_centred_with_its_content(live: Live, host_page, page: Page, console_errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, modal())
    host_page(PAGE)
    card = page.get_by_role("dialog", name="Welcome aboard")
    expect(card).to_be_visible(timeout=10_000)
    expect(card).to_have_attribute("data-kind", "modal")
    expect(card.get_by_role("link", name="a link")).to_have_attribute("href", "https://example.com/")
    expect(card.get_by_role("link", name="a link")).to_have_attribute("rel", "noopener noreferrer")
    expect(card.locator("strong")).to_have_text("paragraph")
    b, (vw, vh) = box(page), page.evaluate("[innerWidth, innerHeight]")
    assert abs(b["x"] + b["width"] / 2 - vw / 2) <= 1 and abs(b["y"] + b["height"] / 2 - vh / 2) <= 1
    page.get_by_test_id("shirube-done").click()
    expect(card).to_have_count(0)
    live.wait_for_events(live.env, 1, type="guide_completed")
    assert console_errors == []


def test_tour_with_backdrop_cuts_out_its_target(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, tour(backdrop=True))
    host_page(PAGE)
    expect(page.get_by_test_id("shirube-backdrop")).to_be_attached(timeout=10_000)
    page.get_by_test_id("shirube-next").click()
    card = page.get_by_test_id("shirube-guide")
    expect(card).to_have_attribute("data-placement", "bottom")
    expect(card).to_contain_text("1 of 3".replace("1", "2"))
    t = el_box(page, "#one")
    assert placement_error(box(page), t, "bottom") <= 2
    hits = page.evaluate("""([x, y, w, h]) => {
      const at = (px, py) => { const e = document.elementFromPoint(px, py); return e && (e.id || (e.hasAttribute('data-shirube-root') ? 'shirube' : e.localName)); };
      return {target: at(x + w / 2, y + h / 2), outside: at(x + w / 2, y + h + 200), corner: at(5, 600)};
    }""", [t["x"], t["y"], t["width"], t["height"]])
    assert hits == {"target": "one", "outside": "shirube", "corner": "shirube"}
    page.get_by_test_id("shirube-next").click()
    expect(card).to_have_attribute("data-placement", "right")
    assert placement_error(box(page), el_box(page, "#two"), "right") <= 2
    assert page.evaluate("document.elementFromPoint(...(() => { const r = document.getElementById('two')"
                         ".getBoundingClientRect(); return [r.x + 3, r.y + 3]; })()).id") == "two"
    page.get_by_test_id("shirube-done").click()
    expect(page.get_by_test_id("shirube-backdrop")).to_have_count(0)
    events = live.wait_for_events(live.env, 1, type="guide_completed")
    assert events[0]["guide_key"] == "tour"
    assert [e["step"] for e in live.events(live.env, type="step_seen")] == [0, 1, 2]


@pytest.mark.parametrize("how", ["click", "Enter"])
def test_hotspot_beacon_opens_its_tooltip(live: Live, host_page, page: Page, how: str) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, hotspot("#one"))
    host_page(PAGE)
    beacon = page.get_by_test_id("shirube-hotspot")
    expect(beacon).to_be_visible(timeout=10_000)
    b, t = box(page, "shirube-hotspot"), el_box(page, "#one")
    assert abs(b["x"] + b["width"] / 2 - (t["x"] + t["width"])) <= 4 and abs(b["y"] + b["height"] / 2 - t["y"]) <= 4
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)
    if how == "click":
        beacon.click()
    else:
        beacon.focus()
        page.keyboard.press("Enter")
    expect(beacon).to_have_attribute("aria-expanded", "true")
    card = page.get_by_role("dialog", name="New here")
    expect(card).to_have_attribute("data-placement", "right")
    assert placement_error(box(page), el_box(page, "#one"), "right") <= 2
    beacon.click()
    expect(card).to_have_count(0)
    expect(beacon).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("pos", ["top", "bottom"])
def test_banner_overlays_its_edge_and_pushes_nothing(live: Live, host_page, page: Page, pos: str) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, {**banner(pos), **MANUAL})
    host_page(PAGE)
    before = [el_box(page, s) for s in ("#head", "#one", "#two", "#foot")]
    shown(page, "ban")
    ban = page.get_by_test_id("shirube-banner")
    expect(ban).to_be_visible(timeout=10_000)
    expect(ban).to_have_attribute("data-pos", pos)
    expect(ban).to_have_attribute("role", "region")
    b, (vw, vh) = box(page, "shirube-banner"), page.evaluate("[innerWidth, innerHeight]")
    assert b["x"] == 0 and b["width"] == vw
    assert (b["y"] == 0) if pos == "top" else (abs(b["y"] + b["height"] - vh) < 1)
    assert [el_box(page, s) for s in ("#head", "#one", "#two", "#foot")] == before
    assert page.evaluate(f"{ROOT_JS}.activeElement") is None  # it does not take focus
    expect(ban.get_by_role("link", name="Status")).to_be_visible()
    ban.get_by_test_id("shirube-close").click()
    expect(ban).to_have_count(0)
    live.wait_for_events(live.env, 1, type="guide_dismissed")


def test_checklist_ticks_items_from_track_events_and_remembers_them_after_reload(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    live.publish(live.env, checklist())
    host_page(PAGE)
    launcher = page.get_by_test_id("shirube-checklist-launcher")
    expect(launcher).to_be_visible(timeout=10_000)
    expect(launcher).to_contain_text("0/2")
    launcher.click()
    items = page.get_by_test_id("shirube-checklist-item")
    expect(items).to_have_count(2)
    page.evaluate("shirube.track('report_created')")
    expect(items.nth(0)).to_have_attribute("aria-pressed", "true")
    expect(items.nth(1)).to_have_attribute("aria-pressed", "false")
    expect(launcher).to_contain_text("1/2")
    live.wait_for_events(live.env, 1, type="step_completed")
    page.reload()
    expect(launcher).to_contain_text("1/2", timeout=10_000)
    launcher.click()
    expect(items.nth(0)).to_have_attribute("data-done", "")
    page.evaluate("shirube.track('invite_sent')")
    expect(launcher).to_have_count(0)  # all done: the checklist completes and goes
    live.wait_for_events(live.env, 1, type="guide_completed")
    page.reload()
    page.wait_for_timeout(1500)
    expect(launcher).to_have_count(0)
    assert console_errors == []

"""The host page cannot restyle or cover a guide: same geometry and fonts under hostile CSS,
and the guide is on top of a page element with the maximum z-index."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from .conftest import Live
from .test_render_helpers import ROOT_JS, tooltip

HOSTILE = """<style>
* { all: revert !important; font-size: 40px !important }
*, *::before, *::after { box-sizing: content-box !important; line-height: 3 !important; letter-spacing: 4px !important }
div, button, h2, p { padding: 30px !important; margin: 20px !important; border: 5px solid red !important;
  display: inline !important; opacity: .2 !important; transform: rotate(3deg) !important }
::backdrop { background: red !important }
[data-shirube-root] { display: none !important; opacity: 0 !important }
html, body { filter: blur(2px) !important; zoom: 1 !important }
</style>"""
COVER = "<div id=cover style='position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.1)'>cover</div>"
PAGE = "<main><p>Text</p><button id=t style='margin:150px 0 0 300px'>Target</button></main>"

MEASURE = f"""() => {{
  const root = {ROOT_JS};
  const out = {{}};
  for (const el of root.querySelectorAll('[data-testid], h2, p, button, a')) {{
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    out[(el.dataset.testid || el.localName) + ':' + Object.keys(out).length] =
      [r.width, r.height, s.fontSize, s.lineHeight, s.fontFamily, s.paddingTop, s.borderTopWidth, s.opacity];
  }}
  return out;
}}"""


def measure(live: Live, host_page, page: Page, guide: dict[str, Any], head: str, body: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    env = live.environment()
    live.publish(env, guide)
    host_page(body, head=head, env=env)
    card = page.get_by_test_id("shirube-guide")
    expect(card).to_be_visible(timeout=10_000)
    page.wait_for_timeout(300)  # the fade-in is over
    return {"sizes": page.evaluate(MEASURE), "card": card.bounding_box()}


def test_modal_looks_the_same_under_hostile_page_css(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    guide = {"key": "m", "name": "M", "type": "modal",
             "steps": [{"kind": "modal", "title": "Same everywhere", "body": "Body **text** and a [link](https://x.test)."}]}
    plain = measure(live, host_page, page, guide, "", PAGE)
    hostile = measure(live, host_page, page, guide, HOSTILE, PAGE + COVER)
    assert plain["sizes"] and hostile["sizes"] == plain["sizes"]
    assert hostile["card"] == plain["card"]
    assert plain["sizes"]["h2:2"][2] == "16px"


def test_tooltip_looks_the_same_under_hostile_page_css(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    # The hostile rules move the target (its margins/padding change): compare sizes, not positions.
    plain = measure(live, host_page, page, tooltip("#t"), "", PAGE)
    hostile = measure(live, host_page, page, tooltip("#t"), HOSTILE, PAGE + COVER)
    assert hostile["sizes"] == plain["sizes"]
    assert (hostile["card"]["width"], hostile["card"]["height"]) == (plain["card"]["width"], plain["card"]["height"])


def test_guide_is_on_top_of_a_max_z_index_fixed_element(live: Live, host_page, page: Page) -> None:  # type: ignore[no-untyped-def]
    live.publish(live.env, {"key": "m", "name": "M", "type": "modal",
                            "steps": [{"kind": "modal", "title": "On top", "body": "Above everything."}]})
    host_page(PAGE + COVER, head=HOSTILE)
    expect(page.get_by_test_id("shirube-guide")).to_be_visible(timeout=10_000)
    hit = page.evaluate(f"""() => {{
      const root = {ROOT_JS}, card = root.querySelector('[data-testid=shirube-guide]');
      const r = card.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
      const top = document.elementFromPoint(x, y);
      const inner = root.elementFromPoint(x, y);
      return {{top: top && top.hasAttribute('data-shirube-root'), inCard: card.contains(inner)}};
    }}""")
    assert hit == {"top": True, "inCard": True}
    page.get_by_test_id("shirube-close").click()  # a real click lands on the card
    expect(page.get_by_test_id("shirube-guide")).to_have_count(0)
    live.wait_for_events(live.env, 1, type="guide_dismissed")

"""XSS in author fields, in real Chromium: the payloads of tests/security/xss_payloads.py
(through the admin's own import, workspace and feature forms, posted by the signed-in
page) must run nothing on the admin pages that show them — including what the editor's
scripts build from the page's JSON — nor when the SDK renders the guides on a customer's
page. ``window.alert/confirm/prompt`` are trapped (and real dialogs recorded); every
payload either calls one of them or sets ``window.__pwned``.

The TestClient suite (tests/admin/test_xss_author_fields.py) parses every admin page; this
one checks what only a browser shows: DOM built by our scripts, CSP violations (an
injected handler that the CSP blocked still means an injection), the SDK's rendering.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.admin.test_xss_author_fields import _chunks, carrier, name_guide, survey
from tests.security.xss_payloads import PAYLOADS

from .admin_helpers import AXE, admin, create_environment, sdk_ready, sign_up  # noqa: F401
from .conftest import HOST_ORIGIN
from .test_render_helpers import MANUAL, ROOT_JS
from .test_render_xss_csp import SCAN, TRAP

pytestmark = pytest.mark.skipif(not AXE.is_file(),
                                reason="axe-core missing: cd tests/e2e && npm ci")

POST_FORM = """async ({url, pairs}) => {
  const body = new URLSearchParams();
  for (const [k, v] of pairs) body.append(k, v);
  const r = await window.shirubeAdmin.fetch(url, {method: 'POST', body});
  if (r.status !== 200) {
    const text = (await r.text()).replace(/<[^>]*>/g, ' ').replace(/\\s+/g, ' ');
    return r.status + ' ' + text.slice(0, 3000);
  }
  return r.status;
}"""


DOM_SCAN = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const name = el.localName;
    if (/^(iframe|frame|object|embed|base|math|noscript|style|marquee|video|audio)$/.test(name))
      bad.push('element ' + name);
    if (name === 'script' && !(el.type === 'application/json'
        || (el.getAttribute('src') || '').startsWith('/admin/static/'))) bad.push('script');
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\s\\u0000-\\u0020]/g, '');
      if (/^on/i.test(a.name) || a.name === 'srcdoc' || a.name === 'style')
        bad.push(name + ' @' + a.name);
      if (/^(href|src|action|formaction|xlink:href|data|srcset)$/i.test(a.name)
          && /^(javascript|vbscript|data):/i.test(v)) bad.push(name + ' @' + a.name + '=' + v);
    }
  }
  return bad;
}"""


def _injections(console_errors: list[str]) -> list[str]:
    """Console messages that mean something injected reached the browser (even blocked)."""
    words = ("Content Security Policy", "Refused to", "pwned")
    return [e for e in console_errors if any(w in e for w in words)]


def _clean(page: Any, dialogs: list[str], console_errors: list[str], where: str) -> None:
    assert page.evaluate("window.__pwned") == 0, where
    if "/admin/" in page.url:
        assert page.evaluate(DOM_SCAN) == [], where
    assert dialogs == [], (where, dialogs)
    assert _injections(console_errors) == [], (where, _injections(console_errors))


def test_admin_pages_showing_payloads_run_nothing(admin: Any, page: Any,  # noqa: F811
                                                  console_errors: list[str]) -> None:
    live = admin
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message) if d.type != "beforeunload" else None)
    page.add_init_script(TRAP)
    sign_up(page, live, name="Xena Sec", email="xena@example.com", workspace="XSS Co")
    create_environment(page, "production", [HOST_ORIGIN])
    base = f"{live.base_url}/admin/w/xss-co/e/production"
    page.goto(f"{base}/guides")

    # In through the admin's forms, posted by this signed-in page (CSRF header and all).
    chunks = _chunks(PAYLOADS, 41)
    guides = [carrier(i, c) for i, c in enumerate(chunks)] + [survey(PAYLOADS)] + \
        [name_guide(i, p) for i, p in enumerate(PAYLOADS)]
    for batch in _chunks(guides, 50):
        pairs = []
        for g in batch:
            text = json.dumps(g, ensure_ascii=False)
            pairs += [["file_name", f"{g['key']}.json"], ["file_text", text]]
        assert page.evaluate(POST_FORM, {"url": f"{base}/guides/import", "pairs": pairs}) == 200
    steps = carrier(0, chunks[0])["steps"]
    draft = {**carrier(0, chunks[0]), "steps": steps[1:] + steps[:1]}
    assert page.evaluate(POST_FORM, {"url": f"{base}/guides/carrier-0/edit", "pairs": [
        ["definition", json.dumps(draft)], ["mode", "save"]]}) == 200
    for i, p in enumerate(PAYLOADS[:40]):
        assert page.evaluate(POST_FORM, {"url": f"{base}/features/new", "pairs": [
            ["key", f"feat-{i:03d}"], ["name", p], ["rule_count", "1"],
            ["rules-0-kind", "click"], ["rules-0-selectors", p], ["rules-0-text", p],
            ["rules-0-strictness", "normal"]]}) == 200
    for p in PAYLOADS[::8]:  # every page's workspace switcher lists these
        assert page.evaluate(POST_FORM, {"url": f"{live.base_url}/admin/workspaces/new",
                                         "pairs": [["name", p]]}) == 200
    _clean(page, dialogs, console_errors, "seeding")

    pages = [f"{base}/guides", f"{base}/guides?q=%3Cimg",
             f"{base}/guides/carrier-0/versions?a=1&b=draft",
             f"{base}/builder/pick?guide=carrier-1&step=1", f"{base}/preview?guide=carrier-2",
             f"{base}/explain?guide=carrier-3&user=nobody", f"{base}/broken-targets",
             f"{base}/surveys/xss-survey", f"{base}/features", f"{base}/features/feat-001",
             f"{base}/features/feat-002/edit", f"{base}/features/feat-003/check",
             f"{live.base_url}/admin/w/xss-co/audit",
             f"{live.base_url}/admin/w/xss-co/environments"]
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        _clean(page, dialogs, console_errors, url)

    # The editor builds its form from the page's JSON: every step of every carrier, the
    # survey's choices, labels and follow-ups, and the translations side by side.
    for key in [f"carrier-{i}" for i in range(len(chunks))] + ["xss-survey", "named-000"]:
        page.goto(f"{base}/guides/{key}/edit")
        expect(page.get_by_test_id("step").first).to_be_visible()
        editor_text = page.locator("#editor-root").evaluate(
            "(el) => [...el.querySelectorAll('input, textarea')].map((x) => x.value).join('\\n')"
            " + el.textContent")
        if key.startswith("carrier-"):
            chunk = chunks[int(key.split("-")[1])]
            assert [p for p in chunk if p.strip() not in editor_text] == []
        page.get_by_test_id("step").last.scroll_into_view_if_needed()
        page.mouse.move(300, 300)
        _clean(page, dialogs, console_errors, key)
    assert dialogs == []


def _sdk_guides() -> list[dict[str, Any]]:
    """Guides for the SDK: modal tours carrying every payload as a title and a body, a
    tooltip whose target selectors and text are payloads (with a working fallback), the
    guide name, and a survey with every payload as a choice, label or follow-up."""
    out: list[dict[str, Any]] = []
    for i, chunk in enumerate(_chunks(PAYLOADS, 41)):
        out.append({"key": f"sdk-{i}", "name": chunk[0], "type": "tour", **MANUAL,
                    "steps": [{"kind": "modal", "title": p, "body": p} for p in chunk],
                    "translations": {"ja": {"name": chunk[1], "steps": [
                        {"title": p, "body": p} for p in reversed(chunk)]}}})
    out.append({"key": "sdk-tip", "name": "Tip", "type": "tooltip", **MANUAL, "steps": [{
        "kind": "tooltip", "title": PAYLOADS[0], "body": PAYLOADS[1],
        "target": {"selectors": PAYLOADS[2:11] + ["#anchor"], "text": "Anchor",
                   "strictness": "normal"}}]})
    s = survey(PAYLOADS)
    out.append({**s, **MANUAL, "pacing": {"sample_percent": 100, "min_page_views": 0}})
    return out


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_the_sdk_renders_every_payload_as_text(live: Any, host_page: Any, page: Any,
                                               console_errors: list[str], locale: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    live.publish(live.env, *_sdk_guides())
    host_page("<main><h1>App</h1><p><button id=anchor>Anchor</button></p></main>",
              user=f"xss-{locale}", traits={"locale": locale})
    sdk_ready(page)

    def card_text() -> str:
        return str(page.evaluate(f"""() => [...{ROOT_JS}.querySelectorAll(
            '[data-testid=shirube-guide]')].map((c) => c.textContent).join(' ')"""))

    def check(where: str) -> None:
        scan = page.evaluate(SCAN)
        assert scan["bad"] == [], (where, scan["bad"])
        _clean(page, dialogs, console_errors, where)

    shown = 0
    for i, chunk in enumerate(_chunks(PAYLOADS, 41)):
        page.evaluate("(k) => shirube('show', k)", f"sdk-{i}")
        card = page.locator(f"[data-testid=shirube-guide][data-guide-key=sdk-{i}]")
        titles = list(reversed(chunk)) if locale == "ja" else chunk
        for n, title in enumerate(titles):
            expect(card).to_have_attribute("data-step", str(n))
            if _letters(title) in _letters(card_text()):
                shown += 1
            check(f"sdk-{i} step {n}")
            done = card.get_by_test_id("shirube-done")
            card.get_by_test_id("shirube-next").or_(done).first.click()
        expect(card).to_have_count(0)
    # Shown as text: titles and bodies go through Markdown (`code`, entities, links), so
    # compare letters and digits only; nearly all must be there word for word.
    assert shown >= 0.9 * len(PAYLOADS), shown

    page.evaluate("() => shirube('show', 'sdk-tip')")
    tip = page.locator("[data-testid=shirube-guide][data-guide-key=sdk-tip]")
    expect(tip).to_be_visible()
    assert PAYLOADS[0] in card_text()
    check("sdk-tip")
    tip.get_by_test_id("shirube-done").or_(tip.get_by_test_id("shirube-close")).first.click()

    # The survey: every choice is a button's text; answer each step with its first choice.
    page.evaluate("() => shirube('show', 'xss-survey')")
    card = page.locator("[data-testid=shirube-guide][data-guide-key=xss-survey]")
    expect(card).to_be_visible()
    check("survey")
    page.wait_for_timeout(200)
    _clean(page, dialogs, console_errors, "end")

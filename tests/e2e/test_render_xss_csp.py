"""Author content cannot run code in the host page, and the renderer needs nothing a
strict Content-Security-Policy forbids."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Live
from .test_render_helpers import MANUAL, ROOT_JS, banner, checklist, hotspot, shown, tooltip, tour

P = "window.__pwned=1"
PAYLOADS = [
    f"<script>{P}</script>",
    f"<SCRIPT SRC=https://evil.test/x.js></SCRIPT>",
    f"<img src=x onerror=\"{P}\">",
    f"<img src=\"https://x.test/i.png\" onload=\"{P}\">",
    f"<svg onload=\"{P}\"></svg>",
    f"<svg><script>{P}</script></svg>",
    f"<iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
    f"<iframe src=\"javascript:{P}\"></iframe>",
    f"<a href=\"javascript:{P}\">js link</a>",
    f"<a href=\"JaVaScRiPt:{P}\">mixed case</a>",
    f"<a href=\"java&#x09;script:{P}\">tab entity</a>",
    f"<a href=\"data:text/html,<script>{P}</script>\">data link</a>",
    f"<body onload=\"{P}\">",
    f"<div style=\"background:url(javascript:{P})\">style url</div>",
    f"<div style=\"width:expression({P})\">expression</div>",
    f"<style>@import 'https://evil.test/x.css'; *{{background:red}}</style>",
    f"<object data=\"javascript:{P}\"></object>",
    f"<embed src=\"javascript:{P}\">",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{P}\">",
    f"<details open ontoggle=\"{P}\">",
    f"<input autofocus onfocus=\"{P}\">",
    f"<video><source onerror=\"{P}\"></video>",
    f"<marquee onstart=\"{P}\">m</marquee>",
    f"<form action=\"javascript:{P}\"><button>go</button></form>",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{P}\">",
    f"<base href=\"javascript:{P}//\">",
    f"<template><script>{P}</script></template>",
    f"<noscript><p title=\"</noscript><img src=x onerror={P}>\"></noscript>",
    f"<scr<script>ipt>{P}</scr</script>ipt>",
    f"\"><img src=x onerror={P}>",
    f"'><svg/onload={P}>",
    f"[click](javascript:{P})",
    f"[click](JAVASCRIPT:{P.replace('=', '%3D')})",
    f"[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"![img](javascript:{P})",
    f"![x](x\" onerror=\"{P})",
    f"[a](https://ok.test \"\\\" onmouseover=\\\"{P}\")",
    f"<a href=\"https://ok.test\" onmouseover=\"{P}\">hover</a>",
    f"<span onclick=\"{P}\" style=\"position:fixed;inset:0\">cover</span>",
    f"<img src=\"https://x.test/i.png\" srcset=\"javascript:{P}\">",
    f"<xss id=x tabindex=1 onfocusin=\"{P}\"></xss>",
    f"<custom-el onconnected=\"{P}\"></custom-el>",
]

TRAP = """
window.__pwned = 0;
window.alert = window.confirm = window.prompt = () => { window.__pwned = 'dialog'; };
"""

SCAN = f"""() => {{
  const root = {ROOT_JS};
  const bad = [];  // (our positioned elements carry CSSOM-set left/top: not a style attribute from content)
  for (const el of root.querySelectorAll('*')) {{
    if (/^(script|iframe|object|embed|style|form|input|meta|base|frame|frameset|link|math|template|noscript|video|source|marquee|details)$/i.test(el.localName))
      bad.push('element ' + el.localName);
    if (el.localName == 'svg' && el.dataset.testid != 'shirube-backdrop') bad.push('svg');
    for (const a of el.attributes) {{
      if (/^on/i.test(a.name) || (a.name == 'style' && !el.dataset.testid) || a.name == 'srcdoc' || a.name == 'srcset') bad.push(el.localName + ' @' + a.name);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && !/^(https:|mailto:)/i.test(a.value)) bad.push(el.localName + ' @' + a.name + '=' + a.value);
    }}
  }}
  return {{bad, n: root.querySelectorAll('*').length, text: root.textContent.length}};
}}"""


def test_xss_payloads_in_a_guide_never_execute(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    half = len(PAYLOADS) // 2
    assert len(PAYLOADS) >= 30
    live.publish(live.env, {
        "key": "xss", "name": "<img src=x onerror=\"window.__pwned=1\">", "type": "tour", "backdrop": True,
        "steps": [
            {"kind": "modal", "title": PAYLOADS[0] + PAYLOADS[2], "body": "\n\n".join(PAYLOADS[:half])},
            {"kind": "tooltip", "title": PAYLOADS[4] + PAYLOADS[8], "body": "\n\n".join(PAYLOADS[half:]),
             "target": "#t"},
        ]})
    live.publish(live.env, {**checklist(key="xss-list"), "name": PAYLOADS[2],
                            "steps": [{"kind": "checklist_item", "title": p[:200], "body": p, "complete_event": f"e{i}"}
                                      for i, p in enumerate(PAYLOADS[:10])]})
    host_page("<main><button id=t style='margin:100px'>Target</button></main>")
    card = page.locator("[data-testid=shirube-guide][data-guide-key=xss]")
    expect(card).to_be_visible(timeout=10_000)
    expect(page.get_by_text("SCRIPT SRC=", exact=False).first).to_be_attached()  # shown as text
    def check() -> None:
        scan = page.evaluate(SCAN)
        assert scan["bad"] == [] and scan["n"] > 10, scan
        for a in page.locator("[data-shirube-root] a").all():  # hovering links runs nothing either
            if a.is_visible():
                a.hover()

    check()
    page.get_by_test_id("shirube-checklist-launcher").click()
    expect(page.locator("[data-kind=checklist]")).to_be_visible()
    check()
    page.get_by_test_id("shirube-checklist-launcher").click()
    page.locator("[data-guide-key=xss] [data-testid=shirube-next]").click()
    expect(page.locator("[data-guide-key=xss][data-step='1']")).to_be_visible()
    check()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") == 0
    assert dialogs == []
    assert [e for e in console_errors if "pwned" in e] == []


NONCE = "t3stn0nce"


def strict_csp(live: Live) -> str:
    srv = live.base_url
    return (f"default-src 'self' {srv}; script-src 'nonce-{NONCE}' {srv}; style-src 'self'; "
            f"connect-src {srv}; img-src https:")


VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  [e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(' | ')));
"""


def test_every_guide_type_renders_under_a_strict_csp_without_violations(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    page.add_init_script(VIOLATIONS)
    live.publish(
        live.env,
        {**tour(backdrop=True), **MANUAL},
        {**tooltip("#three", key="tip"), **MANUAL},
        banner(), hotspot("#spot"), checklist(),
        {"key": "pic", "name": "Pic", "type": "modal", **MANUAL,
         "steps": [{"kind": "modal", "title": "Image", "body": "![a](https://example.com/a.png) [l](https://example.com)"}]},
    )
    # no style attributes on the page either: style-src has no 'unsafe-inline'
    host_page("<main><p><button id=one>One</button></p><br><br><p>" + "&nbsp;" * 60 + "<button id=two>Two</button></p>"
              "<br><br><p><button id=three>Three</button></p><br><br><p>" + "&nbsp;" * 30 + "<button id=spot>Spot</button></p></main>",
              csp=strict_csp(live), nonce=NONCE)
    expect(page.get_by_test_id("shirube-banner")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("shirube-hotspot")).to_be_visible()
    page.get_by_test_id("shirube-hotspot").click()
    page.get_by_test_id("shirube-checklist-launcher").click()
    expect(page.locator("[data-kind=checklist]")).to_be_visible()
    shown(page, "tour")
    tour_card = page.locator("[data-testid=shirube-guide][data-guide-key=tour]")
    expect(tour_card).to_be_visible()
    tour_card.get_by_test_id("shirube-next").click()
    expect(page.get_by_test_id("shirube-backdrop")).to_be_attached()
    expect(tour_card).to_have_attribute("data-placement", "bottom")
    shown(page, "tip")
    expect(page.locator("[data-guide-key=tip]")).to_have_attribute("data-placement", "bottom")
    shown(page, "pic")
    expect(page.locator("[data-guide-key=pic]")).to_be_visible()
    page.wait_for_timeout(500)
    # The harness's own <link rel=icon href="data:,"> (line 2 of the page) is not ours.
    v = [x for x in page.evaluate("window.__violations") if not x.startswith("img-src | data | https://app.test/app/ | 2 |")]
    assert v == []
    assert [e for e in console_errors if "Content Security Policy" in e and "'data:,'" not in e] == []
    # the guides were styled (adopted stylesheet applied under style-src 'self')
    pos = page.evaluate(f"getComputedStyle({ROOT_JS}.querySelector('[data-testid=shirube-banner]')).position")
    assert pos == "fixed"


def test_the_snippet_loads_under_strict_dynamic_with_its_nonce_on_the_preload_and_the_script(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    """'strict-dynamic' trusts the script element the nonce'd snippet adds, but not a preload
    without the nonce: the snippet puts its own nonce on both (no host allowlist here at all)."""
    page.add_init_script(VIOLATIONS)
    live.publish(live.env, banner(), checklist())
    csp = (f"default-src 'none'; script-src 'nonce-{NONCE}' 'strict-dynamic'; style-src 'self'; "
           f"connect-src {live.base_url}; img-src data:")
    host_page("<main><h1>App</h1></main>", csp=csp, nonce=NONCE)
    expect(page.get_by_test_id("shirube-banner")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("shirube-checklist-launcher")).to_be_visible()
    loaded = page.evaluate("""() => [...document.querySelectorAll('link[rel=preload], script[src]')]
        .filter((e) => (e.href || e.src).includes('/sdk/v1/shirube.js')).map((e) => [e.localName, e.nonce])""")
    assert loaded == [["link", NONCE], ["script", NONCE]]
    assert page.evaluate("window.__violations") == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []

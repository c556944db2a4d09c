"""100 show/close cycles of every guide type leave no listeners, observers, timers or
animation frames behind (counted by wrapping the browser APIs before the page runs)."""

from __future__ import annotations

from playwright.sync_api import Page

from .conftest import Live
from .test_render_helpers import MANUAL, banner, checklist, hotspot, modal, tooltip, tour

PROBE = """
(() => {
  const live = window.__live = {listeners: new Map(), observers: new Set(), timeouts: new Map(),
                                intervals: new Set(), rafs: new Set()};
  const ids = new WeakMap(); let n = 0;
  const id = (o) => { if (!ids.has(o)) ids.set(o, ++n); return ids.get(o); };
  const cap = (o) => !!(typeof o == 'boolean' ? o : o && o.capture);
  const name = (t) => t === window ? 'window' : t === document ? 'document' : (t.localName || t.constructor.name);
  const add = EventTarget.prototype.addEventListener, rem = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (t, f, o) {
    if (f) live.listeners.set(id(this) + ' ' + t + ' ' + id(f) + cap(o), name(this) + ' ' + t);
    return add.call(this, t, f, o);
  };
  EventTarget.prototype.removeEventListener = function (t, f, o) {
    if (f) live.listeners.delete(id(this) + ' ' + t + ' ' + id(f) + cap(o));
    return rem.call(this, t, f, o);
  };
  for (const C of ['MutationObserver', 'ResizeObserver', 'IntersectionObserver']) {
    const P = window[C].prototype, ob = P.observe, dc = P.disconnect;
    P.observe = function (...a) { live.observers.add(this); return ob.apply(this, a); };
    P.disconnect = function () { live.observers.delete(this); return dc.call(this); };
  }
  const st = setTimeout, ct = clearTimeout, si = setInterval, ci = clearInterval,
        ra = requestAnimationFrame, ca = cancelAnimationFrame;
  window.setTimeout = function (f, ms, ...a) {
    const i = st(function () { live.timeouts.delete(i); if (typeof f == 'function') f(...a); }, ms);
    live.timeouts.set(i, ms + 'ms ' + String(f).slice(0, 60)); return i;
  };
  window.clearTimeout = (i) => { live.timeouts.delete(i); ct(i); };
  window.setInterval = function (f, ms, ...a) { const i = si(f, ms, ...a); live.intervals.add(i); return i; };
  window.clearInterval = (i) => { live.intervals.delete(i); ci(i); };
  window.requestAnimationFrame = (f) => { const i = ra((t) => { live.rafs.delete(i); f(t); }); live.rafs.add(i); return i; };
  window.cancelAnimationFrame = (i) => { live.rafs.delete(i); ca(i); };
  window.__count = () => ({listeners: [...live.listeners.values()].sort(), observers: live.observers.size,
    timeouts: [...live.timeouts.values()], intervals: live.intervals.size, rafs: live.rafs.size});
})();
"""

CYCLES = """async (keys) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const root = () => { const h = document.querySelector('[data-shirube-root]'); return h && h.shadowRoot; };
  const until = async (sel) => {
    for (let i = 0; i < 200; i++) { const r = root(), e = r && r.querySelector(sel); if (e) return e; await frame(); }
    throw new Error('never rendered: ' + sel);
  };
  for (let k = 0; k < 100; k++) {
    const key = keys[k % keys.length];
    shirube.show(key);
    const card = await until(`[data-guide-key="${key}"]`);
    if (key == 'spot') { card.click(); await until('[data-testid=shirube-guide]'); }
    if (key == 'list') { card.click(); await frame(); }
    if (key == 'tour') { root().querySelector('[data-testid=shirube-next]').click(); await until('[data-step="1"][data-placement]'); }
    await frame();
    if (k % 2) document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
    if (root() && root().querySelector(`[data-guide-key="${key}"]`)) {
      const close = root().querySelector(`[data-testid=shirube-guide][data-guide-key="${key}"] [data-testid=shirube-close],` +
                                         `[data-testid=shirube-banner] [data-testid=shirube-close]`);
      close.click();
    }
    for (let i = 0; i < 50 && root(); i++) await frame();
    if (root()) throw new Error('host left after closing ' + key);
  }
}"""


def test_100_show_and_close_cycles_leave_nothing_behind(
    live: Live, host_page, page: Page, console_errors: list[str]  # type: ignore[no-untyped-def]
) -> None:
    page.add_init_script(PROBE)
    guides = [{**modal(), **MANUAL}, {**tooltip("#one"), **MANUAL}, {**tour(backdrop=True), **MANUAL},
              {**hotspot("#two"), **MANUAL}, {**banner(), **MANUAL}, {**checklist(), **MANUAL}]
    live.publish(live.env, *guides)
    host_page("<main><button id=one style='margin:100px'>One</button><button id=two>Two</button></main>")
    page.wait_for_function("window.shirube && window.shirube._loaded")
    # Snapshots when the core has no one-off timer pending (its event batch timer comes and goes).
    quiet = "() => { const c = __count(); return !c.timeouts.length && !c.rafs && c; }"
    page.wait_for_timeout(500)
    before = page.wait_for_function(quiet, timeout=20_000).json_value()
    page.evaluate(CYCLES, [g["key"] for g in guides])
    page.wait_for_timeout(500)
    after = page.wait_for_function(quiet, timeout=20_000).json_value()
    assert after == before, {"before": before, "after": after}
    assert page.evaluate("document.adoptedStyleSheets.length") == 0
    assert live.wait_for_events(live.env, 100, type="guide_dismissed", timeout=15)
    assert console_errors == []

"""Eyeball the renderer in Chromium: serves sdk_js/ with a strict CSP and screenshots
scenarios of dev/render.html into /tmp/shirube-shots. Not a test suite (the e2e tests
live in tests/e2e); run: .venv/bin/python sdk_js/dev/check.py [scenario ...]"""
import functools, http.server, json, os, sys, threading
from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = '/tmp/shirube-shots'
CSP = "default-src 'self'; style-src 'self'"


class H(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header('Content-Security-Policy', CSP)
        self.send_header('Cache-Control', 'no-store')
        super().end_headers()

    def log_message(self, *a):
        pass


def serve():
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=ROOT))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run']


def main(only):
    os.makedirs(OUT, exist_ok=True)
    srv = serve()
    base = f'http://127.0.0.1:{srv.server_address[1]}/dev/render.html'
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path='/usr/bin/chromium', args=ARGS)
        for name, fn in SCENARIOS.items():
            if only and name not in only:
                continue
            ctx = b.new_context(**{'viewport': {'width': 1000, 'height': 700}, **fn.__dict__.get('ctx', {})})
            page = ctx.new_page()
            logs = []
            page.on('console', lambda m: logs.append(m.text))
            page.on('pageerror', lambda e: logs.append('PAGEERROR ' + str(e)))
            try:
                fn(page, base)
            except Exception as e:  # keep going: this is for looking, not asserting
                print(f'[{name}] FAILED: {e!r}')
            page.screenshot(path=f'{OUT}/{name}.png')
            info = page.evaluate('({events, ends, violations, pwned: window.pwned})')
            if len(info['events']) > 12:
                info['events'] = info['events'][:5] + [f'... {len(info["events"]) - 10} more ...'] + info['events'][-5:]
            if info['violations']:
                info['violations'] = sorted(set(v.split(' http')[0] for v in info['violations']))
            print(f'[{name}]', json.dumps(info, ensure_ascii=False))
            for line in logs:
                if 'violates the following Content Security Policy' not in line and 'favicon' not in line and '404' not in line:
                    print('   console:', line)
            ctx.close()
        b.close()
    srv.shutdown()


def box(page, testid):
    return page.get_by_test_id(testid).bounding_box()


SCENARIOS = {}


def scenario(**ctx):
    def deco(fn):
        fn.ctx = ctx
        SCENARIOS[fn.__name__] = fn
        return fn
    return deco


@scenario()
def modal(page, base):
    page.goto(base + '?g=modal')
    page.get_by_role('dialog').wait_for()
    print('  modal box', box(page, 'shirube-guide'), 'focused:', page.evaluate(
        "document.querySelector('[data-shirube-root]').shadowRoot.activeElement?.dataset.testid"))
    print('  guide html:', page.evaluate(
        "document.querySelector('[data-shirube-root]').shadowRoot.querySelector('[data-testid=shirube-guide]').innerHTML"))


@scenario()
def modal_hostile(page, base):
    page.goto(base + '?g=modal&hostile=1')
    page.get_by_role('dialog').wait_for()
    print('  modal box', box(page, 'shirube-guide'))
    print('  host style', page.evaluate("getComputedStyle(document.querySelector('[data-shirube-root]')).cssText.length"),
          page.evaluate("(()=>{const h=document.querySelector('[data-shirube-root]');const s=getComputedStyle(h);return [s.display,s.position,s.zIndex,s.opacity,s.filter,s.transform,h.matches(':popover-open')]})()"))
    # What is on top at the dialog's centre?
    print('  top element at card centre:', page.evaluate("""(()=>{const b=document.querySelector('[data-shirube-root]').shadowRoot.querySelector('[data-testid=shirube-guide]').getBoundingClientRect();
        const e=document.elementFromPoint(b.x+b.width/2,b.y+b.height-10);return e&&(e.id||e.tagName)})()"""))


@scenario()
def tour(page, base):
    page.goto(base + '?g=tour')
    page.get_by_test_id('shirube-next').click()
    page.get_by_test_id('shirube-arrow').wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=f'{OUT}/tour-1.png')
    print('  step1 card', box(page, 'shirube-guide'), 'target', page.locator('#new-report').bounding_box())
    page.keyboard.press('ArrowRight')
    page.wait_for_timeout(300)
    page.screenshot(path=f'{OUT}/tour-2.png')
    print('  step2 card', box(page, 'shirube-guide'), 'placement', page.get_by_test_id('shirube-guide').get_attribute('data-placement'),
          'target', page.locator('#right-edge').bounding_box())
    page.get_by_test_id('shirube-next').click()
    page.wait_for_timeout(1200)
    print('  step3 card', box(page, 'shirube-guide'), 'target', page.locator('#far').bounding_box())


@scenario()
def tour_done(page, base):
    page.goto(base + '?g=tour')
    for _ in range(3):
        page.get_by_test_id('shirube-next').click()
    page.get_by_test_id('shirube-done').click()
    page.wait_for_timeout(100)
    print('  host left:', page.evaluate("!!document.querySelector('[data-shirube-root]')"))


@scenario()
def plain(page, base):
    page.goto(base + '?g=plain')
    page.get_by_test_id('shirube-next').click()
    page.locator('#search').click()
    page.wait_for_timeout(200)
    page.evaluate("ctrl.notify('done_it')")
    page.wait_for_timeout(100)


@scenario()
def backdrop_click(page, base):
    # A backdrop tour step that advances on a click on the target, through the cut-out.
    page.goto(base)
    page.evaluate('''() => { const g = structuredClone(harness.GUIDES.plain); g.key = 'bd'; g.backdrop = true;
        harness.GUIDES.bd = g; harness.show('bd'); }''')
    page.get_by_test_id('shirube-next').click()
    page.wait_for_timeout(300)
    page.screenshot(path=f'{OUT}/backdrop_click-1.png')
    print('  aria-modal on target_click step:', page.get_by_test_id('shirube-guide').get_attribute('aria-modal'))
    page.mouse.click(*(lambda b: (b['x'] + 5, b['y'] + 5))(page.locator('#search').bounding_box()))
    page.wait_for_timeout(300)
    print('  step after clicking the target:', page.get_by_test_id('shirube-guide').get_attribute('data-step'))
    # a click outside the cut-out hits the backdrop, not the page
    print('  element at (500, 400):', page.evaluate("document.elementFromPoint(500, 400).outerHTML.slice(0, 40)"))


@scenario()
def tooltip_hostile(page, base):
    page.goto(base + '?g=tooltip&hostile=1')
    page.get_by_test_id('shirube-arrow').wait_for()
    page.wait_for_timeout(200)
    print('  card', box(page, 'shirube-guide'), 'target', page.locator('#share').bounding_box())


@scenario()
def missing(page, base):
    page.goto(base + '?g=missing')
    page.wait_for_timeout(1800)


@scenario()
def strict(page, base):
    page.goto(base + '?g=strict')
    page.wait_for_timeout(1800)


@scenario()
def late(page, base):
    page.goto(base + '?g=late')
    page.wait_for_timeout(500)
    page.evaluate('harness.addLate()')
    page.get_by_test_id('shirube-guide').wait_for()
    page.wait_for_timeout(200)


@scenario()
def pause(page, base):
    page.goto(base + '?g=pause')
    page.get_by_test_id('shirube-next').click()
    page.wait_for_timeout(100)


@scenario()
def hotspot(page, base):
    page.goto(base + '?g=hotspot')
    page.get_by_test_id('shirube-hotspot').wait_for()
    page.wait_for_timeout(200)
    print('  beacon', box(page, 'shirube-hotspot'), 'target', page.locator('#share').bounding_box())
    page.get_by_test_id('shirube-hotspot').focus()
    page.keyboard.press('Enter')
    page.get_by_test_id('shirube-guide').wait_for()
    page.wait_for_timeout(200)


@scenario()
def banner(page, base):
    page.goto(base + '?g=banner')
    page.get_by_test_id('shirube-banner').wait_for()
    print('  banner', box(page, 'shirube-banner'))


@scenario(viewport={'width': 320, 'height': 600})
def narrow(page, base):
    page.goto(base + '?g=tour')
    page.get_by_test_id('shirube-next').click()
    page.wait_for_timeout(300)
    print('  card', box(page, 'shirube-guide'))


@scenario()
def checklist(page, base):
    page.goto(base + '?g=checklist')
    page.get_by_test_id('shirube-checklist-launcher').click()
    page.evaluate("ctrl.notify('report_created')")
    page.get_by_test_id('shirube-checklist-item').nth(2).click()
    page.wait_for_timeout(200)
    page.screenshot(path=f'{OUT}/checklist-open.png')
    page.evaluate("ctrl.notify('invited')")


@scenario(reduced_motion='reduce')
def esc_focus(page, base):
    page.goto(base + '?')
    page.locator('#search').focus()
    page.evaluate("harness.show('modal')")
    page.get_by_role('dialog').wait_for()
    page.keyboard.press('Tab')
    page.keyboard.press('Tab')
    page.keyboard.press('Tab')
    page.keyboard.press('Tab')
    print('  focus after 4 tabs', page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.id + ' / ' + (document.activeElement.shadowRoot && document.activeElement.shadowRoot.activeElement && document.activeElement.shadowRoot.activeElement.dataset.testid)"))
    page.keyboard.press('Escape')
    print('  focus after esc', page.evaluate("document.activeElement.id"))


@scenario()
def rerender(page, base):
    page.goto(base + '?g=tooltip')
    page.get_by_test_id('shirube-arrow').wait_for()
    page.evaluate('''() => { const c = document.querySelector('.card'); c.replaceChildren();
        const b = document.createElement('button'); b.id = 'share'; b.textContent = 'Share (new node)';
        c.append(b); c.style.paddingLeft = '400px'; }''')
    page.wait_for_timeout(600)
    print('  card', box(page, 'shirube-guide'), 'new target', page.locator('#share').bounding_box())


@scenario(reduced_motion='reduce')
def reduced(page, base):
    page.goto(base + '?g=hotspot')
    page.get_by_test_id('shirube-hotspot').wait_for()
    print('  beacon ::after animation:', page.evaluate(
        "getComputedStyle(document.querySelector('[data-shirube-root]').shadowRoot.querySelector('[data-testid=shirube-hotspot]'), '::after').animationName"))


@scenario()
def motion(page, base):
    page.goto(base + '?g=hotspot')
    page.get_by_test_id('shirube-hotspot').wait_for()
    print('  beacon ::after animation:', page.evaluate(
        "getComputedStyle(document.querySelector('[data-shirube-root]').shadowRoot.querySelector('[data-testid=shirube-hotspot]'), '::after').animationName"))


@scenario()
def banner_bottom(page, base):
    page.goto(base + '?g=banner&pos=bottom')
    page.get_by_test_id('shirube-banner').wait_for()
    print('  banner', box(page, 'shirube-banner'))
    page.get_by_test_id('shirube-close').click()


LEAK_PROBE = """
(() => {
  const live = window.__live = {listeners: new Set(), observers: new Set(), timeouts: new Set(), intervals: new Set(), rafs: new Set()};
  const key = new WeakMap(); let n = 0;
  const id = (o) => { if (!key.has(o)) key.set(o, ++n); return key.get(o); };
  const cap = (o) => !!(typeof o == 'boolean' ? o : o && o.capture);
  const add = EventTarget.prototype.addEventListener, rem = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (t, f, o) { if (f) live.listeners.add(id(this) + t + id(f) + cap(o)); return add.call(this, t, f, o); };
  EventTarget.prototype.removeEventListener = function (t, f, o) { if (f) live.listeners.delete(id(this) + t + id(f) + cap(o)); return rem.call(this, t, f, o); };
  for (const C of ['MutationObserver', 'ResizeObserver', 'IntersectionObserver']) {
    const P = window[C].prototype, ob = P.observe, dc = P.disconnect;
    P.observe = function (...a) { live.observers.add(this); return ob.apply(this, a); };
    P.disconnect = function () { live.observers.delete(this); return dc.call(this); };
  }
  const st = setTimeout, ct = clearTimeout, si = setInterval, ci = clearInterval, ra = requestAnimationFrame, ca = cancelAnimationFrame;
  window.setTimeout = (f, ms, ...a) => { const i = st(() => { live.timeouts.delete(i); typeof f == 'function' && f(...a); }, ms); live.timeouts.add(i); return i; };
  window.clearTimeout = (i) => { live.timeouts.delete(i); ct(i); };
  window.setInterval = (f, ms, ...a) => { const i = si(f, ms, ...a); live.intervals.add(i); return i; };
  window.clearInterval = (i) => { live.intervals.delete(i); ci(i); };
  window.requestAnimationFrame = (f) => { const i = ra((t) => { live.rafs.delete(i); f(t); }); live.rafs.add(i); return i; };
  window.cancelAnimationFrame = (i) => { live.rafs.delete(i); ca(i); };
  window.__count = () => Object.fromEntries(Object.entries(live).map(([k, v]) => [k, v.size]));
})();
"""


@scenario()
def leaks(page, base):
    page.add_init_script(LEAK_PROBE)
    page.goto(base)
    page.wait_for_timeout(300)
    before = page.evaluate('__count()')
    page.evaluate("""async () => {
      const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      const names = ['tour', 'plain', 'tooltip', 'hotspot', 'banner', 'checklist', 'late', 'modal', 'strict'];
      for (let k = 0; k < 100; k++) {
        const name = names[k % names.length];
        const c = harness.show(name, {targetWaitMs: 200});
        await frame();
        if (name == 'hotspot') { const r = document.querySelector('[data-shirube-root]').shadowRoot; r.querySelector('[data-testid=shirube-hotspot]').click(); await frame(); }
        if (name == 'tour' && k % 2) { c.goTo(2); await frame(); }
        if (name == 'checklist') document.querySelector('[data-shirube-root]').shadowRoot.querySelector('[data-testid=shirube-checklist-launcher]').click();
        c.destroy();
      }
      // and a few that end by themselves
      for (const name of ['missing', 'tooltip', 'pause']) {
        const c = harness.show(name, {targetWaitMs: 100});
        await new Promise(r => setTimeout(r, 250));
        const r = document.querySelector('[data-shirube-root]');
        const b = r && r.shadowRoot.querySelector('[data-testid=shirube-done],[data-testid=shirube-next]');
        if (b) b.click();
        await frame();
      }
    }""")
    page.wait_for_timeout(500)
    after = page.evaluate('__count()')
    print('  live before', before, 'after 100 cycles', after, 'host left:', page.evaluate("!!document.querySelector('[data-shirube-root]')"),
          'document sheets left:', page.evaluate('document.adoptedStyleSheets.length'))


if __name__ == '__main__':
    main(sys.argv[1:])

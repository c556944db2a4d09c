"""SDK paint latency and long tasks, in Debian's Chromium against a real server.

1. Paint: a customer page (https://bench.shirube.test, fulfilled by Playwright) embeds the
   stub; a guide that shows on page load is published. Measured in the page:
   responseEnd of the /bootstrap request (Resource Timing) → the SDK's `guide:shown`
   (card placed and visible) and → the next animation frame after it (the frame that
   paints it). Budget: ≤ 50 ms to that frame. Modal and tooltip guides, N fresh loads each.
   Only the page itself is fulfilled by Playwright (a route used once, see main()), so by the
   time the SDK asks for /bootstrap no DevTools request interception is in its path.
2. Long tasks: the demo app (/demo/, SHIRUBE_DEMO=1, demo guides published) loaded N times;
   Long Animation Frames (PerformanceObserver 'long-animation-frame', which names the
   scripts that ran) over 50 ms that contain SDK script time (sourceURL /sdk/v1/shirube.js),
   and all 'longtask' entries for context. Budget: none caused by the SDK — a frame that
   would have been within 50 ms without the SDK's script time in it (both counts reported).
   Also: when the first guide reached the page, after navigation.

Usage: .venv/bin/python bench/sdk_paint.py [--runs 10] [--record] [--note TEXT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    ORIGIN, append_results, free_port, migrate, running, server_env, shirube_command, sqlite_url, table, verdict,
)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUDGET_MS = 50.0

# The page says when it has both times with a console message, which Playwright only listens
# for: waiting with page.wait_for_function() instead evaluated Playwright's injected script (a
# ~330 KB DevTools message, ~25 ms of main thread) in the page right after the load event, in
# the very window measured, as the /bootstrap response came in.
DONE = "shirube-paint-done"
PROBE = """{
window.__paint = {};
const done = () => window.__paint.frame && window.__paint.bootstrapEnd && console.debug('%s');
new PerformanceObserver((l) => { for (const e of l.getEntries())
  if (e.name.includes('/bootstrap')) window.__paint.bootstrapEnd = e.responseEnd, done(); }).observe({type: 'resource', buffered: true});
window.__shown = () => { const t = performance.now(); window.__paint.shown = t;
  requestAnimationFrame(() => { window.__paint.frame = performance.now(); done(); }); };
}""" % DONE

LONG = """
window.__long = {loaf: [], tasks: []};
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.tasks.push(e.duration); })
  .observe({type: 'longtask', buffered: true}); } catch (e) {}
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) {
  const sdk = (e.scripts || []).filter((s) => (s.sourceURL || '').includes('/sdk/v1/shirube.js'));
  window.__long.loaf.push({duration: e.duration, block: e.blockingDuration, sdk: sdk.reduce((a, s) => a + s.duration, 0),
    scripts: sdk.map((s) => [s.invokerType, String(s.invoker).split('/').pop(), s.sourceFunctionName, Math.round(s.duration),
                             Math.round(s.forcedStyleAndLayoutDuration)].join(' '))});
} }).observe({type: 'long-animation-frame', buffered: true}); } catch (e) {}
// When the first guide reached the page (the SDK's host element attached): what starting the SDK
// after the page's load costs the demo's users.
new MutationObserver((l, o) => { if (document.querySelector('[data-shirube-root]')) {
  window.__long.firstGuide = performance.now(); o.disconnect(); } })
  .observe(document, {childList: true, subtree: true});
"""

GUIDES = {
    "modal": {"key": "hello", "name": "Hello", "type": "modal",
              "steps": [{"kind": "modal", "title": "Welcome", "body": "A **short** welcome."}]},
    "tooltip": {"key": "tip", "name": "Tip", "type": "tooltip",
                "steps": [{"kind": "tooltip", "title": "Here", "body": "This button.", "target": "#t"}]},
}


def host_html(base: str, key: str, user: str) -> str:
    stub = (Path(__file__).resolve().parent.parent / "server/static/sdk/stub.min.js").read_text().strip()
    stub = stub.replace("__SHIRUBE_HOST__", base)
    return (f"<!doctype html><html><head><meta charset=utf-8><link rel=icon href='data:,'><script>{stub}</script>"
            f"<script>shirube('init', {{key: {json.dumps(key)}, host: {json.dumps(base)}}});"
            f"shirube('on', 'guide:shown', () => window.__shown());"
            f"shirube('identify', {json.dumps(user)}, {{}});</script></head>"
            f"<body><main><h1>App</h1><button id=t style='margin:100px'>Target</button></main></body></html>")


def fulfil(html: str):  # type: ignore[no-untyped-def]
    """A route handler serving `html` (one parameter: Playwright passes (route, request) to two)."""
    return lambda route: route.fulfill(status=200, content_type="text/html", body=html)


def setup(url: str, base: str) -> dict[str, str]:
    """Environments: one per paint guide (allowing ORIGIN), and the demo one with its guides."""
    import yaml

    from server.db import Database
    from server.demo import DEMO_GUIDES_DIR, ensure_demo_environment
    from server.guides.service import import_guide_files
    from server.settings import Settings
    from server.workspaces.service import create_environment, get_or_create_workspace

    db = Database(Settings(database_url=url, environment="test"))
    keys = {}
    try:
        with db.session() as s, tempfile.TemporaryDirectory() as d:
            ws = get_or_create_workspace(session=s, name="Bench")
            for name, guide in GUIDES.items():
                made = create_environment(session=s, workspace=ws, name=f"paint-{name}", origins=[ORIGIN])
                s.commit()
                p = Path(d) / f"{name}.yaml"
                p.write_text(yaml.safe_dump(guide))
                import_guide_files(session=s, environment=made.environment, paths=[p], draft=False, author="bench")
                keys[name] = made.environment.publishable_key
            demo = ensure_demo_environment(session=s, origins=[base])
            import_guide_files(session=s, environment=demo.environment,
                               paths=sorted(Path(DEMO_GUIDES_DIR).glob("*.yaml")), draft=False, author="bench")
    finally:
        db.dispose()
    return keys


@contextmanager
def paint_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh SQLite database with the paint and demo guides, and shirube serving it: (base URL, keys)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_url(Path(tmp), "paint")
        migrate(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        keys = setup(url, base)
        env = {**server_env(url), "SHIRUBE_DEMO": "1", "SHIRUBE_PUBLIC_URL": base}
        with running("shirube", shirube_command(port, 1), port, env):
            yield base, keys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    ap.add_argument("--note", default="")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with paint_server() as (base, keys):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
            paint: dict[str, list[tuple[float, float]]] = {k: [] for k in GUIDES}
            for run in range(args.runs + 1):  # run 0 warms the server and the HTTP cache; not counted
                for name in GUIDES:
                    ctx = browser.new_context(permissions=["local-network-access"])
                    page = ctx.new_page()
                    html = host_html(base, keys[name], f"u{run}")
                    # times=1: once the page is served, Playwright turns request interception off
                    # again. While any route is set it intercepts *every* request (Fetch.enable with
                    # "*"), and the /bootstrap response then reached the page through the browser
                    # process's DevTools interceptor: ~12 ms (median, up to ~40) between its
                    # responseEnd and the SDK's fetch() resolving, which no real page pays.
                    page.route(f"{ORIGIN}/**", fulfil(html), times=1)
                    page.add_init_script(PROBE)
                    with page.expect_console_message(lambda m: m.text == DONE, timeout=15_000):
                        page.goto(f"{ORIGIN}/app/")
                    p = page.evaluate("window.__paint")
                    if run:
                        paint[name].append((p["shown"] - p["bootstrapEnd"], p["frame"] - p["bootstrapEnd"]))
                    ctx.close()
            long_rows = []
            for run in range(args.runs):
                ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                page = ctx.new_page()
                page.add_init_script(LONG)
                page.goto(f"{base}/demo/#/dashboard")
                page.wait_for_timeout(2500)  # the welcome tour waits 500 ms; checklist, hotspot, banner at once
                page.goto(f"{base}/demo/#/reports")
                page.wait_for_timeout(1500)
                long_rows.append(page.evaluate("window.__long"))
                ctx.close()
            browser.close()

    rows = []
    ok = True
    for name, values in paint.items():
        shown = [v[0] for v in values]
        frame = [v[1] for v in values]
        ok = ok and max(frame) <= BUDGET_MS
        rows.append([name, args.runs, f"{statistics.median(shown):.1f}", f"{max(shown):.1f}",
                     f"{statistics.median(frame):.1f}", f"{max(frame):.1f}"])
    sdk_long = [f for r in long_rows for f in r["loaf"] if f["sdk"] > 0 and f["duration"] > 50]
    # Caused by the SDK: the frame would have been within 50 ms without the SDK's script time
    # in it (or that time alone is over 50 ms). A frame the page's own work makes long is long
    # whatever SDK task also ran in it; only script time is taken off (style and layout the SDK
    # caused stay in the frame), so this leans against the SDK.
    caused = [f for f in sdk_long if f["duration"] - f["sdk"] <= 50 or f["sdk"] > 50]
    all_loaf = [f["duration"] for r in long_rows for f in r["loaf"]]
    tasks = [t for r in long_rows for t in r["tasks"]]
    first = [r["firstGuide"] for r in long_rows if r.get("firstGuide")]
    body = "\n".join([
        args.note,
        "",
        "Paint: ms from the /bootstrap responseEnd to `guide:shown` and to the next animation frame (fresh context per load).",
        "",
        table(["guide", "runs", "→ shown median", "→ shown max", "→ frame median", "→ frame max"], rows),
        "",
        f"Budget ≤ {BUDGET_MS:.0f} ms to the frame (max): {verdict(ok)}",
        "",
        f"Long tasks on /demo/ ({args.runs} loads, dashboard then reports): long animation frames > 50 ms with SDK"
        f" script time: {len(sdk_long)}{' ' + json.dumps(sdk_long[:5]) if sdk_long else ''};"
        f" of them caused by the SDK (≤ 50 ms without its script time): {len(caused)};"
        f" all long animation frames: {len(all_loaf)} (max {max(all_loaf, default=0):.0f} ms);"
        f" all longtask entries: {len(tasks)} (max {max(tasks, default=0):.0f} ms)."
        f" First guide on the page (its host element attached) at {statistics.median(first):.0f} ms after navigation"
        f" (median; {min(first):.0f}–{max(first):.0f}; {len(first)} of {args.runs} loads).",
        "",
        f"Budget: no long task caused by the SDK: {verdict(not caused)}"
        f" (long frames with any SDK script in them: {len(sdk_long)})",
    ])
    print(body)
    if args.record:
        append_results("SDK paint latency and long tasks (Chromium)", body)


if __name__ == "__main__":
    main()

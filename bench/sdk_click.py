"""Cost of the SDK's delegated feature-tagging click listener, in Debian's Chromium.

A customer page (https://bench.shirube.test, fulfilled by Playwright) with 5,000 elements
embeds the SDK; the environment has 50 features with one click rule each, the shape the
visual picker saves (three candidate selectors — data attribute, id, nth-of-type path —
text, normal or strict). In the page, `performance.now()` around dispatching 1,000
synthetic bubbling clicks, with the SDK's listener and without it (the same page before
`init`, and after `shirube._debug.teardown()` removed it; both orders, so warm-up and
garbage collection do not favour one side). Reported: the per-click difference, for
clicks on random elements (almost all untagged: the common case) and on tagged ones
(matching, text check and one `feature_used` queued per click). Budget (issue 5):
≤ 0.1 ms per click. Also the size of the lazy survey chunk (budget ≤ 4 KB gzip).

Usage: .venv/bin/python bench/sdk_click.py [--rounds 7] [--record] [--note TEXT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    ORIGIN,
    ROOT,
    append_results,
    create_bench_environment,
    free_port,
    load_note,
    migrate,
    running,
    server_env,
    shirube_command,
    sqlite_url,
    table,
    verdict,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=LocalNetworkAccessChecks",
]  # public page → SDK on loopback (tests/e2e/conftest.py)
BUDGET_MS = 0.1
CHUNK_BUDGET = 4096
FEATURES = 50
CLICKS = 1000

# 100 sections × (section, heading, list + 8 rows × (li, span, 3 buttons, icon)) + the rest ≈ 5,100 elements.
PAGE_JS = """
const main = document.querySelector('main');
for (let s = 0; s < 100; s++) {
  const sec = document.createElement('section');
  sec.innerHTML = `<h3>Section ${s}</h3><ul>` + Array.from({length: 8}, (_, r) =>
    `<li><span>Row ${r}</span><button data-action="act-${s}-${r}" id="b-${s}-${r}">Export <i>csv</i></button>` +
    `<button>Edit</button><button>Delete</button></li>`).join('') + '</ul>';
  main.append(sec);
}
"""

MEASURE = """
([n, tagged]) => {
  const all = [...document.querySelectorAll('main *')];
  const pool = tagged ? [...document.querySelectorAll('[data-tagged] i, [data-tagged]')] : all;
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const targets = Array.from({length: n}, () => pool[Math.floor(rnd() * pool.length)]);
  const t0 = performance.now();
  for (const el of targets) el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, composed: true}));
  return (performance.now() - t0) / n;
}
"""


def features() -> list[tuple[str, list[dict[str, Any]]]]:
    """50 features on rows spread over the page, as the picker would save them."""
    out = []
    for i in range(FEATURES):
        s, r = (i * 37) % 100, i % 7
        strictness = "strict" if i % 10 == 0 else "normal"
        target: dict[str, Any] = {
            "selectors": [
                f"[data-action=act-{s}-{r}]",
                f"#b-{s}-{r}",
                f"main > section:nth-of-type({s + 1}) > ul > li:nth-of-type({r + 1}) > button:nth-of-type(1)",
            ],
            "text": "Export",
            "strictness": strictness,
        }
        out.append((f"feature-{i}", [{"kind": "click", "target": target}]))
    return out


def host_html(base: str, key: str, tagged: list[str]) -> str:
    stub = (
        (ROOT / "server/static/sdk/stub.min.js")
        .read_text()
        .strip()
        .replace("__SHIRUBE_HOST__", base)
    )
    mark = "".join(
        f"document.querySelector({json.dumps(sel)}).setAttribute('data-tagged', '');"
        for sel in tagged
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><link rel=icon href='data:,'><script>{stub}</script>"
        f"<script>window.__start = () => {{ shirube('init', {{key: {json.dumps(key)}, host: {json.dumps(base)}}});"
        f"shirube('identify', 'bench-user', {{}}); }};</script></head>"
        f"<body><main></main><script>{PAGE_JS}{mark}</script></body></html>"
    )


def chunk_sizes() -> tuple[int, int]:
    raw = (ROOT / "server/static/sdk/shirube-survey.js").read_bytes()
    return len(raw), len(gzip.compress(raw, 9, mtime=0))


def _measure_page(
    browser: Any, html: str, order: str, rounds: int, results: dict[str, dict[str, list[float]]]
) -> int:
    """One fresh page: measure without and with the SDK's listener, in `order`."""
    page = browser.new_context().new_page()
    page.route(
        f"{ORIGIN}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html)
    )
    page.goto(f"{ORIGIN}/app/")
    page.wait_for_function("() => window.shirube && shirube._loaded")

    def start() -> None:
        page.evaluate("() => window.__start()")
        page.wait_for_function("() => shirube._debug.state().ready")

    def stop() -> None:
        page.evaluate("() => shirube._debug.teardown()")  # removes the listener (disposer)

    sides = [("with", start), ("without", stop)]
    if order == "without-first":
        sides = [("without", lambda: None), ("with", start)]
    for side, before in sides:
        before()
        for kind in ("random", "tagged"):
            page.evaluate(MEASURE, [CLICKS, kind == "tagged"])  # warm-up
            for _ in range(rounds):
                results[kind][side].append(page.evaluate(MEASURE, [CLICKS, kind == "tagged"]))
    elements = int(page.evaluate("() => document.getElementsByTagName('*').length"))
    page.context.close()
    return elements


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--rounds", type=int, default=7, help="measurements per side and order (median reported)"
    )
    ap.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    ap.add_argument("--note", default="", help="a line for RESULTS.md")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from server.db import Database
    from server.features.service import create_feature
    from server.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_url(Path(tmp), "click")
        migrate(url)
        env_id, key = create_bench_environment(url)
        db = Database(Settings(database_url=url, environment="test"))
        with db.session() as s:
            for fkey, rules in features():
                create_feature(session=s, environment_id=env_id, key=fkey, name=fkey, rules=rules)
            s.commit()
        db.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        tagged = [rules[0]["target"]["selectors"][0] for _, rules in features()]  # type: ignore[index]
        html = host_html(base, key, tagged)
        results: dict[str, dict[str, list[float]]] = {
            k: {"with": [], "without": []} for k in ("random", "tagged")
        }
        elements = 0
        with (
            running("shirube", shirube_command(port, 1), port, server_env(url)),
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            try:
                for order in ("with-first", "without-first"):
                    elements = _measure_page(browser, html, order, args.rounds, results)
            finally:
                browser.close()

    rows, ok = [], True
    for kind, label in (
        ("random", "random elements (mostly untagged)"),
        ("tagged", "tagged elements"),
    ):
        w = statistics.median(results[kind]["with"])
        wo = statistics.median(results[kind]["without"])
        diff = w - wo
        ok = ok and diff <= BUDGET_MS
        rows.append([label, f"{wo * 1000:.1f}", f"{w * 1000:.1f}", f"{diff * 1000:.1f}"])
    raw, gz = chunk_sizes()
    body = (
        (args.note + "\n\n" if args.note else "")
        + f"Page: {elements} elements, {FEATURES} features (one click rule each, 3 candidate selectors, text, "
        + f"every 10th strict); {CLICKS} synthetic clicks per measurement, median of {args.rounds * 2} "
        + "(two page loads: SDK listener first / last).\n\n"
        + table(
            ["clicks on", "µs/click without SDK", "µs/click with SDK", "SDK listener µs/click"],
            rows,
        )
        + f"\n\nBudget ≤ {BUDGET_MS * 1000:.0f} µs per click: {verdict(ok)}\n\n"
        + f"Survey chunk shirube-survey.js: {raw} bytes raw, {gz} bytes gzip -9 (budget {CHUNK_BUDGET}): "
        + f"{verdict(gz <= CHUNK_BUDGET)}\n\n{load_note()}\n"
    )
    print(body)
    if args.record:
        append_results("SDK feature-tagging click cost and survey chunk size (Chromium)", body)


if __name__ == "__main__":
    main()

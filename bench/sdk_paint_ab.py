"""A/B paint latency: two builds of shirube.js, interleaved in one run on one machine.

The same page and measure as bench/sdk_paint.py (ms from the /bootstrap responseEnd to the
animation frame after `guide:shown`), but every load alternates between two builds, in
alternating order, so a busy machine's noise hits both alike: "current" (`--current FILE`,
default server/static/sdk/shirube.js) and "before" (`--before FILE`, e.g. a bundle built
from an older commit). Both are served the same way (from memory, through Playwright's
routing). `--before` = `--current` is the A/A control: how far apart two equal builds land.

Usage: .venv/bin/python bench/sdk_paint_ab.py --before /path/to/old/shirube.js [--current FILE] [--runs 10]
       [--guides modal tooltip] [--record] [--note TEXT]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ORIGIN, append_results, table  # noqa: E402
from bench.sdk_paint import CHROMIUM_ARGS, GUIDES, PROBE, fulfil, host_html, paint_server  # noqa: E402


def serve(body: str):  # type: ignore[no-untyped-def]
    """A route handler answering with this bundle (one parameter, see sdk_paint.fulfil)."""
    return lambda route: route.fulfill(status=200, content_type="application/javascript", body=body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the other shirube.js build")
    ap.add_argument("--current", default=str(Path(__file__).resolve().parent.parent / "server/static/sdk/shirube.js"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--guides", nargs="+", default=list(GUIDES), choices=list(GUIDES))
    ap.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    ap.add_argument("--note", default="")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    builds = {"before": Path(args.before).read_text(), "current": Path(args.current).read_text()}
    frames: dict[tuple[str, str], list[float]] = {(g, b): [] for g in args.guides for b in builds}
    with paint_server() as (base, keys):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
            for run in range(args.runs + 1):  # run 0 warms up; not counted
                for name in args.guides:
                    order = list(builds) if run % 2 else list(builds)[::-1]
                    for build in order:
                        ctx = browser.new_context(permissions=["local-network-access"])
                        page = ctx.new_page()
                        page.route(f"{ORIGIN}/**", fulfil(host_html(base, keys[name], f"{build}{run}")))
                        page.route("**/sdk/v1/shirube.js", serve(builds[build]))
                        page.add_init_script(PROBE)
                        page.goto(f"{ORIGIN}/app/")
                        page.wait_for_function("window.__paint.frame && window.__paint.bootstrapEnd", timeout=15_000)
                        p = page.evaluate("window.__paint")
                        if run:
                            frames[(name, build)].append(p["frame"] - p["bootstrapEnd"])
                        ctx.close()
            browser.close()

    rows = [[g, b, len(v), f"{statistics.median(v):.1f}", f"{max(v):.1f}"] for (g, b), v in frames.items()]
    body = "\n".join([
        args.note,
        "",
        f"A/B, interleaved (alternating order per run): ms from the /bootstrap responseEnd to the frame after"
        f" `guide:shown`; before = `{args.before}`, current = `{args.current}`.",
        "",
        table(["guide", "build", "runs", "→ frame median", "→ frame max"], rows),
    ])
    print(body)
    if args.record:
        append_results("SDK paint latency A/B (Chromium)", body)


if __name__ == "__main__":
    main()

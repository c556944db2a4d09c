"""A small progress bar for the CLI (stderr; quiet when not a terminal unless forced)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int, label: str, stream=None) -> Iterator[T]:  # type: ignore[no-untyped-def]
    """Yield items while drawing `label [#####.....] 5/10` on stderr."""
    out = stream or sys.stderr
    tty = hasattr(out, "isatty") and out.isatty()
    start = time.monotonic()
    last = 0.0
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if tty and (now - last > 0.1 or done == total):
            last = now
            width = 30
            filled = int(width * done / max(total, 1))
            out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            out.flush()
    if tty:
        out.write("\n")
    elif total:
        out.write(f"{label}: {done}/{total} in {time.monotonic() - start:.1f}s\n")
    out.flush()

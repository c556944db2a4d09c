"""`run(coro)`: asyncio.run in a fresh thread.

Playwright's sync API (the browser tests) leaves its event loop marked as running in the
main thread of the pytest process for the rest of the session, so a plain asyncio.run in
a later test of the same xdist worker raises "cannot be called from a running event
loop". A thread of its own has no running loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1, thread_name_prefix="test-asyncio") as pool:
        return pool.submit(asyncio.run, coro).result()

"""URL rules matched on the server exactly as the SDK matches them (sdk_js/src/url.js).

Used to tag stored `page_view` events retroactively. The URL is parsed relative to
`http://x`; `query` requires those parameters; the value is matched against
`pathname + search + hash`. `exact` and `glob` patterns without `?`/`#` also accept the
bare pathname; `exact` ignores a trailing slash then. `glob`: `*` is any run of characters.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit


@functools.lru_cache(maxsize=1024)
def glob_re(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression: `*` is any run of characters (also `/`)."""
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$", re.S)


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _trim(path: str) -> str:
    return (path.rstrip("/") or "/") if len(path) > 1 else path


def match_url(rule: dict[str, Any] | None, url: str | None) -> bool:
    """Does `url` (full URL or path) satisfy `rule`? None rule: every page; bad URL: no."""
    if not rule:
        return True
    if not isinstance(url, str):
        return False
    try:
        absolute = url if "://" in url else "http://x" + ("" if url.startswith("/") else "/") + url
        parts = urlsplit(absolute)
    except ValueError:
        return False
    pathname = parts.path or "/"
    query = rule.get("query")
    if query:
        params = parse_qs(parts.query, keep_blank_values=True)
        for key, want in query.items():
            if (params.get(key) or [""])[0] != str(want) or key not in params:
                return False
    value = "" if rule.get("value") is None else str(rule["value"])
    match = rule.get("match")
    if value == "" and match != "exact":
        return True
    path = pathname + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")
    bare = not re.search(r"[?#]", value)
    if match == "exact":
        return value == path or (bare and _trim(value) == _trim(pathname))
    if match == "prefix":
        return path.startswith(value)
    if match == "glob":
        rx = glob_re(value)
        return bool(rx.match(path) or (bare and rx.match(pathname)))
    if match == "regex":
        compiled = _regex(value)
        return bool(compiled and compiled.search(path))
    return False

"""Bounds on client JSON: depth, sizes, finite numbers. Checked once at the edge."""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 6
MAX_STRING = 8192
MAX_KEYS = 200
MAX_LIST = 500
MAX_INT = 2**53  # what a JavaScript client can represent exactly


class JsonLimitError(ValueError):
    """A JSON value exceeds one of the limits above."""


def within_limits(value: Any, depth: int = 0) -> bool:
    """True when `value` is surely within every limit (the hot path: one loop, no recursion).

    False means "maybe not": `check_json` then walks it again to name the offending path.
    Containers at the depth limit answer False even when empty, to keep this loop simple.
    """
    if depth > MAX_DEPTH:
        return False
    stack = [(value, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        v, d = pop()
        t = type(v)
        if t is str:
            if len(v) > MAX_STRING or "\x00" in v:
                return False
        elif t is dict:
            if d >= MAX_DEPTH or len(v) > MAX_KEYS:
                return False
            for k, x in v.items():
                if type(k) is not str or len(k) > 200 or "\x00" in k:
                    return False
                tx = type(x)
                if tx is str:
                    if len(x) > MAX_STRING or "\x00" in x:
                        return False
                elif tx is int:
                    if x > MAX_INT or x < -MAX_INT:
                        return False
                elif tx is not bool and x is not None:
                    push((x, d + 1))
        elif t is list:
            if d >= MAX_DEPTH or len(v) > MAX_LIST:
                return False
            for x in v:
                push((x, d + 1))
        elif t is int:
            if v > MAX_INT or v < -MAX_INT:
                return False
        elif t is float:
            if not math.isfinite(v) or abs(v) > MAX_INT:
                return False
        elif t is not bool and v is not None:
            return False
    return True


def check_json(value: Any, *, depth: int = 0, path: str = "") -> None:
    """Raise JsonLimitError (naming the path) when `value` exceeds a limit."""
    if not path and within_limits(value, depth):
        return
    _check(value, depth=depth, path=path)


def _check(value: Any, *, depth: int = 0, path: str = "") -> None:
    if depth > MAX_DEPTH:
        raise JsonLimitError(f"{path or 'value'}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise JsonLimitError(f"{path or 'value'}: strings must not contain NUL characters")
        if len(value) > MAX_STRING:
            raise JsonLimitError(f"{path or 'value'}: string longer than {MAX_STRING} characters")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise JsonLimitError(f"{path or 'value'}: integer out of range (|n| ≤ 2^53)")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_INT:
            raise JsonLimitError(f"{path or 'value'}: number must be finite and |n| ≤ 2^53")
    elif isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise JsonLimitError(f"{path or 'value'}: more than {MAX_KEYS} keys")
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > 200 or "\x00" in k:
                raise JsonLimitError(f"{path or 'value'}: keys must be strings of ≤ 200 characters")
            _check(v, depth=depth + 1, path=f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        if len(value) > MAX_LIST:
            raise JsonLimitError(f"{path or 'value'}: more than {MAX_LIST} items")
        for i, v in enumerate(value):
            _check(v, depth=depth + 1, path=f"{path}[{i}]")
    else:
        raise JsonLimitError(f"{path or 'value'}: unsupported type {type(value).__name__}")


def reject_nul(value: str) -> str:
    """A pydantic validator: PostgreSQL cannot store NUL in text, so no id or name may hold one."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value

"""Shared helpers of the renderer browser tests (test_render_*.py); no tests here.

Guides are published on the live server in the guide-file format and reach the page
through a real bootstrap; the DOM is read through the open shadow root
(get_by_test_id / get_by_role pierce it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

ROOT_JS = "document.querySelector('[data-shirube-root]').shadowRoot"

Box = dict[str, float]


def modal(key: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "Hello", "type": "modal",
            "steps": [{"kind": "modal", "title": "Welcome aboard",
                       "body": "A short **paragraph** with [a link](https://example.com)."}],
            **extra}


def tooltip(target: str, placement: str = "bottom", key: str = "tip", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "Tip", "type": "tooltip",
            "steps": [{"kind": "tooltip", "title": "Tip", "body": "Points at the target.",
                       "target": target, "placement": placement}],
            **extra}


def tour(key: str = "tour", backdrop: bool = False, **extra: Any) -> dict[str, Any]:
    """A modal step, then tooltips on #one and #two."""
    return {"key": key, "name": "Tour", "type": "tour", "backdrop": backdrop,
            "steps": [
                {"kind": "modal", "title": "Welcome", "body": "Let's look around."},
                {"kind": "tooltip", "title": "First", "body": "This is one.", "target": "#one",
                 "placement": "bottom"},
                {"kind": "tooltip", "title": "Second", "body": "This is two.", "target": "#two",
                 "placement": "right"},
            ], **extra}


def hotspot(target: str, key: str = "spot", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "Spot", "type": "hotspot",
            "steps": [{"kind": "hotspot", "title": "New here", "body": "Look at this.",
                       "target": target, "placement": "right"}], **extra}


def banner(position: str = "top", key: str = "ban", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "Banner", "type": "banner",
            "steps": [{"kind": "banner", "body": "Maintenance on Sunday. [Status](https://status.example.com)",
                       "position": position}], **extra}


def checklist(key: str = "list", **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": "Getting started", "type": "checklist", "frequency": "until_completed",
            "steps": [
                {"kind": "checklist_item", "title": "Create a report", "body": "Reports page.",
                 "complete_event": "report_created"},
                {"kind": "checklist_item", "title": "Invite a teammate", "body": "Settings.",
                 "complete_event": "invite_sent"},
            ], **extra}


MANUAL = {"trigger": {"on": "manual"}}


def box(page: Page, testid: str = "shirube-guide") -> Box:
    b = page.get_by_test_id(testid).bounding_box()
    assert b is not None, f"{testid} has no box"
    return b


def el_box(page: Page, selector: str) -> Box:
    b = page.locator(selector).bounding_box()
    assert b is not None, f"{selector} has no box"
    return b


def settle(fn: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 2.0) -> Any:
    """Call fn until ok(value) or timeout; returns the last value (assert on it)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if ok(v) or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def placement_error(card: Box, target: Box, placement: str, gap: float = 12.0) -> float:
    """How far (px) the card is from where `placement` puts it next to `target` (centred, `gap` away)."""
    side = placement.split("-")[0]
    cx, cy = card["x"] + card["width"] / 2, card["y"] + card["height"] / 2
    tx, ty = target["x"] + target["width"] / 2, target["y"] + target["height"] / 2
    if side == "bottom":
        return max(abs(card["y"] - (target["y"] + target["height"] + gap)), abs(cx - tx))
    if side == "top":
        return max(abs(card["y"] + card["height"] - (target["y"] - gap)), abs(cx - tx))
    if side == "right":
        return max(abs(card["x"] - (target["x"] + target["width"] + gap)), abs(cy - ty))
    return max(abs(card["x"] + card["width"] - (target["x"] - gap)), abs(cy - ty))


def shown(page: Page, key: str) -> None:
    """shirube.show(key) through the public call style (queued until the SDK is ready)."""
    page.evaluate("(k) => shirube('show', k)", key)


def in_viewport(page: Page, b: Box) -> bool:
    vw, vh = page.evaluate("[innerWidth, innerHeight]")
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= vw + 0.5 and b["y"] + b["height"] <= vh + 0.5

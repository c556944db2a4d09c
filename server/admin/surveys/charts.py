"""Chart geometry for the results pages, computed on the server (pure functions).

The templates draw inline SVG from these numbers — no charting library, no script, and
no `style=` attributes (the admin's CSP has no 'unsafe-inline'): sizes are SVG attributes.
Every chart is paired with a table of the same numbers for screen readers and keyboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str


def bars(values: Sequence[float], labels: Sequence[str], *, width: float = 440,
         height: float = 160, gap: float = 4) -> list[Bar]:
    """Vertical bars filling `width` × `height`, scaled to the largest value (a zero-height
    bar for 0; a 1-unit sliver for tiny non-zero values so they stay visible)."""
    if not values:
        return []
    top = max(max(values), 1)
    step = width / len(values)
    out = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = 0.0 if value <= 0 else max(height * value / top, 1.0)
        out.append(Bar(x=round(i * step + gap / 2, 2), y=round(height - h, 2),
                       width=round(max(step - gap, 1), 2), height=round(h, 2),
                       value=value, label=label))
    return out


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: float
    label: str


def line(values: Sequence[float | None], labels: Sequence[str], *, low: float, high: float,
         width: float = 440, height: float = 120, pad: float = 6) -> list[Point]:
    """Points of a line chart over [low, high] (None values are skipped)."""
    n = len(values)
    span = (high - low) or 1
    out = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        if value is None:
            continue
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = pad + (height - 2 * pad) * (1 - (value - low) / span)
        out.append(Point(x=round(x, 2), y=round(y, 2), value=value, label=label))
    return out


def polyline(points: Sequence[Point]) -> str:
    """The `points` attribute of an SVG <polyline>."""
    return " ".join(f"{p.x},{p.y}" for p in points)


def scale_y(value: float, *, low: float, high: float, height: float = 120,
            pad: float = 6) -> float:
    """The y of `value` on the same scale as `line` (for guide lines such as NPS 0)."""
    return round(pad + (height - 2 * pad) * (1 - (value - low) / ((high - low) or 1)), 2)

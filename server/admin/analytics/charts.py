"""Chart geometry for the dashboards, computed on the server (pure functions).

Charts are inline SVG drawn by the templates from these numbers: no script, no charting
library to ship, nothing for the CSP to allow (sizes are SVG attributes, never `style=`),
and they print and render without JavaScript. Every chart sits next to a table of the
same numbers (screen readers, keyboards, CSV), so the SVG itself is `role="img"` with a
text summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 180
PAD = 8


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str


def bars(values: Sequence[float], labels: Sequence[str], *, width: float = WIDTH,
         height: float = HEIGHT, gap: float = 6) -> list[Bar]:
    """Vertical bars filling `width` × `height`, scaled to the largest value; a non-zero
    value is at least 1 unit tall so it stays visible."""
    if not values:
        return []
    top = max(max(values), 1)
    step = width / len(values)
    out = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = 0.0 if value <= 0 else max(height * value / top, 1.0)
        out.append(Bar(round(i * step + gap / 2, 2), round(height - h, 2),
                       round(max(step - gap, 1), 2), round(h, 2), value, label))
    return out


def hbars(values: Sequence[float], labels: Sequence[str], *, width: float = WIDTH,
          row: float = 30, gap: float = 8) -> list[Bar]:
    """Horizontal bars (a funnel): one row per value, scaled to the largest."""
    top = max(max(values, default=0), 1)
    return [Bar(0, round(i * row + gap / 2, 2),
                round(0 if v <= 0 else max(width * v / top, 1.0), 2), row - gap, v, label)
            for i, (v, label) in enumerate(zip(values, labels, strict=True))]


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True, slots=True)
class Line:
    points: list[Point]
    polyline: str
    band: str          # SVG polygon points of the band (empty without one)
    zero_y: float | None
    low: float
    high: float


def _y(value: float, low: float, high: float, height: float) -> float:
    return round(PAD + (height - 2 * PAD) * (1 - (value - low) / ((high - low) or 1)), 2)


def line(values: Sequence[float | None], labels: Sequence[str], *, low: float, high: float,
         band: Sequence[tuple[float, float] | None] | None = None, width: float = WIDTH,
         height: float = HEIGHT) -> Line:
    """A line over [low, high] (None values skipped) with an optional band (lo, hi) per
    point — the NPS margin of error — clipped to the scale."""
    n = len(values)
    xs = [PAD + (width - 2 * PAD) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    points = [Point(round(xs[i], 2), _y(v, low, high, height), v, labels[i])
              for i, v in enumerate(values) if v is not None]
    polygon = ""
    if band is not None:
        clip = lambda v: min(max(v, low), high)  # noqa: E731
        tops = [(round(xs[i], 2), _y(clip(b[1]), low, high, height))
                for i, b in enumerate(band) if b is not None]
        bottoms = [(round(xs[i], 2), _y(clip(b[0]), low, high, height))
                   for i, b in enumerate(band) if b is not None]
        if len(tops) > 1:
            polygon = " ".join(f"{x},{y}" for x, y in tops + bottoms[::-1])
    zero = _y(0, low, high, height) if low < 0 < high else None
    return Line(points, " ".join(f"{p.x},{p.y}" for p in points), polygon, zero, low, high)


def level(value: int, top: int) -> int:
    """A 0–4 intensity class for a heat-map cell (0 = empty)."""
    if value <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * value - 1) // top)

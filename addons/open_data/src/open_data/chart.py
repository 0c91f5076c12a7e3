"""The 7-day chart of a place page: a static SVG line, with a text summary as its alternative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .timeutil import DAY_MS

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 12, 12, 28
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Chart:
    """The SVG geometry of a chart, ready for the template."""

    points: str
    y_labels: list[tuple[float, float]]  # (y, value)
    x_ticks: list[tuple[float, int]]  # (x, ms at local midnight-ish day boundary)
    low: float
    high: float
    last: float
    count: int


def hourly(points: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """Hourly means, so a week of 15-minute data draws as 168 points, not 672."""
    buckets: dict[int, list[float]] = {}
    for ms, value in points:
        buckets.setdefault(ms // HOUR_MS, []).append(value)
    return [(hour * HOUR_MS + HOUR_MS // 2, sum(v) / len(v)) for hour, v in sorted(buckets.items())]


def build(points: Sequence[tuple[int, float]], end_ms: int, days: int = 7) -> Chart | None:
    """Chart geometry for the ``days`` before ``end_ms``; None without data."""
    if not points:
        return None
    start_ms = end_ms - days * DAY_MS
    values = [value for _, value in points]
    low, high = min(values), max(values)
    span = high - low or 1.0
    pad = span * 0.1
    y_min, y_max = low - pad, high + pad
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM

    def x(ms: int) -> float:
        return _LEFT + (ms - start_ms) / (end_ms - start_ms) * plot_w

    def y(value: float) -> float:
        return _TOP + (y_max - value) / (y_max - y_min) * plot_h

    drawn = hourly(points)
    line = " ".join(f"{x(ms):.1f},{y(value):.1f}" for ms, value in drawn)
    labels = (
        [(y(value), value) for value in (low, (low + high) / 2, high)]
        if high != low
        else [(y(low), low)]
    )
    ticks = [(x(ms), ms) for ms in range(start_ms - start_ms % DAY_MS + DAY_MS, end_ms, DAY_MS)]
    return Chart(line, labels, ticks, low, high, points[-1][1], len(points))

"""The live training chart: one small inline-SVG sparkline per metric, built per poll.

Plain SVG strings rather than matplotlib: the run page polls every second, and a
polyline is all a loss curve needs. Each metric gets its own vertical scale (losses of a
GAN's two networks differ by orders of magnitude).
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.html import escape

WIDTH, HEIGHT, PAD = 320, 56, 4
COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030")


def _points(values: list[float], steps: list[int], first: int, last: int) -> str:
    finite = [v for v in values if math.isfinite(v)]
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    width = (last - first) or 1
    coords = []
    for step, value in zip(steps, values, strict=True):
        if not math.isfinite(value):
            continue
        x = PAD + (WIDTH - 2 * PAD) * (step - first) / width
        y = PAD + (HEIGHT - 2 * PAD) * (1 - (value - low) / span)
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)


def metric_series(history: list[dict[str, Any]]) -> dict[str, tuple[list[int], list[float]]]:
    """Metric name -> (steps, values), in the order metrics first appear."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for entry in history:
        for name, value in (entry.get("metrics") or {}).items():
            steps, values = series.setdefault(name, ([], []))
            steps.append(int(entry["step"]))
            values.append(float(value))
    if any(entry.get("epsilon") is not None for entry in history):
        series["ε spent"] = (
            [int(e["step"]) for e in history if e.get("epsilon") is not None],
            [float(e["epsilon"]) for e in history if e.get("epsilon") is not None],
        )
    return series


def sparklines(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One chart per metric: ``{"name", "svg", "latest", "low", "high"}`` (SVG is safe markup)."""
    charts = []
    if not history:
        return charts
    first, last = int(history[0]["step"]), int(history[-1]["step"])
    for index, (name, (steps, values)) in enumerate(metric_series(history).items()):
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            continue
        colour = COLOURS[index % len(COLOURS)]
        label = escape(name)
        svg = (
            f'<svg class="sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'role="img" aria-label="{label} by epoch">'
            f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f6f8fb"/>'
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" '
            f'points="{_points(values, steps, first, last)}"/></svg>'
        )
        charts.append({"name": name, "svg": svg, "latest": f"{values[-1]:.4g}",
                       "low": f"{min(finite):.4g}", "high": f"{max(finite):.4g}"})
    return charts

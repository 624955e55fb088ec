"""Display helpers for release pages: audit headline numbers and ε."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def metric(value: Any) -> str:
    """A headline value as people read it: 4 significant digits, nested values inline."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {metric(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(metric(v) for v in value)
    return str(value)


@register.filter
def epsilon(value: float | None) -> str:
    return "no DP (ε = ∞)" if value is None else f"ε = {value:.3g}"


@register.filter
def humanise_label(name: str) -> str:
    return str(name).replace("_", " ")

"""SVG charts for the cohort page (matplotlib, rendered on the server)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PALETTE = plt.get_cmap("tab20").colors + plt.get_cmap("tab20b").colors


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def allele_frequency_spectrum_svg(spectrum: dict[str, Any]) -> str:
    figure, axes = plt.subplots(figsize=(5, 3))
    edges = spectrum["edges"]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    axes.bar(edges[:-1], spectrum["counts"], width=widths, align="edge", color="#2b6cb0", edgecolor="white")
    axes.set_xlabel("alternate allele frequency")
    axes.set_ylabel("SNPs")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def pca_svg(pca: dict[str, Any]) -> str:
    figure, axes = plt.subplots(figsize=(6, 4.5))
    # Five superpopulations read better than 26 populations in one legend.
    groups = pca.get("superpopulation") if any(pca.get("superpopulation") or []) else pca.get("population")
    populations = groups or ["all"] * len(pca["x"])
    names = sorted(set(populations))
    for index, name in enumerate(names):
        xs = [x for x, p in zip(pca["x"], populations, strict=True) if p == name]
        ys = [y for y, p in zip(pca["y"], populations, strict=True) if p == name]
        axes.scatter(xs, ys, s=6, alpha=0.7, color=PALETTE[index % len(PALETTE)], label=name)
    explained = pca.get("explained", [0, 0])
    axes.set_xlabel(f"PC1 ({100 * explained[0]:.1f}%)")
    axes.set_ylabel(f"PC2 ({100 * explained[1]:.1f}%)")
    if len(names) > 1:
        axes.legend(fontsize=6, ncol=2 if len(names) > 13 else 1, markerscale=2, frameon=False,
                    loc="center left", bbox_to_anchor=(1, 0.5))
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)

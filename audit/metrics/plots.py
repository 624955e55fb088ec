"""Figures of an audit report as self-contained SVG strings (matplotlib, no pyplot).

Every figure is drawn from the report dict alone (which stores the points, histograms
and curves it needs), so the site can redraw a stored report without the haplotypes.
Figures are built on :class:`matplotlib.figure.Figure` directly: no global pyplot state,
safe in a worker thread, no display needed. Dense scatters are rasterised inside the
SVG to keep the HTML small; text stays text.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

matplotlib.use("Agg")

REAL, SYNTHETIC, BETWEEN, HOLDOUT = "#1f77b4", "#d62728", "#7f7f7f", "#2ca02c"
_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "synthome-audit", "font.size": 9}


def _svg(draw: Callable[[Figure], None], size: tuple[float, float] = (5.0, 4.0)) -> str:
    with matplotlib.rc_context(_SVG_STYLE):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", dpi=110, metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype for inline use


def _unavailable(axes: Axes, record: dict[str, Any]) -> None:
    axes.axis("off")
    axes.text(
        0.5, 0.5, f"not computed:\n{record.get('reason', '')}", ha="center", va="center", wrap=True
    )


def pca_plot(report: dict[str, Any]) -> str:
    """PC1 vs PC2: real (circles) and synthetic (crosses), coloured by population."""
    record = report["metrics"]["pca"]

    def draw(figure: Figure) -> None:
        if not record["computed"]:
            return _unavailable(figure.add_subplot(), record)
        panels = dict(
            zip(("real", "synthetic"), figure.subplots(1, 2, sharex=True, sharey=True), strict=True)
        )
        points = record["points"]
        labels = sorted({str(x) for side in points.values() for x in (side["labels"] or [])})
        palette = matplotlib.colormaps["tab10" if len(labels) <= 10 else "tab20"]
        ratio = record["explained_variance_ratio"]
        for side, fallback in (("real", REAL), ("synthetic", SYNTHETIC)):
            axes, data = panels[side], points[side]
            pc1, pc2 = np.asarray(data["pc1"]), np.asarray(data["pc2"])
            if data["labels"] is None:
                axes.scatter(
                    pc1, pc2, s=5, color=fallback, alpha=0.5, label="unlabelled", rasterized=True
                )
            else:
                side_labels = np.asarray(data["labels"])
                for number, label in enumerate(labels):
                    chosen = side_labels == label
                    if chosen.any():
                        axes.scatter(
                            pc1[chosen],
                            pc2[chosen],
                            s=5,
                            alpha=0.5,
                            label=label,
                            color=palette(number % palette.N),
                            rasterized=True,
                        )
            axes.set_title(f"{side} ({len(pc1)} haplotypes shown)")
            axes.set_xlabel(f"PC1 ({ratio[0]:.1%})")
            axes.legend(fontsize=6, markerscale=2, loc="best")
        panels["real"].set_ylabel(f"PC2 ({ratio[1]:.1%})" if len(ratio) > 1 else "PC2")
        figure.suptitle(
            f"PCA fitted on real, synthetic projected (distance {record['distance']:.3f} SD)"
        )

    return _svg(draw, (9.0, 4.2))


def allele_frequency_plot(report: dict[str, Any]) -> str:
    """Synthetic against real alternate-allele frequency, one point per SNP."""
    record = report["metrics"]["allele_frequencies"]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        if not record["computed"]:
            return _unavailable(axes, record)
        axes.scatter(
            record["scatter"]["real"],
            record["scatter"]["synthetic"],
            s=4,
            color=SYNTHETIC,
            alpha=0.5,
            rasterized=True,
        )
        axes.plot([0, 1], [0, 1], color=BETWEEN, linewidth=0.8)
        axes.set(
            xlim=(0, 1),
            ylim=(0, 1),
            xlabel="real allele frequency",
            ylabel="synthetic allele frequency",
        )
        axes.set_title(f"Allele frequencies (r$^2$ = {record['r2']:.4f})")

    return _svg(draw, (4.5, 4.5))


def ld_decay_plot(report: dict[str, Any]) -> str:
    """Mean LD r^2 by distance bin, real and synthetic."""
    record = report["metrics"]["ld"]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        if not record["computed"]:
            return _unavailable(axes, record)
        decay = record["decay"]
        edges = np.asarray(decay["bin_edges"], dtype=float)
        centres = np.sqrt(np.maximum(edges[:-1], 1) * edges[1:])
        for key, colour, name in (
            ("real_mean_r2", REAL, "real"),
            ("synthetic_mean_r2", SYNTHETIC, "synthetic"),
        ):
            values = np.array([np.nan if v is None else v for v in decay[key]], dtype=float)
            axes.plot(centres, values, marker="o", color=colour, label=name)
        axes.set_xscale("log")
        axes.set(xlabel=f"distance ({record['distance_unit']})", ylabel="mean r$^2$")
        axes.set_title(f"LD decay (r$^2$ correlation {record['correlation']:.3f})")
        axes.legend()

    return _svg(draw)


def distance_plot(report: dict[str, Any]) -> str:
    """Pairwise distance distributions and distances to the closest training record."""
    pairwise = report["metrics"]["pairwise_distances"]
    closest = report["metrics"]["closest_record"]

    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        if pairwise["computed"]:
            histogram = pairwise["histogram"]
            edges = np.asarray(histogram["bin_edges"], dtype=float)
            for key, colour in (
                ("within_real", REAL),
                ("within_synthetic", SYNTHETIC),
                ("between", BETWEEN),
            ):
                counts = np.asarray(histogram[key], dtype=float)
                left.stairs(
                    counts / max(counts.sum(), 1), edges, color=colour, label=key.replace("_", " ")
                )
            left.set(xlabel="pairwise Hamming distance (SNPs)", ylabel="fraction of pairs")
            left.set_title("Pairwise distances")
            left.legend(fontsize=7)
        else:
            _unavailable(left, pairwise)
        if closest["computed"]:
            dcr = closest["dcr"]
            for key, colour, name in (
                ("synthetic_to_train_histogram", SYNTHETIC, "synthetic -> train"),
                ("holdout_to_train_histogram", HOLDOUT, "holdout -> train"),
            ):
                counts = np.asarray(dcr[key], dtype=float)
                edges = np.unique(np.linspace(0, len(counts), 41).round().astype(int))
                binned = np.add.reduceat(counts, edges[:-1])
                right.stairs(binned / max(binned.sum(), 1), edges, color=colour, label=name)
            threshold = closest["near_copies"]["p1"]["threshold_snps"]
            right.axvline(
                threshold, color=BETWEEN, linestyle="--", linewidth=0.8, label="near-copy threshold"
            )
            right.set(xlabel="distance to closest training haplotype (SNPs)", ylabel="fraction")
            right.set_title("Distance to closest record")
            right.legend(fontsize=7)
        else:
            _unavailable(right, closest)

    return _svg(draw, (9.0, 3.8))


def roc_plot(report: dict[str, Any]) -> str:
    """ROC curves of the membership inference attacks, log-scaled FPR."""
    record = report["metrics"]["membership_inference"]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        if not record["computed"]:
            return _unavailable(axes, record)
        for name, attack in record.items():
            if isinstance(attack, dict) and attack.get("computed") and "curve" in attack:
                fpr = np.maximum(np.asarray(attack["curve"]["fpr"], dtype=float), 1e-4)
                axes.plot(fpr, attack["curve"]["tpr"], label=f"{name} (AUC {attack['auc']:.3f})")
        grid = np.geomspace(1e-4, 1, 50)
        axes.plot(grid, grid, color=BETWEEN, linestyle="--", linewidth=0.8, label="chance")
        axes.set_xscale("log")
        axes.set(
            xlim=(1e-3, 1),
            ylim=(0, 1),
            xlabel="false-positive rate (non-members)",
            ylabel="true-positive rate (members)",
        )
        axes.set_title("Membership inference attacks")
        axes.legend(fontsize=7, loc="upper left")

    return _svg(draw)


PLOTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "pca": pca_plot,
    "allele_frequencies": allele_frequency_plot,
    "ld_decay": ld_decay_plot,
    "distances": distance_plot,
    "membership_inference": roc_plot,
}


def report_plots(report: dict[str, Any]) -> dict[str, str]:
    """Every figure of a report, by name, as inline SVG markup.

    Examples
    --------
    >>> import numpy as np
    >>> from audit.metrics.report import audit_report
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((60, 80)) < 0.3).astype(np.uint8)
    >>> report = audit_report(train=train, holdout=train[:30] ^ 1, synthetic=train[30:])
    >>> plots = report_plots(report)
    >>> sorted(plots), plots["pca"].startswith("<svg")
    (['allele_frequencies', 'distances', 'ld_decay', 'membership_inference', 'pca'], True)
    """
    return {name: draw(report) for name, draw in PLOTS.items()}

"""What the audit pages show, arranged from stored data; nothing here computes a metric.

The numbers come from the stored report (:func:`audit.metrics.report.audit_report`)
and the plots from :mod:`audit.metrics.plots`, which draws them from the same record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from audit.metrics import html as metrics_html
from audit.metrics.plots import report_plots
from audit.metrics.policy import CHECKS

from .models import AuditReport, ReleasePolicy
from .services import threshold_changes


def threshold_rows(thresholds: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per policy check: the metric, what it measures, its bound and threshold."""
    return [
        {"name": name, "metric": check.metric, "description": check.description,
         "bound": check.bound, "value": thresholds.get(name)}
        for name, check in CHECKS.items()
    ]


def policy_history(versions: Iterable[ReleasePolicy]) -> list[dict[str, Any]]:
    """Versions newest first, each with what changed from the version before it."""
    ordered = sorted(versions, key=lambda policy: policy.version)
    history = []
    for before, policy in zip([None, *ordered], ordered, strict=False):
        changes = [] if before is None else [
            {"name": name, "before": change["from"], "after": change["to"]}
            for name, change in threshold_changes(before.thresholds, policy.thresholds).items()
        ]
        history.append({"policy": policy, "changes": changes, "first": before is None})
    return history[::-1]


def report_context(report: AuditReport) -> dict[str, Any]:
    """Verdict, checks, headline and per-metric sections of a finished report."""
    stored = report.report or {}
    checks = stored.get("checks", [])
    checked_metrics: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        checked_metrics.setdefault(check["metric"], []).append(check)
    baseline = stored.get("baseline") or {}
    headline = [
        {"metric": metric, "label": HEADLINE_LABELS.get(metric, metric), "value": value,
         "baseline": baseline.get(metric), "checks": checked_metrics.get(metric, []),
         "failed": any(not check["passed"] for check in checked_metrics.get(metric, []))}
        for metric, value in (report.headline or {}).items()
    ]
    return {
        "checks": checks,
        "failing": report.failing_checks,
        "headline": headline,
        "inputs": stored.get("inputs", {}),
        "not_computed": stored.get("not_computed", {}),
        "sections": metric_sections(stored, plots_of(report)),
    }


SECTION_TITLES = {
    "allele_frequencies": "Allele frequencies",
    "ld": "Linkage disequilibrium and its decay",
    "pca": "Principal components",
    "pairwise_distances": "Pairwise distances",
    "three_point": "Three-point correlations",
    "population_structure": "Population structure",
    "c2st": "Classifier two-sample test",
    "aats": "Adversarial accuracy (AATS) and privacy loss",
    "privacy_loss_reference": "Privacy-loss reference: a sample that cannot have memorised anyone",
    "closest_record": "Distance to closest record: exact and near copies",
    "segments": "Segments copied from training haplotypes",
    "membership_inference": "Membership inference attacks",
}
# Which figure of audit.metrics.plots belongs to which metric's section.
SECTION_PLOTS = {
    "allele_frequencies": "allele_frequencies",
    "ld": "ld_decay",
    "pca": "pca",
    "pairwise_distances": "distances",
    "membership_inference": "membership_inference",
}


def metric_sections(stored: dict[str, Any], plots: dict[str, str]) -> list[dict[str, Any]]:
    """One section per metric record: its figure, its scalar values, or why it was not computed."""
    sections = []
    for name, record in (stored.get("metrics") or {}).items():
        sections.append({
            "name": name,
            "title": SECTION_TITLES.get(name, name.replace("_", " ").capitalize()),
            "computed": bool(record.get("computed")),
            "reason": record.get("reason", ""),
            "plot": plots.get(SECTION_PLOTS.get(name, "")),
            "values": scalar_values(record),
        })
    return sections


def scalar_values(record: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """The record's scalar entries as ("path", value), nested records flattened.

    Long lists are plot data (points, histograms, curves) and left to the figures.
    """
    values: list[tuple[str, Any]] = []
    for key, value in record.items():
        if key == "computed" or (not prefix and key == "reason"):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            values.extend(scalar_values(value, f"{path}."))
        elif isinstance(value, list):
            if len(value) <= 3 and all(not isinstance(item, list | dict) for item in value):
                values.append((path, ", ".join(str(item) for item in value)))
        else:
            values.append((path, value))
    return values


# The metrics' HTML report names the headline numbers; the page uses the same words.
HEADLINE_LABELS = metrics_html.HEADLINE_LABELS
PLOT_CACHE_SECONDS = 24 * 3600


def plots_of(report: AuditReport) -> dict[str, str]:
    """The report's figures as inline SVG (drawn once per finished report, then cached).

    Drawn by :func:`audit.metrics.plots.report_plots` from the stored report alone; the
    key includes when the audit finished, so a re-run never shows stale figures.
    """
    if not report.report.get("metrics"):
        return {}
    finished = report.finished_at.timestamp() if report.finished_at else 0
    key = f"audit-plots:{report.pk}:{finished}"
    plots = cache.get(key)
    if plots is None:
        plots = report_plots(report.report)
        cache.set(key, plots, PLOT_CACHE_SECONDS)
    return plots

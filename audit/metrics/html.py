"""A self-contained HTML page of an audit report: inline CSS and SVG, no external assets.

The page must open offline and travel inside a release bundle, so nothing is linked:
styles sit in one ``<style>`` block and figures are inline SVG from
:mod:`audit.metrics.plots`. Every value from the report is escaped.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1b1b1b; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.verdict { padding: .8rem 1rem; border-radius: 6px; font-weight: 600; }
.pass { background: #e3f4e1; color: #1e5c1a; } .fail { background: #fbe3e1; color: #8a1c12; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; }
td.num { font-variant-numeric: tabular-nums; }
tr.failed td { background: #fff1f0; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
.figures svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: 12px; }
.muted { color: #666; }
"""

HEADLINE_LABELS = {
    "af_r2": "Allele-frequency r²",
    "ld_r2_correlation": "LD r² correlation (SNPs within 1 Mb)",
    "ld_r2_correlation_all_pairs": "LD r² correlation (all SNP pairs, population structure included)",
    "pca_distance": "PCA distance (real SDs)",
    "pairwise_wasserstein": "Pairwise-distance Wasserstein (per SNP)",
    "three_point_correlation": "3-point correlation agreement",
    "c2st_auc": "Classifier two-sample AUC",
    "aats_train": "AATS vs train",
    "aats_holdout": "AATS vs holdout",
    "privacy_loss": "Privacy loss (AATS holdout − train)",
    "privacy_loss_reference": "Privacy loss of a memoryless sample (frequencies only)",
    "privacy_loss_excess": "Privacy loss beyond the memoryless sample's",
    "exact_copies": "Exact copies of training haplotypes",
    "near_copies": "Near copies",
    "near_copies_fraction": "Near-copy fraction",
    "segment_copy_excess": "Copied-segment excess",
    "mia_best_auc": "Best membership-inference AUC",
    "mia_best_tpr_at_1pct_fpr": "Best MIA TPR at 1% FPR",
    "epsilon": "DP epsilon",
}


def _number(value: Any) -> str:
    if value is None:
        return '<span class="muted">not computed</span>'
    return escape(f"{value:g}" if isinstance(value, float) else str(value))


def _checks_table(report: dict[str, Any]) -> str:
    rows = []
    for check in report["checks"]:
        sign = "≥" if check["bound"] == "min" else "≤"
        rows.append(
            f'<tr class="{"" if check["passed"] else "failed"}">'
            f"<td>{'pass' if check['passed'] else '<strong>FAIL</strong>'}</td>"
            f"<td>{escape(check['description'])}</td><td>{escape(check['metric'])}</td>"
            f'<td class="num">{_number(check["value"])}</td>'
            f'<td class="num">{sign} {_number(check["threshold"])}</td></tr>'
        )
    return (
        "<table><tr><th></th><th>check</th><th>metric</th><th>value</th><th>required</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _headline_table(report: dict[str, Any]) -> str:
    baseline = report.get("baseline", {})
    rows = []
    for key, value in report["headline"].items():
        label = HEADLINE_LABELS.get(key, key)
        floor = baseline.get(key)
        rows.append(
            f"<tr><td>{escape(label)}</td><td class='num'>{_number(value)}</td>"
            f"<td class='num'>{'' if floor is None else _number(floor)}</td></tr>"
        )
    return (
        "<table><tr><th>metric</th><th>synthetic</th><th>holdout (noise floor)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_html(report: dict[str, Any], plots: dict[str, str]) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    report : dict
        From :func:`audit.metrics.report.audit_report`.
    plots : dict of str to str
        Inline SVG markup by name, from :func:`audit.metrics.plots.report_plots`.

    Returns
    -------
    str

    Examples
    --------
    >>> report = {"verdict": "pass", "failures": [], "checks": [], "headline": {"af_r2": 0.99},
    ...           "inputs": {}, "not_computed": {}, "metrics": {}}
    >>> page = render_html(report, {})
    >>> page.startswith("<!DOCTYPE html>"), "http" in page
    (True, False)
    """
    verdict = report["verdict"]
    failures = "".join(f"<li>{escape(line)}</li>" for line in report["failures"])
    not_computed = "".join(
        f"<li><strong>{escape(name)}</strong>: {escape(reason)}</li>"
        for name, reason in report["not_computed"].items()
    )
    figures = "".join(f"<figure>{svg}</figure>" for svg in plots.values())
    details = escape(json.dumps(report["metrics"], indent=1))
    inputs = escape(json.dumps(report["inputs"]))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Synthome audit report: {escape(verdict)}</title>
<style>{_CSS}</style></head>
<body>
<h1>Synthome audit report</h1>
<p class="muted">{inputs}</p>
<div class="verdict {escape(verdict)}">Verdict: {escape(verdict.upper())}</div>
{f"<ul>{failures}</ul>" if failures else ""}
<h2>Policy checks</h2>
{_checks_table(report)}
<h2>Headline</h2>
{_headline_table(report)}
{f"<h2>Not computed</h2><ul>{not_computed}</ul>" if not_computed else ""}
<h2>Figures</h2>
<div class="figures">{figures}</div>
<h2>All metrics</h2>
<details><summary>Full metric records (JSON)</summary><pre>{details}</pre></details>
</body></html>
"""

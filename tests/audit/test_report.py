"""audit_report: input checks, explicit "not computed" records, determinism, progress."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audit.metrics import AuditError, Policy, audit_report
from audit.metrics.html import render_html
from audit.metrics.plots import report_plots

HEADLINE = {
    "af_r2",
    "ld_r2_correlation",
    "pca_distance",
    "pairwise_wasserstein",
    "aats_train",
    "aats_holdout",
    "privacy_loss",
    "exact_copies",
    "near_copies",
    "mia_best_auc",
    "c2st_auc",
    "epsilon",
}


def haplotypes(n: int, m: int, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, m)) < 0.3).astype(np.uint8)


def test_mismatched_snp_counts_raise_before_any_work():
    with pytest.raises(
        AuditError, match="expected synthetic with 30 SNPs .as train.; found 31 SNPs"
    ):
        audit_report(
            train=haplotypes(20, 30, 0),
            holdout=haplotypes(20, 30, 1),
            synthetic=haplotypes(20, 31, 2),
        )


def test_label_counts_must_match_haplotypes():
    with pytest.raises(AuditError, match="expected 20 train population labels"):
        audit_report(
            train=haplotypes(20, 30, 0),
            holdout=haplotypes(20, 30, 1),
            synthetic=haplotypes(20, 30, 2),
            train_populations=["A"] * 19,
        )


def test_too_small_sets_give_reasons_not_nan():
    report = audit_report(
        train=haplotypes(8, 60, 0), holdout=haplotypes(6, 60, 1), synthetic=haplotypes(4, 60, 2)
    )
    assert set(report["headline"]) >= HEADLINE
    reasons = report["not_computed"]
    assert reasons["c2st"] == "needs at least 10 real haplotypes; found 8"
    assert reasons["closest_record"] == "needs at least 20 holdout haplotypes; found 6"
    assert reasons["membership_inference"] == "needs at least 20 holdout haplotypes; found 6"
    assert report["metrics"]["c2st"] == {"computed": False, "reason": reasons["c2st"]}
    assert report["headline"]["c2st_auc"] is None
    assert report["verdict"] == "fail"
    assert "c2st_auc not computed; the policy requires <= 0.9: " in " ".join(report["failures"])
    json.dumps(report, allow_nan=False)


def test_same_seed_same_report_and_progress_is_reported():
    sets = {
        "train": haplotypes(60, 80, 0),
        "holdout": haplotypes(40, 80, 1),
        "synthetic": haplotypes(40, 80, 2),
    }
    stages: list[tuple[float, str]] = []
    first = audit_report(**sets, seed=3, progress=lambda f, s: stages.append((f, s)))
    second = audit_report(**sets, seed=3)
    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert stages[0] == (0.0, "allele_frequencies") and stages[-1] == (1.0, "done")
    assert [f for f, _ in stages] == sorted(f for f, _ in stages)


def test_policy_as_dict_and_epsilon_reach_the_verdict():
    sets = {
        "train": haplotypes(60, 80, 0),
        "holdout": haplotypes(40, 80, 1),
        "synthetic": haplotypes(40, 80, 2),
    }
    report = audit_report(**sets, epsilon=3.0, policy={"epsilon_max": 1.0})
    assert report["headline"]["epsilon"] == 3.0
    assert "epsilon = 3 > 1 (max): differential-privacy epsilon spent" in report["failures"]
    assert report["policy"] == Policy(epsilon_max=1.0).to_dict()


def test_plots_and_html_are_self_contained(teeth_reports):
    report = teeth_reports["fresh"]
    plots = report_plots(report)
    page = render_html(report, plots)
    assert page.count("<svg") >= len(plots) == 5
    for banned in ("<script", "<link", 'src="http', 'href="http', "@import", "url(http"):
        assert banned not in page
    assert "Verdict: PASS" in page

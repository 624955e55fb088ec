"""The audit has teeth: a fresh real sample passes near the noise floor, and synthetic
sets that memorise their training haplotypes fail the verdict for the right reasons.

Data: the 1000 Genomes 805-SNP benchmark of Yelmen et al. (2021), split by individuals
into 1,200 training, 600 holdout and 600 fresh haplotypes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

MEMORISING = ("exact_copies", "flipped_2pct", "flipped_5pct", "mosaic")


def _failed(report: dict[str, Any]) -> set[str]:
    return {check["name"] for check in report["checks"] if not check["passed"]}


def test_fresh_real_sample_passes_the_default_policy(teeth_reports):
    report = teeth_reports["fresh"]
    assert report["verdict"] == "pass", report["failures"]
    assert report["not_computed"] == {}


def test_fresh_real_sample_scores_near_the_noise_floor(teeth_reports):
    headline = teeth_reports["fresh"]["headline"]
    baseline = teeth_reports["fresh"]["baseline"]
    assert headline["af_r2"] > 0.97
    assert headline["af_r2"] == pytest.approx(baseline["af_r2"], abs=0.01)
    assert headline["ld_r2_correlation"] > 0.98
    assert 0.45 < headline["aats_train"] < 0.55
    assert 0.45 < headline["aats_holdout"] < 0.55
    assert abs(headline["privacy_loss"]) < 0.04
    assert headline["exact_copies"] == 0
    assert headline["near_copies_fraction"] < 0.02
    assert abs(headline["segment_copy_excess"]) < 0.01
    assert 0.4 < headline["c2st_auc"] < 0.6
    assert headline["mia_best_auc"] < 0.58


@pytest.mark.parametrize("kind", MEMORISING)
def test_memorising_sets_fail_the_verdict(teeth_reports, kind):
    report = teeth_reports[kind]
    assert report["verdict"] == "fail"
    assert report["failures"], "a failed verdict names its failed checks"
    assert _failed(report) & {"privacy_loss_max", "mia_auc_max", "mia_tpr_at_1pct_fpr_max"}


def test_exact_copies_are_counted_and_named(teeth_reports):
    report = teeth_reports["exact_copies"]
    assert report["headline"]["exact_copies"] == 600
    assert any(line.startswith("exact_copies = 600 > 0") for line in report["failures"])
    assert report["headline"]["aats_train"] < 0.3  # synthetic points sit on training points


@pytest.mark.parametrize("kind", ["flipped_2pct", "flipped_5pct"])
def test_perturbed_copies_are_near_copies(teeth_reports, kind):
    report = teeth_reports[kind]
    assert report["headline"]["exact_copies"] == 0
    assert report["headline"]["near_copies_fraction"] > 0.9
    assert "near_copies_fraction_max" in _failed(report)
    assert report["headline"]["privacy_loss"] > 0.1


def test_mosaics_of_training_segments_are_caught_by_segment_matching(teeth_reports):
    report = teeth_reports["mosaic"]
    assert report["headline"]["exact_copies"] == 0
    assert report["headline"]["segment_copy_excess"] > 0.5
    assert {"segment_copy_excess_max", "mia_auc_max"} <= _failed(report)
    attacks = report["metrics"]["membership_inference"]
    assert attacks["best_attack"] == "segment_match"
    low, _high = attacks["segment_match"]["auc_ci"]
    assert low > 0.6


def test_reports_are_strict_json_without_nan(teeth_reports):
    for report in teeth_reports.values():
        text = json.dumps(report, allow_nan=False)
        assert "NaN" not in text

        def finite(value: Any) -> None:
            if isinstance(value, float):
                assert math.isfinite(value)
            elif isinstance(value, dict):
                for item in value.values():
                    finite(item)
            elif isinstance(value, list):
                for item in value:
                    finite(item)

        finite(report)


def test_per_population_metrics_when_labels_exist(teeth_reports):
    structure = teeth_reports["fresh"]["metrics"]["population_structure"]
    assert structure["computed"]
    assert set(structure["populations"]) == {"AFR", "AMR", "EAS", "EUR", "SAS"}
    assert structure["fst_correlation"]["value"] > 0.95
    unlabelled = teeth_reports["mosaic"]["metrics"]["population_structure"]
    assert unlabelled == {
        "computed": False,
        "reason": "the synthetic haplotypes carry no population labels",
    }


def test_fixed_alternate_snps_are_skipped_in_ld_not_leaked(teeth_reports):
    ld = teeth_reports["fresh"]["metrics"]["ld"]
    # the 805-SNP panel has 3 SNPs fixed for the alternate allele
    assert ld["skipped_monomorphic_snps"] >= 3
    assert all(v is None or 0 <= v <= 1 for v in ld["decay"]["real_mean_r2"])


def test_excess_privacy_loss_is_loss_minus_the_memoryless_reference(teeth_reports):
    fresh, copies = teeth_reports["fresh"]["headline"], teeth_reports["flipped_5pct"]["headline"]
    for headline in (fresh, copies):
        assert headline["privacy_loss_excess"] == pytest.approx(
            headline["privacy_loss"] - headline["privacy_loss_reference"], abs=2e-4
        )
    assert fresh["privacy_loss_excess"] < 0.01
    assert copies["privacy_loss_excess"] > 0.1

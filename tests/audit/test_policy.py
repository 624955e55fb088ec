"""Release policies: defaults, JSON round trip, validation messages, verdicts."""

from __future__ import annotations

import dataclasses

import pytest

from audit.metrics import Policy, PolicyError, evaluate
from audit.metrics.policy import CHECKS

PASSING_HEADLINE = {
    "af_r2": 0.99,
    "ld_r2_correlation": 0.99,
    "pca_distance": 0.07,
    "pairwise_wasserstein": 0.003,
    "c2st_auc": 0.5,
    "aats_train": 0.48,
    "aats_holdout": 0.49,
    "privacy_loss": 0.01,
    "privacy_loss_reference": 0.02,
    "privacy_loss_excess": -0.01,
    "exact_copies": 0,
    "near_copies": 5,
    "near_copies_fraction": 0.01,
    "segment_copy_excess": 0.0,
    "mia_best_auc": 0.52,
    "mia_best_tpr_at_1pct_fpr": 0.01,
    "epsilon": None,
}


def test_policy_is_frozen_and_round_trips_through_dict():
    policy = Policy(privacy_loss_max=0.02, epsilon_max=8.0)
    assert Policy.from_dict(policy.to_dict()) == policy
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.privacy_loss_max = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"mia_auc_max": 1.5}, "policy field 'mia_auc_max': expected a number from 0.0 to 1.0"),
        ({"mia_auc_max": "high"}, "policy field 'mia_auc_max'.*found 'high'"),
        ({"privacy_loss_excess_max": 2}, "policy field 'privacy_loss_excess_max': expected a number from -1.0 to 1.0"),
        ({"exact_copies_max": 1.5}, "policy field 'exact_copies_max': expected an integer"),
        ({"af_r2_min": True}, "policy field 'af_r2_min'"),
        ({"aats_holdout_min": 0.7, "aats_holdout_max": 0.6}, "expected min <= max"),
        ({"privacy_los_max": 0.1}, "unknown policy field 'privacy_los_max'"),
        ([0.1], "expected a policy object of fields; found list"),
    ],
)
def test_bad_policy_documents_name_the_field(document, message):
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(document)


def test_default_policy_passes_a_noise_floor_headline():
    verdict = evaluate(Policy(), PASSING_HEADLINE)
    assert verdict.passed
    assert verdict.failures == []
    off_by_default = {"epsilon_max", "privacy_loss_excess_max"}
    assert {c["name"] for c in verdict.checks} == set(CHECKS) - off_by_default


def test_excess_privacy_loss_check_compares_with_the_memoryless_reference():
    policy = Policy(privacy_loss_max=None, privacy_loss_excess_max=0.01)
    assert evaluate(policy, PASSING_HEADLINE | {"privacy_loss": 0.045, "privacy_loss_excess": 0.005}).passed
    verdict = evaluate(policy, PASSING_HEADLINE | {"privacy_loss": 0.045, "privacy_loss_excess": 0.03})
    assert verdict.failures == [
        "privacy_loss_excess = 0.03 > 0.01 (max): privacy loss minus that of a memoryless sample "
        "(frequencies only): leakage beyond what estimating population frequencies costs"
    ]


def test_failures_carry_value_threshold_and_description():
    headline = PASSING_HEADLINE | {"privacy_loss": 0.2, "af_r2": 0.5}
    verdict = evaluate(Policy(), headline)
    assert not verdict.passed
    assert verdict.failures == [
        "af_r2 = 0.5 < 0.9 (min): allele-frequency r^2 (real vs synthetic)",
        "privacy_loss = 0.2 > 0.05 (max): AATS(holdout) - AATS(train): positive means leakage",
    ]
    failed = [c for c in verdict.checks if not c["passed"]]
    assert failed[1] | {"message": ""} == {
        "name": "privacy_loss_max",
        "metric": "privacy_loss",
        "value": 0.2,
        "threshold": 0.05,
        "bound": "max",
        "passed": False,
        "description": CHECKS["privacy_loss_max"].description,
        "message": "",
    }


def test_a_metric_that_was_not_computed_fails_its_check():
    verdict = evaluate(Policy(), PASSING_HEADLINE | {"mia_best_auc": None})
    assert verdict.failures == [
        "mia_best_auc not computed; the policy requires <= 0.6: best membership-inference attack AUC"
    ]


def test_disabled_checks_are_skipped_and_epsilon_is_checked_when_asked():
    assert evaluate(Policy(mia_auc_max=None), PASSING_HEADLINE | {"mia_best_auc": 0.9}).passed
    strict = Policy(epsilon_max=10.0)
    assert not evaluate(strict, PASSING_HEADLINE).passed  # no epsilon reported
    assert evaluate(strict, PASSING_HEADLINE | {"epsilon": 8.0}).passed
    assert not evaluate(strict, PASSING_HEADLINE | {"epsilon": 12.0}).passed

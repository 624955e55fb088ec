"""AATS against a brute-force loop, privacy loss, copies, near copies, segments, ROC."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import roc_auc_score

from audit.metrics import aats, exact_copies, privacy_loss
from audit.metrics.attacks import ATTACKS, membership_inference_summary
from audit.metrics.closest_record import closest_record_summary
from audit.metrics.privacy import memoryless_reference, memoryless_sample
from audit.metrics.roc import roc_curve, roc_summary, tpr_at_fpr
from audit.metrics.segments import segment_copy_summary, window_matches


def haplotypes(n: int, m: int, seed: int, p: float = 0.4) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, m)) < p).astype(np.uint8)


def aats_by_loops(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Yale et al. (2020) written out pair by pair, as a reference."""

    def hamming(a: np.ndarray, b: np.ndarray) -> int:
        return sum(int(x != y) for x, y in zip(a.tolist(), b.tolist(), strict=True))

    def nearest(point: np.ndarray, others: list[np.ndarray]) -> int:
        return min(hamming(point, other) for other in others)

    real_rows, synthetic_rows = list(real), list(synthetic)
    real_hits = [
        nearest(t, synthetic_rows) > nearest(t, real_rows[:i] + real_rows[i + 1 :])
        for i, t in enumerate(real_rows)
    ]
    synthetic_hits = [
        nearest(s, real_rows) > nearest(s, synthetic_rows[:j] + synthetic_rows[j + 1 :])
        for j, s in enumerate(synthetic_rows)
    ]
    return 0.5 * (sum(real_hits) / len(real_hits) + sum(synthetic_hits) / len(synthetic_hits))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_aats_matches_a_brute_force_loop(seed):
    real = haplotypes(14, 12, seed)
    synthetic = haplotypes(14, 12, seed + 100, p=0.5)
    synthetic[3] = real[5]  # ties and duplicates are where implementations differ
    synthetic[4] = synthetic[3]
    assert aats(real, synthetic) == pytest.approx(aats_by_loops(real, synthetic))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda m: st.tuples(
            arrays(np.uint8, st.tuples(st.integers(2, 10), st.just(m)), elements=st.integers(0, 1)),
            arrays(np.uint8, st.tuples(st.integers(2, 10), st.just(m)), elements=st.integers(0, 1)),
        )
    )
)
def test_aats_is_a_proportion_and_matches_the_loop(sets):
    real, synthetic = sets
    value = aats(real, synthetic)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(aats_by_loops(real, synthetic))


def test_privacy_loss_is_holdout_minus_train_and_positive_for_copies():
    train, holdout = haplotypes(80, 300, 1), haplotypes(80, 300, 2)
    result = privacy_loss(train, holdout, train.copy(), repeats=2)
    assert result["privacy_loss"] == pytest.approx(result["aats_holdout"] - result["aats_train"])
    assert result["aats_train"] == 0.0
    assert result["privacy_loss"] > 0.3
    assert result["n_per_set"] == 80


def test_privacy_loss_uses_equal_size_sets():
    result = privacy_loss(
        haplotypes(90, 30, 1), haplotypes(40, 30, 2), haplotypes(70, 30, 3), repeats=1
    )
    assert result["n_per_set"] == 40


def test_exact_copies_count_synthetic_rows_found_in_training():
    train = haplotypes(30, 20, 1)
    synthetic = np.vstack([train[:4], train[2:3], haplotypes(5, 20, 9)])
    assert exact_copies(train, synthetic) == 5


def test_near_copy_threshold_is_the_holdouts_first_percentile(benchmark):
    train, holdout = benchmark.train, benchmark.holdout
    summary = closest_record_summary(train, holdout, benchmark.fresh)
    holdout_dcr = np.sort([min(int((h != t).sum()) for t in train[::1]) for h in holdout[:40]])
    assert summary["dcr"]["holdout_to_train"]["p0"] <= holdout_dcr[0]
    near = summary["near_copies"]["p1"]
    assert near["expected_fraction"] <= 0.01 + 1e-9
    assert near["fraction"] < 0.03
    assert 0.4 < summary["dcr_share"] < 0.6


def test_near_copies_find_lightly_perturbed_training_haplotypes(benchmark):
    rng = np.random.default_rng(0)
    perturbed = benchmark.train[:100] ^ (rng.random((100, 805)) < 0.02).astype(np.uint8)
    summary = closest_record_summary(benchmark.train, benchmark.holdout, perturbed)
    assert summary["exact_copies"] == 0
    assert summary["near_copies"]["p1"]["fraction"] == 1.0
    assert summary["nndr"]["synthetic"]["p50"] < 0.2
    assert summary["dcr_p_value"] < 1e-6


def test_window_matches_find_only_whole_copied_windows():
    source = haplotypes(10, 40, 1)
    query = haplotypes(2, 40, 2)
    query[0, 10:30] = source[4, 10:30]
    found = window_matches(query, source, window=10, step=5)
    # windows starting at 10, 15, 20 lie inside the copied stretch
    assert found[0].tolist()[2:5] == [True, True, True]


def test_segment_copy_excess_is_about_zero_for_a_fresh_sample(benchmark):
    summary = segment_copy_summary(benchmark.train, benchmark.holdout, benchmark.fresh)
    assert abs(summary["excess"]) < 0.01


def test_roc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    scores = rng.integers(0, 8, 400).astype(float) + labels * 0.5
    fpr, tpr = roc_curve(labels, scores)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(labels, scores))
    assert tpr_at_fpr(labels, scores, 0.0) >= 0.0


def test_roc_summary_reports_intervals_around_the_estimate():
    rng = np.random.default_rng(1)
    summary = roc_summary(rng.normal(1, 1, 300), rng.normal(0, 1, 300), rng=rng, n_bootstrap=100)
    low, high = summary["auc_ci"]
    assert low < summary["auc"] < high
    assert 0.7 < summary["auc"] < 0.82
    assert summary["tpr_at_0.1pct_fpr"] <= summary["tpr_at_1pct_fpr"]


def test_every_attack_flags_copied_training_haplotypes():
    train, holdout = haplotypes(200, 120, 1), haplotypes(200, 120, 2)
    summary = membership_inference_summary(train, holdout, train.copy(), n_bootstrap=20)
    assert set(ATTACKS) <= set(summary)
    assert summary["gan_leaks"]["auc"] == pytest.approx(1.0)
    assert summary["segment_match"]["auc"] == pytest.approx(1.0)
    assert summary["domias"]["auc"] > 0.6
    assert summary["best_auc"] == pytest.approx(1.0)


def test_attacks_are_at_chance_on_a_fresh_sample(benchmark):
    summary = membership_inference_summary(
        benchmark.train, benchmark.holdout, benchmark.fresh, n_bootstrap=50
    )
    for name in ATTACKS:
        low, high = summary[name]["auc_ci"]
        assert low < 0.55 and high > 0.45, name


def test_memoryless_sample_keeps_each_populations_frequencies_and_no_linkage():
    rng = np.random.default_rng(4)
    train = np.vstack([haplotypes(300, 40, 1, p=0.1), haplotypes(300, 40, 2, p=0.8)])
    train_labels = ["A"] * 300 + ["B"] * 300
    labels = ["B"] * 500 + ["A"] * 500 + ["C"] * 10  # C: no training haplotype
    sample = memoryless_sample(train, labels, train_labels, len(labels), rng)
    assert abs(sample[:500].mean() - 0.8) < 0.02 and abs(sample[500:1000].mean() - 0.1) < 0.02
    np.testing.assert_allclose(sample[1000:].mean(), train.mean(), atol=0.1)
    # independent sites: no pair of SNPs is correlated beyond noise
    within_b = np.corrcoef(sample[:500].T.astype(float))[np.triu_indices(40, 1)]
    assert np.abs(within_b).max() < 0.2


def test_copies_score_far_above_the_memoryless_reference(benchmark):
    copies = benchmark.train[:600]
    reference = memoryless_reference(
        benchmark.train, benchmark.holdout, copies,
        train_labels=benchmark.train_labels, synthetic_labels=benchmark.train_labels[:600],
        draws=2,
    )
    loss = privacy_loss(benchmark.train, benchmark.holdout, copies)["privacy_loss"]
    assert len(reference["privacy_loss_draws"]) == 2
    assert abs(reference["privacy_loss"]) < 0.1
    assert loss > reference["privacy_loss"] + 0.2


def test_a_fresh_real_sample_scores_below_the_memoryless_reference(benchmark):
    """Real people the generator never saw carry no trace of the training sample's
    frequencies; frequencies estimated from it do."""
    reference = memoryless_reference(
        benchmark.train, benchmark.holdout, benchmark.fresh,
        train_labels=benchmark.train_labels, synthetic_labels=benchmark.fresh_labels,
    )
    fresh = privacy_loss(benchmark.train, benchmark.holdout, benchmark.fresh, repeats=5)
    assert fresh["privacy_loss"] < reference["privacy_loss"]

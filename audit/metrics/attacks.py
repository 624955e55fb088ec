"""Membership inference attacks against a synthetic release.

The threat: an adversary holding the released synthetic haplotypes (and, for some
attacks, real haplotypes of people known not to be in the cohort) wants to decide
whether a target haplotype was in the training set. The audit plays that adversary with
members = training haplotypes and non-members = held-out haplotypes, and scores each
attack by ROC AUC and TPR at low FPR (:mod:`audit.metrics.roc`).

Attacks are registered by name in :data:`ATTACKS`; each maps ``(targets, synthetic,
reference, rng)`` to one score per target, higher meaning "member".

- ``gan_leaks``: Chen, Yu, Zhang & Fritz, "GAN-Leaks: a taxonomy of membership inference
  attacks against generative models", ACM CCS 2020 (full black-box): score = minus the
  Hamming distance to the closest synthetic haplotype.
- ``domias``: van Breugel, Sun, Qian & van der Schaar, "Membership inference attacks
  against synthetic data through overfitting detection", AISTATS 2023: score = log of
  the synthetic density over the reference (population) density at the target, both
  Gaussian KDEs in the leading principal components of synthetic + reference data. It
  flags targets where the generator put more mass than the population has.
- ``segment_match``: the share of the target's 50-SNP windows that occur identically in
  some synthetic haplotype (:mod:`audit.metrics.segments`). It catches generators that
  stitch training haplotypes together, which whole-haplotype distances miss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import gaussian_kde
from sklearn.decomposition import PCA

from .distances import nearest_distance
from .inputs import check_sets, computed_or_reason, require_haplotypes
from .roc import DEFAULT_BOOTSTRAP, roc_summary
from .sampling import metric_rng, subsample_rows
from .segments import window_matches

DOMIAS_COMPONENTS = 5
DOMIAS_MAX_SYNTHETIC = 3000
MAX_TARGETS = 1000

Attack = Callable[[np.ndarray, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]


def gan_leaks_scores(
    targets: np.ndarray, synthetic: np.ndarray, reference: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Minus the distance from each target to its closest synthetic haplotype.

    Examples
    --------
    >>> import numpy as np
    >>> synthetic = np.array([[0, 0, 0], [1, 1, 1]], dtype=np.uint8)
    >>> targets = np.array([[0, 0, 1], [0, 0, 0]], dtype=np.uint8)
    >>> gan_leaks_scores(targets, synthetic, synthetic, np.random.default_rng(0)).tolist()
    [-1.0, -0.0]
    """
    return -nearest_distance(targets, synthetic).astype(np.float64)


def domias_scores(
    targets: np.ndarray, synthetic: np.ndarray, reference: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Log density ratio p_synthetic / p_reference at each target (DOMIAS).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> reference = (rng.random((80, 30)) < 0.5).astype(np.uint8)
    >>> scores = domias_scores(reference[:5], reference, reference, rng)
    >>> scores.shape
    (5,)
    """
    synthetic = synthetic[subsample_rows(len(synthetic), DOMIAS_MAX_SYNTHETIC, rng)]
    pooled = np.vstack([synthetic, reference]).astype(np.float32)
    components = min(DOMIAS_COMPONENTS, pooled.shape[1], len(reference) - 2)
    projection = PCA(n_components=components, random_state=int(rng.integers(2**31))).fit(pooled)

    def project(haplotypes: np.ndarray) -> np.ndarray:
        return projection.transform(haplotypes.astype(np.float32)).T  # (components, n)

    points = project(targets)

    def density(sample: np.ndarray) -> np.ndarray:
        scores = project(sample)
        # a tiny jitter keeps the KDE covariance invertible when haplotypes repeat
        return gaussian_kde(scores + 1e-6 * rng.standard_normal(scores.shape)).logpdf(points)

    return density(synthetic) - density(reference)


def segment_match_scores(
    targets: np.ndarray, synthetic: np.ndarray, reference: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Share of each target's SNP windows found identically in the synthetic set.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> synthetic = (rng.random((20, 120)) < 0.5).astype(np.uint8)
    >>> segment_match_scores(synthetic[:2], synthetic, synthetic, rng).tolist()
    [1.0, 1.0]
    """
    window = min(50, targets.shape[1])
    return window_matches(targets, synthetic, window=window, step=max(1, window // 5)).mean(axis=1)


ATTACKS: dict[str, Attack] = {
    "gan_leaks": gan_leaks_scores,
    "domias": domias_scores,
    "segment_match": segment_match_scores,
}


def membership_inference_summary(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    seed: int = 0,
    attacks: tuple[str, ...] = tuple(ATTACKS),
    max_targets: int = MAX_TARGETS,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
) -> dict[str, Any]:
    """Run membership inference attacks; members = train, non-members = holdout.

    Parameters
    ----------
    train, holdout, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    seed : int
    attacks : tuple of str
        Names from :data:`ATTACKS`.
    max_targets : int
        Largest number of non-member (and as many member) targets.
    n_bootstrap : int
        Bootstrap resamples for the intervals.

    Returns
    -------
    dict
        Per attack: the :func:`~audit.metrics.roc.roc_summary` record (or not computed);
        ``best_auc`` and ``best_tpr_at_1pct_fpr`` over attacks, ``best_attack``.

    Notes
    -----
    The holdout is split in two halves: one is the attacker's reference sample of the
    population (DOMIAS needs one), the other the non-member targets, so no non-member
    target ever informs its own score. Members are drawn from the training set in equal
    number, making AUC and TPR/FPR comparable across attacks.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((100, 60)) < 0.5).astype(np.uint8)
    >>> holdout = (rng.random((100, 60)) < 0.5).astype(np.uint8)
    >>> summary = membership_inference_summary(train, holdout, train.copy(), n_bootstrap=20)
    >>> summary["gan_leaks"]["auc"]
    1.0
    """
    sets = check_sets(train=train, holdout=holdout, synthetic=synthetic)
    train, holdout, synthetic = sets["train"], sets["holdout"], sets["synthetic"]
    unknown = [name for name in attacks if name not in ATTACKS]
    if unknown:
        raise ValueError(f"unknown attack '{unknown[0]}'; expected some of {', '.join(ATTACKS)}")

    def summary() -> dict[str, Any]:
        require_haplotypes(holdout, 20, name="holdout")
        require_haplotypes(train, 10, name="train")
        require_haplotypes(synthetic, 10, name="synthetic")
        rng = metric_rng(seed, "membership-inference")
        order = rng.permutation(len(holdout))
        half = len(holdout) // 2
        reference = holdout[np.sort(order[:half])]
        nonmembers = holdout[np.sort(order[half:][:max_targets])]
        members = train[subsample_rows(len(train), len(nonmembers), rng)]
        targets = np.vstack([members, nonmembers])
        records: dict[str, Any] = {}
        for name in attacks:

            def run(attack: Attack = ATTACKS[name]) -> dict[str, Any]:
                scores = attack(targets, synthetic, reference, rng)
                return roc_summary(
                    scores[: len(members)],
                    scores[len(members) :],
                    rng=rng,
                    n_bootstrap=n_bootstrap,
                )

            records[name] = computed_or_reason(run)
        done = {name: r for name, r in records.items() if r["computed"]}
        best = max(done, key=lambda name: done[name]["auc"]) if done else None
        return {
            **records,
            "best_attack": best,
            "best_auc": done[best]["auc"] if best else None,
            "best_tpr_at_1pct_fpr": max(r["tpr_at_1pct_fpr"] for r in done.values())
            if done
            else None,
            "members": len(members),
            "nonmembers": len(nonmembers),
            "reference": len(reference),
        }

    return computed_or_reason(summary)

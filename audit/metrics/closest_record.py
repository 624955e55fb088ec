"""Copies and near copies: distance to closest record (DCR) and its ratio (NNDR).

A synthetic haplotype identical to a training haplotype reveals a real person's
haplotype outright; one a few alleles away does nearly as much. What counts as "few"
depends on the panel (on 805 ancestry-informative SNPs unrelated haplotypes differ at
~200 sites; on a dense region with long shared haplotypes, far fewer), so the yardstick
is the real data itself: the distances from held-out haplotypes, which the generator
never saw, to their closest training haplotype.

- Exact copy: a synthetic haplotype equal to some training haplotype.
- Near copy: DCR to the training set strictly below the 1st percentile of the holdout's
  own DCRs (and, reported too, the 5th). A fresh real sample has about 1% (5%) of
  haplotypes below, by construction; a memorising generator far more.
- DCR share (Platzer & Reutterer 2021): how often a synthetic haplotype is closer to the
  training set than to an equally large holdout set (ties count half); 0.5 is no leak.
- NNDR: DCR divided by the distance to the second-closest training haplotype; a value
  near 0 means the synthetic haplotype points at one particular record.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

from .distances import nearest_distance, nearest_neighbour_hamming
from .inputs import check_sets, computed_or_reason, require_haplotypes
from .sampling import metric_rng, subsample_rows

NEAR_COPY_PERCENTILES = (1, 5)
MAX_QUERIES = 5000
MAX_SHARE_QUERIES = 2000


def _row_keys(haplotypes: np.ndarray) -> np.ndarray:
    packed = np.ascontiguousarray(np.packbits(haplotypes, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def exact_copy_mask(train: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """Which synthetic haplotypes equal some training haplotype, bool (n_synthetic,).

    Rows are compared as packed bytes (hash lookup), not by pairwise distances.

    Examples
    --------
    >>> import numpy as np
    >>> train = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8)
    >>> exact_copy_mask(train, np.array([[1, 0, 0], [1, 1, 1]], np.uint8)).tolist()
    [True, False]
    """
    sets = check_sets(train=train, synthetic=synthetic)
    return np.isin(_row_keys(sets["synthetic"]), _row_keys(sets["train"]))


def exact_copies(train: np.ndarray, synthetic: np.ndarray) -> int:
    """Number of synthetic haplotypes identical to a training haplotype.

    Parameters
    ----------
    train : numpy.ndarray, uint8, shape (n_train, n_variants)
    synthetic : numpy.ndarray, uint8, shape (n_synthetic, n_variants)

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> train = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8)
    >>> exact_copies(train, np.array([[1, 0, 0], [1, 0, 0], [0, 0, 0]], np.uint8))
    2
    """
    return int(exact_copy_mask(train, synthetic).sum())


def _ratio(neighbours: np.ndarray) -> np.ndarray:
    first, second = neighbours[:, 0].astype(np.float64), neighbours[:, 1].astype(np.float64)
    # two tied copies at distance 0 point at no single record more than the other
    return np.divide(first, second, out=np.ones_like(first), where=second > 0)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    levels = (0, 1, 5, 25, 50)
    return {f"p{q}": float(v) for q, v in zip(levels, np.percentile(values, levels), strict=True)}


def closest_record_summary(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    seed: int = 0,
    max_queries: int = MAX_QUERIES,
) -> dict[str, Any]:
    """Exact and near copies, DCR distributions and test, NNDR.

    Parameters
    ----------
    train, holdout, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    seed : int
        Seeds the subsamples.
    max_queries : int
        Largest number of synthetic haplotypes searched for near copies (exact copies
        are always counted over the whole set).

    Returns
    -------
    dict
        ``exact_copies`` (count), ``exact_copy_fraction``, ``holdout_exact_matches``
        (baseline: holdout haplotypes equal to a training one); ``near_copies`` per
        percentile (``threshold_snps``, ``count``, ``fraction`` of synthetic with DCR
        strictly below the threshold, ``expected_fraction`` = the holdout's own);
        ``dcr`` quantiles in SNPs for synthetic->train, holdout->train,
        synthetic->holdout; ``dcr_share`` and a one-sided Mann-Whitney ``dcr_p_value``;
        ``nndr`` quantiles for synthetic and holdout. Or ``{"computed": False,
        "reason"}``.

    Notes
    -----
    The DCR share compares each synthetic haplotype's distance to a random subset of the
    training set as large as the holdout, so set size does not bias it; it and its test
    use at most 2,000 synthetic haplotypes, which bound the p-value well below any
    useful level. Thresholds as
    in Platzer & Reutterer, "Holdout-based empirical assessment of mixed-type synthetic
    data", Frontiers in Big Data 4: 679939 (2021).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((80, 60)) < 0.5).astype(np.uint8)
    >>> holdout = (rng.random((40, 60)) < 0.5).astype(np.uint8)
    >>> summary = closest_record_summary(train, holdout, train[:40].copy())
    >>> summary["exact_copies"], summary["near_copies"]["p1"]["fraction"]
    (40, 1.0)
    """
    sets = check_sets(train=train, holdout=holdout, synthetic=synthetic)
    train, holdout, synthetic = sets["train"], sets["holdout"], sets["synthetic"]

    def summary() -> dict[str, Any]:
        require_haplotypes(train, 2, name="train")
        require_haplotypes(holdout, 20, name="holdout")
        require_haplotypes(synthetic, 1, name="synthetic")
        rng = metric_rng(seed, "closest-record")
        copies = exact_copy_mask(train, synthetic)
        queries = synthetic[subsample_rows(len(synthetic), max_queries, rng)]
        synthetic_neighbours = nearest_neighbour_hamming(queries, train, k=2).distances
        holdout_neighbours = nearest_neighbour_hamming(holdout, train, k=2).distances
        synthetic_dcr, holdout_dcr = synthetic_neighbours[:, 0], holdout_neighbours[:, 0]
        near = {}
        for level in NEAR_COPY_PERCENTILES:
            threshold = float(np.percentile(holdout_dcr, level))
            near[f"p{level}"] = {
                "threshold_snps": threshold,
                "count": int((synthetic_dcr < threshold).sum()),
                "fraction": float(np.mean(synthetic_dcr < threshold)),
                "expected_fraction": float(np.mean(holdout_dcr < threshold)),
            }
        equal_train = train[subsample_rows(len(train), len(holdout), rng)]
        share_queries = queries[subsample_rows(len(queries), MAX_SHARE_QUERIES, rng)]
        to_train = nearest_distance(share_queries, equal_train)
        to_holdout = nearest_distance(share_queries, holdout)
        share = float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))
        p_value = (
            float(mannwhitneyu(to_train, to_holdout, alternative="less").pvalue)
            if np.ptp(np.concatenate([to_train, to_holdout])) > 0
            else 1.0
        )
        return {
            "exact_copies": int(copies.sum()),
            "exact_copy_fraction": float(copies.mean()),
            "holdout_exact_matches": int(exact_copy_mask(train, holdout).sum()),
            "near_copies": near,
            "queries": len(queries),
            "dcr": {
                "synthetic_to_train": _quantiles(synthetic_dcr),
                "holdout_to_train": _quantiles(holdout_dcr),
                "synthetic_to_holdout": _quantiles(to_holdout),
                "synthetic_to_train_histogram": np.bincount(synthetic_dcr).tolist(),
                "holdout_to_train_histogram": np.bincount(holdout_dcr).tolist(),
            },
            "dcr_share": share,
            "dcr_p_value": p_value,
            "nndr": {
                "synthetic": _quantiles(_ratio(synthetic_neighbours)),
                "holdout": _quantiles(_ratio(holdout_neighbours)),
            },
        }

    return computed_or_reason(summary)

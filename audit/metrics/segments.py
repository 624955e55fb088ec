"""Copied segments: synthetic haplotypes stitched from long stretches of training ones.

A generator can leak without producing a near copy: a mosaic of training haplotypes,
each piece a hundred SNPs long, is far from every single training haplotype yet hands
out real people's haplotype segments. Whole-haplotype distances miss it; matching
windows finds it. For each window of ``window`` consecutive SNPs (stepping ``step``
SNPs), a haplotype's window is "found in training" when some training haplotype
carries exactly the same alleles there. Any copied stretch of at least
``window + step - 1`` SNPs contains a whole window.

Real haplotypes also share segments (identity by descent, common haplotypes in strong
LD), so the yardstick is again the holdout: the statistic is the mean fraction of a
haplotype's windows found in training, for synthetic haplotypes minus the same for
held-out ones. About 0 means no more sharing than between unrelated real people.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inputs import NotComputed, check_sets, computed_or_reason, require_haplotypes

DEFAULT_WINDOW = 50
DEFAULT_STEP = 10


def window_starts(n_variants: int, window: int, step: int) -> np.ndarray:
    """First SNP of each window; the last window ends at the last SNP.

    Examples
    --------
    >>> window_starts(25, 10, 5).tolist()
    [0, 5, 10, 15]
    """
    if n_variants < window:
        return np.zeros(0, dtype=np.int64)
    starts = np.arange(0, n_variants - window + 1, step)
    if starts[-1] != n_variants - window:
        starts = np.append(starts, n_variants - window)
    return starts


def window_matches(
    query: np.ndarray, source: np.ndarray, *, window: int = DEFAULT_WINDOW, step: int = DEFAULT_STEP
) -> np.ndarray:
    """Which windows of each query haplotype occur, identically, in some source haplotype.

    Parameters
    ----------
    query : numpy.ndarray, uint8, shape (n_query, n_variants)
    source : numpy.ndarray, uint8, shape (n_source, n_variants)
    window, step : int
        Window length and step, in SNPs.

    Returns
    -------
    numpy.ndarray, bool, shape (n_query, n_windows)

    Notes
    -----
    Windows are compared as packed bytes with a sorted lookup (``numpy.isin``), so the
    cost is linear in the number of haplotypes, not quadratic.

    Examples
    --------
    >>> import numpy as np
    >>> source = np.array([[0, 0, 1, 1], [1, 1, 1, 1]], dtype=np.uint8)
    >>> window_matches(np.array([[0, 0, 0, 1]], np.uint8), source, window=2, step=2).tolist()
    [[True, False]]
    """
    sets = check_sets(query=query, source=source)
    query, source = sets["query"], sets["source"]
    starts = window_starts(query.shape[1], window, step)
    found = np.zeros((query.shape[0], len(starts)), dtype=bool)
    for column, start in enumerate(starts):
        keys = [
            np.ascontiguousarray(np.packbits(haplotypes[:, start : start + window], axis=1))
            for haplotypes in (query, source)
        ]
        query_keys, source_keys = (k.view(np.dtype((np.void, k.shape[1]))).ravel() for k in keys)
        found[:, column] = np.isin(query_keys, source_keys)
    return found


def segment_copy_summary(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    window: int = DEFAULT_WINDOW,
    step: int = DEFAULT_STEP,
) -> dict[str, Any]:
    """Excess of training segments in synthetic haplotypes over the holdout baseline.

    Parameters
    ----------
    train, holdout, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    window, step : int
        Window length and step, in SNPs.

    Returns
    -------
    dict
        ``excess`` (synthetic minus holdout mean fraction of windows found in training),
        ``synthetic_fraction``, ``holdout_fraction``, ``synthetic_with_any`` and
        ``holdout_with_any`` (haplotypes with at least one window found), ``windows``;
        or ``{"computed": False, "reason"}``.

    Notes
    -----
    The holdout baseline makes the statistic panel-independent, in the spirit of the
    holdout-based assessment of Platzer & Reutterer (Frontiers in Big Data 4: 679939,
    2021). Synthetic and holdout haplotypes are matched against the same training set.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((50, 200)) < 0.5).astype(np.uint8)
    >>> holdout = (rng.random((50, 200)) < 0.5).astype(np.uint8)
    >>> mosaic = np.hstack([train[:20, :100], train[20:40, 100:]])
    >>> segment_copy_summary(train, holdout, mosaic)["excess"]  # windows across the seam miss
    0.75
    """
    sets = check_sets(train=train, holdout=holdout, synthetic=synthetic)
    train, holdout, synthetic = sets["train"], sets["holdout"], sets["synthetic"]

    def summary() -> dict[str, Any]:
        require_haplotypes(train, 1, name="train")
        require_haplotypes(holdout, 10, name="holdout")
        require_haplotypes(synthetic, 1, name="synthetic")
        if train.shape[1] < window:
            raise NotComputed(
                f"needs at least {window} SNPs for {window}-SNP windows; found {train.shape[1]}"
            )
        synthetic_found = window_matches(synthetic, train, window=window, step=step)
        holdout_found = window_matches(holdout, train, window=window, step=step)
        synthetic_fraction = float(synthetic_found.mean())
        holdout_fraction = float(holdout_found.mean())
        return {
            "excess": synthetic_fraction - holdout_fraction,
            "synthetic_fraction": synthetic_fraction,
            "holdout_fraction": holdout_fraction,
            "synthetic_with_any": float(synthetic_found.any(axis=1).mean()),
            "holdout_with_any": float(holdout_found.any(axis=1).mean()),
            "windows": int(synthetic_found.shape[1]),
            "window_snps": window,
            "step_snps": step,
        }

    return computed_or_reason(summary)

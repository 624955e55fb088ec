"""3-point correlations of SNP triplets: structure beyond pairwise LD.

Yelmen et al. (2021, PLOS Genetics 17: e1009303) check that artificial genomes keep
higher-order dependencies by comparing the connected 3-point correlations of SNP
triplets drawn within windows of consecutive SNPs, real against artificial, and
reporting the correlation of the two sets of values for several window widths. For
alleles ``x, y, z`` (0/1) over haplotypes the connected correlation is::

    C3 = <xyz> - <xy><z> - <xz><y> - <yz><x> + 2 <x><y><z>

which vanishes when the triplet's dependence is fully explained by pairwise LD.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fidelity import correlation
from .inputs import NotComputed, check_sets, computed_or_reason, require_haplotypes
from .ld import polymorphic
from .sampling import metric_rng

WINDOWS = (5, 20, 100)
TRIPLETS_PER_WINDOW = 5000
_CHUNK = 20_000


def connected_three_point(haplotypes: np.ndarray, triplets: np.ndarray) -> np.ndarray:
    """Connected 3-point correlation of each SNP triplet.

    Parameters
    ----------
    haplotypes : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    triplets : numpy.ndarray, int, shape (n_triplets, 3)
        Column indices.

    Returns
    -------
    numpy.ndarray, float64, shape (n_triplets,)

    Examples
    --------
    >>> import numpy as np
    >>> haplotypes = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 1, 1]], dtype=np.uint8)
    >>> connected_three_point(haplotypes, np.array([[0, 1, 2]])).tolist()
    [0.0]
    """
    haplotypes = check_sets(haplotypes=haplotypes)["haplotypes"]
    n = float(haplotypes.shape[0])
    packed = np.packbits(haplotypes.T, axis=1)
    mean = haplotypes.mean(axis=0, dtype=np.float64)
    result = np.empty(len(triplets))
    for start in range(0, len(triplets), _CHUNK):
        a, b, c = (packed[triplets[start : start + _CHUNK, k]] for k in range(3))
        xy, xz, yz = (np.bitwise_count(u & v).sum(axis=1) / n for u, v in ((a, b), (a, c), (b, c)))
        xyz = np.bitwise_count(a & b & c).sum(axis=1) / n
        x, y, z = (mean[triplets[start : start + _CHUNK, k]] for k in range(3))
        result[start : start + len(xyz)] = xyz - xy * z - xz * y - yz * x + 2 * x * y * z
    return result


def sample_triplets(
    n_columns: int, window: int, count: int, rng: np.random.Generator
) -> np.ndarray:
    """Triplets of distinct, ordered column positions within ``window`` consecutive columns.

    Examples
    --------
    >>> triplets = sample_triplets(50, 5, 100, np.random.default_rng(0))
    >>> bool((np.ptp(triplets, axis=1) < 5).all()), triplets.shape
    (True, (100, 3))
    """
    window = min(window, n_columns)
    starts = rng.integers(0, n_columns - window + 1, size=count)
    offsets = np.sort(np.argsort(rng.random((count, window)), axis=1)[:, :3], axis=1)
    return starts[:, None] + offsets


def three_point_summary(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    windows: tuple[int, ...] = WINDOWS,
    triplets_per_window: int = TRIPLETS_PER_WINDOW,
    seed: int = 0,
) -> dict[str, Any]:
    """Correlation of real and synthetic connected 3-point correlations, per window width.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    windows : tuple of int
        Widths, in consecutive SNPs polymorphic in both sets, triplets are drawn within.
    triplets_per_window : int
        Random triplets per width (deterministic from ``seed``).

    Returns
    -------
    dict
        ``correlation`` (over all triplets pooled) and ``per_window`` ``{width:
        {correlation, triplets}}`` (a width with constant values is reported as not
        computed); or ``{"computed": False, "reason"}``.

    Notes
    -----
    SNPs monomorphic in either set are dropped first: every triplet containing one has
    C3 = 0 in that set, which would fake agreement. Yelmen et al. 2021, Fig 4.

    Examples
    --------
    >>> import numpy as np
    >>> real = (np.random.default_rng(0).random((100, 40)) < 0.5).astype(np.uint8)
    >>> three_point_summary(real, real, windows=(5,), triplets_per_window=50)["correlation"]
    1.0
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]

    def summary() -> dict[str, Any]:
        require_haplotypes(real, 3, name="real")
        require_haplotypes(synthetic, 3, name="synthetic")
        columns = np.flatnonzero(polymorphic(real) & polymorphic(synthetic))
        if len(columns) < 3:
            raise NotComputed(
                f"needs at least 3 SNPs polymorphic in both sets; found {len(columns)}"
            )
        rng = metric_rng(seed, "three-point")
        per_window: dict[str, Any] = {}
        pooled_real, pooled_synthetic = [], []
        for width in windows:
            triplets = columns[sample_triplets(len(columns), width, triplets_per_window, rng)]
            real_c3 = connected_three_point(real, triplets)
            synthetic_c3 = connected_three_point(synthetic, triplets)
            pooled_real.append(real_c3)
            pooled_synthetic.append(synthetic_c3)
            per_window[str(width)] = computed_or_reason(
                lambda r=real_c3, s=synthetic_c3: {
                    "correlation": correlation(r, s, what="3-point correlations"),
                    "triplets": len(r),
                }
            )
        return {
            "correlation": correlation(
                np.concatenate(pooled_real),
                np.concatenate(pooled_synthetic),
                what="3-point correlations",
            ),
            "per_window": per_window,
            "window_unit": "consecutive polymorphic SNPs",
        }

    return computed_or_reason(summary)

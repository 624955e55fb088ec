"""Population structure in PCA space: fit on real haplotypes, project the synthetic ones.

Yelmen et al. (2021) show real and artificial genomes together on the first principal
components of the real data: a faithful generator fills the same clusters in the same
proportions. The audit turns the picture into a number: the 1-D Wasserstein distance
between real and synthetic scores on each leading component, in units of that
component's real standard deviation (so 0.1 means a tenth of a real SD apart, whatever
the panel), averaged with the components' explained-variance ratios as weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import wasserstein_distance
from sklearn.decomposition import PCA

from .inputs import NotComputed, check_sets, computed_or_reason, require_haplotypes
from .sampling import metric_rng, subsample_rows

DEFAULT_COMPONENTS = 10
PLOT_POINTS = 2000


def pca_projection(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    n_components: int = DEFAULT_COMPONENTS,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal-component scores of real haplotypes and of projected synthetic ones.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    n_components : int
        Components kept (fewer when the data have fewer).

    Returns
    -------
    real_scores : numpy.ndarray, float64, shape (n_real, n_kept)
    synthetic_scores : numpy.ndarray, float64, shape (n_synthetic, n_kept)
    explained_variance_ratio : numpy.ndarray, float64, shape (n_kept,)

    Notes
    -----
    SNPs are centred and scaled by ``sqrt(p (1 - p))`` with ``p`` the real allele
    frequency (Patterson, Price & Reich, PLoS Genetics 2: e190, 2006); SNPs monomorphic in
    the real set carry no information and are dropped.

    Examples
    --------
    >>> import numpy as np
    >>> real = (np.random.default_rng(0).random((50, 20)) < 0.5).astype(np.uint8)
    >>> real_scores, synthetic_scores, ratio = pca_projection(real, real[:5], n_components=3)
    >>> real_scores.shape, synthetic_scores.shape
    ((50, 3), (5, 3))
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]
    require_haplotypes(real, 3, name="real")
    require_haplotypes(synthetic, 1, name="synthetic")
    frequency = real.mean(axis=0, dtype=np.float64)
    usable = (frequency > 0) & (frequency < 1)
    if usable.sum() < 2:
        raise NotComputed(
            f"needs at least 2 SNPs polymorphic in the real set; found {usable.sum()}"
        )
    centre = frequency[usable]
    scale = np.sqrt(centre * (1 - centre))

    def standardise(haplotypes: np.ndarray) -> np.ndarray:
        return (haplotypes[:, usable] - centre) / scale

    kept = min(n_components, int(usable.sum()), real.shape[0] - 1)
    model = PCA(n_components=kept, svd_solver="randomized", random_state=seed).fit(
        standardise(real)
    )
    return (
        model.transform(standardise(real)),
        model.transform(standardise(synthetic)),
        model.explained_variance_ratio_,
    )


def pca_summary(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    n_components: int = DEFAULT_COMPONENTS,
    real_labels: list[str] | None = None,
    synthetic_labels: list[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Distance between real and synthetic haplotypes in the real data's PC space.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    n_components : int
        Leading components compared.
    real_labels, synthetic_labels : list of str, optional
        Population of each haplotype, carried into the plotted points.

    Returns
    -------
    dict
        ``distance`` (explained-variance-weighted mean of the standardised
        per-component Wasserstein-1 distances),
        ``per_component``, ``explained_variance_ratio`` and ``points`` (PC1/PC2 of at
        most 2,000 haplotypes per set, with labels) for plotting; or
        ``{"computed": False, "reason"}``.

    Notes
    -----
    Per-component 1-D Wasserstein distances (not a joint distance in k dimensions) are
    exact, fast, and say which axis of structure a generator misses. Each is divided by
    the component's real standard deviation. Weighting by explained variance keeps the
    number on the main axes of structure, which are well estimated: an unweighted mean
    is dominated by trailing components whose sampling noise alone is 0.2-0.3 SD at 600
    haplotypes. On the 805-SNP panel (1,200 training haplotypes) a fresh real sample of
    600 scores 0.07; East Asians alone 0.94; SNPs drawn independently at the right
    frequencies 0.71.

    Examples
    --------
    >>> import numpy as np
    >>> real = (np.random.default_rng(0).random((60, 20)) < 0.5).astype(np.uint8)
    >>> pca_summary(real, real, n_components=2)["distance"]
    0.0
    """

    def summary() -> dict[str, Any]:
        real_scores, synthetic_scores, ratio = pca_projection(
            real, synthetic, n_components=n_components, seed=seed
        )
        spread = real_scores.std(axis=0)
        per_component = [
            float(wasserstein_distance(real_scores[:, k], synthetic_scores[:, k]) / spread[k])
            if spread[k] > 0
            else 0.0
            for k in range(real_scores.shape[1])
        ]
        rng = metric_rng(seed, "pca-points")
        real_rows = subsample_rows(len(real_scores), PLOT_POINTS, rng)
        synthetic_rows = subsample_rows(len(synthetic_scores), PLOT_POINTS, rng)

        def points(
            scores: np.ndarray, rows: np.ndarray, labels: list[str] | None
        ) -> dict[str, Any]:
            shown = scores[rows, : min(2, scores.shape[1])]
            return {
                "pc1": shown[:, 0].tolist(),
                "pc2": shown[:, 1].tolist() if shown.shape[1] > 1 else [0.0] * len(rows),
                "labels": [labels[i] for i in rows] if labels is not None else None,
            }

        return {
            "distance": float(np.average(per_component, weights=ratio)),
            "definition": "variance-weighted mean over PCs of Wasserstein-1(real, synthetic) / real SD",
            "per_component": per_component,
            "explained_variance_ratio": ratio.tolist(),
            "points": {
                "real": points(real_scores, real_rows, real_labels),
                "synthetic": points(synthetic_scores, synthetic_rows, synthetic_labels),
            },
        }

    return computed_or_reason(summary)


def pca_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Variance-weighted standardised per-PC Wasserstein distance (see :func:`pca_summary`).

    Examples
    --------
    >>> import numpy as np
    >>> real = (np.random.default_rng(0).random((60, 20)) < 0.5).astype(np.uint8)
    >>> pca_distance(real, real) == 0.0
    True
    """
    summary = pca_summary(real, synthetic)
    if not summary["computed"]:
        raise NotComputed(summary["reason"])
    return float(summary["distance"])

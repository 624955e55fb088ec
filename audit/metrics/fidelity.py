"""Allele frequencies: the first thing a synthetic cohort must reproduce.

Yelmen et al. (2021) compare real and artificial per-SNP alternate-allele frequencies in
a scatter and summarise them with the correlation of the two vectors; the audit reports
its square, r^2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inputs import NotComputed, check_sets, computed_or_reason, require_haplotypes
from .sampling import evenly_spaced

SCATTER_POINTS = 5000


def allele_frequencies(haplotypes: np.ndarray) -> np.ndarray:
    """Alternate-allele frequency of each SNP.

    Parameters
    ----------
    haplotypes : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)

    Returns
    -------
    numpy.ndarray, float64, shape (n_variants,)

    Examples
    --------
    >>> import numpy as np
    >>> allele_frequencies(np.array([[0, 1], [1, 1]], dtype=np.uint8)).tolist()
    [0.5, 1.0]
    """
    haplotypes = check_sets(haplotypes=haplotypes)["haplotypes"]
    require_haplotypes(haplotypes, 1, name="input")
    return haplotypes.mean(axis=0, dtype=np.float64)


def correlation(first: np.ndarray, second: np.ndarray, *, what: str) -> float:
    """Pearson correlation, or :class:`NotComputed` when either side is constant."""
    if len(first) < 3:
        raise NotComputed(f"needs at least 3 {what} to correlate; found {len(first)}")
    if np.ptp(first) == 0 or np.ptp(second) == 0:
        raise NotComputed(f"the {what} are constant in one set, so their correlation is undefined")
    return float(np.corrcoef(first, second)[0, 1])


def allele_frequency_summary(real: np.ndarray, synthetic: np.ndarray) -> dict[str, Any]:
    """Allele-frequency agreement of a synthetic set with a real one.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)

    Returns
    -------
    dict
        ``computed``; ``r2`` (squared Pearson correlation of the per-SNP frequency
        vectors), ``mean_absolute_difference``, ``max_absolute_difference``,
        ``n_snps``; ``scatter`` with ``real`` and ``synthetic`` frequencies (at most
        5,000 SNPs, evenly spaced) for plotting. Or ``{"computed": False, "reason"}``.

    Notes
    -----
    SNPs fixed in one or both sets are kept: agreement on a fixed allele is agreement
    (the 805-SNP panel has three SNPs fixed for the alternate allele). Yelmen et al.,
    "Creating artificial human genomes using generative neural networks", PLOS Genetics
    17(2): e1009303 (2021), Fig 2.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 1]], dtype=np.uint8)
    >>> allele_frequency_summary(real, real)["r2"]
    1.0
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]

    def summary() -> dict[str, Any]:
        require_haplotypes(real, 1, name="real")
        require_haplotypes(synthetic, 1, name="synthetic")
        real_af, synthetic_af = allele_frequencies(real), allele_frequencies(synthetic)
        difference = np.abs(real_af - synthetic_af)
        shown = evenly_spaced(len(real_af), SCATTER_POINTS)
        return {
            "r2": correlation(real_af, synthetic_af, what="allele frequencies") ** 2,
            "mean_absolute_difference": float(difference.mean()),
            "max_absolute_difference": float(difference.max()),
            "n_snps": int(len(real_af)),
            "scatter": {"real": real_af[shown].tolist(), "synthetic": synthetic_af[shown].tolist()},
        }

    return computed_or_reason(summary)


def allele_frequency_r2(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Squared correlation of per-SNP alternate-allele frequencies (see the summary).

    Raises :class:`~audit.metrics.inputs.NotComputed` when undefined.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 1]], dtype=np.uint8)
    >>> round(allele_frequency_r2(real, real[::-1]), 3)
    1.0
    """
    sets = check_sets(real=real, synthetic=synthetic)
    return (
        correlation(
            allele_frequencies(sets["real"]),
            allele_frequencies(sets["synthetic"]),
            what="allele frequencies",
        )
        ** 2
    )

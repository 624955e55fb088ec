"""Population structure by label: per-population allele frequencies and Hudson's Fst.

When haplotypes carry population labels (a sample panel, or a conditional generator's
requested labels), a faithful release reproduces each population's allele frequencies
and the differentiation between populations. Differentiation is Hudson's Fst in the
ratio-of-averages form recommended by Bhatia, Patterson, Sankararaman & Price,
"Estimating and interpreting FST: the impact of rare variants", Genome Research 23:
1514-1521 (2013).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from .fidelity import correlation
from .inputs import AuditError, NotComputed, check_sets, computed_or_reason

MIN_PER_POPULATION = 10


def hudson_fst(first: np.ndarray, second: np.ndarray) -> float:
    """Hudson's Fst between two sets of haplotypes (ratio of averages over SNPs).

    Parameters
    ----------
    first, second : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
        At least two haplotypes each.

    Returns
    -------
    float

    Notes
    -----
    Per SNP, ``N = (p1 - p2)^2 - p1(1 - p1)/(n1 - 1) - p2(1 - p2)/(n2 - 1)`` and
    ``D = p1(1 - p2) + p2(1 - p1)``; Fst = sum(N) / sum(D) (Bhatia et al. 2013, Eq. 10).

    Examples
    --------
    >>> import numpy as np
    >>> first = np.array([[0, 0], [0, 0], [0, 1]], dtype=np.uint8)
    >>> second = np.array([[1, 1], [1, 1], [1, 0]], dtype=np.uint8)
    >>> round(hudson_fst(first, second), 3)
    0.571
    """
    sets = check_sets(first=first, second=second)
    n1, n2 = len(sets["first"]), len(sets["second"])
    if min(n1, n2) < 2:
        raise NotComputed(f"needs at least 2 haplotypes per population; found {min(n1, n2)}")
    p1 = sets["first"].mean(axis=0, dtype=np.float64)
    p2 = sets["second"].mean(axis=0, dtype=np.float64)
    numerator = (p1 - p2) ** 2 - p1 * (1 - p1) / (n1 - 1) - p2 * (1 - p2) / (n2 - 1)
    denominator = p1 * (1 - p2) + p2 * (1 - p1)
    if denominator.sum() == 0:
        raise NotComputed("no SNP is polymorphic across the two populations")
    return float(numerator.sum() / denominator.sum())


def _labels(labels: list[str] | None, n: int, name: str) -> np.ndarray | None:
    if labels is None:
        return None
    if len(labels) != n:
        raise AuditError(
            f"expected {n} {name} population labels (one per haplotype); found {len(labels)}"
        )
    return np.asarray(labels, dtype=object)


def population_structure_summary(
    real: np.ndarray,
    synthetic: np.ndarray,
    real_labels: list[str] | None,
    synthetic_labels: list[str] | None,
    *,
    min_per_population: int = MIN_PER_POPULATION,
) -> dict[str, Any]:
    """Per-population allele-frequency r^2 and the pairwise Fst of real vs synthetic.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    real_labels, synthetic_labels : list of str or None
        One population label per haplotype.
    min_per_population : int
        Populations with fewer haplotypes in either set are left out.

    Returns
    -------
    dict
        ``populations`` {name: {af_r2, real, synthetic}}, ``proportions`` of labels in
        each set, ``fst`` {"A|B": {real, synthetic}}, ``fst_correlation`` (over pairs,
        when at least 3), ``fst_mean_absolute_difference``; or ``{"computed": False,
        "reason"}`` (no labels, or no population large enough in both sets).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = np.vstack([rng.random((20, 30)) < 0.2, rng.random((20, 30)) < 0.8]).astype(np.uint8)
    >>> labels = ["A"] * 20 + ["B"] * 20
    >>> summary = population_structure_summary(real, real, labels, labels)
    >>> summary["populations"]["A"]["af_r2"], summary["fst_mean_absolute_difference"]
    (1.0, 0.0)
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]
    real_by = _labels(real_labels, len(real), "real")
    synthetic_by = _labels(synthetic_labels, len(synthetic), "synthetic")

    def summary() -> dict[str, Any]:
        if real_by is None or synthetic_by is None:
            missing = "real" if real_by is None else "synthetic"
            raise NotComputed(f"the {missing} haplotypes carry no population labels")
        shared = sorted(
            p
            for p in set(real_by) & set(synthetic_by)
            if min((real_by == p).sum(), (synthetic_by == p).sum()) >= min_per_population
        )
        if not shared:
            raise NotComputed(
                f"no population has {min_per_population} or more haplotypes in both sets"
            )
        populations = {}
        for population in shared:
            real_af = real[real_by == population].mean(axis=0, dtype=np.float64)
            synthetic_af = synthetic[synthetic_by == population].mean(axis=0, dtype=np.float64)
            populations[population] = computed_or_reason(
                lambda r=real_af, s=synthetic_af: {
                    "af_r2": correlation(r, s, what="allele frequencies") ** 2
                }
            ) | {
                "real": int((real_by == population).sum()),
                "synthetic": int((synthetic_by == population).sum()),
            }
        fst = {}
        for first, second in combinations(shared, 2):
            fst[f"{first}|{second}"] = {
                "real": hudson_fst(real[real_by == first], real[real_by == second]),
                "synthetic": hudson_fst(
                    synthetic[synthetic_by == first], synthetic[synthetic_by == second]
                ),
            }
        real_fst = np.array([v["real"] for v in fst.values()])
        synthetic_fst = np.array([v["synthetic"] for v in fst.values()])
        record: dict[str, Any] = {
            "populations": populations,
            "proportions": {
                name: {str(p): float(np.mean(by == p)) for p in sorted(set(by))}
                for name, by in (("real", real_by), ("synthetic", synthetic_by))
            },
            "fst": fst,
            "fst_mean_absolute_difference": float(np.abs(real_fst - synthetic_fst).mean())
            if len(fst)
            else None,
            "fst_correlation": computed_or_reason(
                lambda: {"value": correlation(real_fst, synthetic_fst, what="pairwise Fst values")}
            ),
        }
        return record

    return computed_or_reason(summary)

"""Linkage disequilibrium: r^2 between SNP pairs, its real/synthetic agreement, LD decay.

r is the Pearson correlation of the 0/1 alleles of two SNPs over haplotypes (the phased
r of Hill & Robertson 1968; on haplotypes it equals scikit-allel's
``rogers_huff_r``). It is computed from allele counts with bit-packed popcounts, so a
hundred thousand pairs over thousands of haplotypes take a fraction of a second.

Pairs are SNPs on the same chromosome at most ``window_bp`` apart when positions are
given (LD between distant or unlinked SNPs is population structure, which PCA and Fst
measure), else all pairs. When there are more than ``max_pairs`` candidates, a
deterministic random subset is drawn without listing them all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generation.engine.genotypes import VariantTable

from .fidelity import correlation
from .inputs import AuditError, NotComputed, check_sets, computed_or_reason, require_haplotypes
from .sampling import metric_rng

DEFAULT_WINDOW_BP = 1_000_000
DEFAULT_MAX_PAIRS = 100_000
DECAY_BINS = 12
_PAIR_CHUNK = 20_000


def polymorphic(haplotypes: np.ndarray) -> np.ndarray:
    """Boolean mask of SNPs carrying both alleles in ``haplotypes``, shape (n_variants,)."""
    alternate = haplotypes.sum(axis=0, dtype=np.int64)
    return (alternate > 0) & (alternate < haplotypes.shape[0])


def snp_pairs(
    candidates: np.ndarray,
    variants: VariantTable | None,
    *,
    window_bp: int,
    max_pairs: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """SNP pairs among ``candidates`` (column indices), sampled when too many.

    Returns
    -------
    first, second : numpy.ndarray, int64, shape (n_pairs,)
        Column indices with ``first`` before ``second`` in (chromosome, position) order.
    distance : numpy.ndarray, int64, shape (n_pairs,)
        Base pairs between the SNPs, or SNPs between them (in panel order) when
        ``variants`` is None.
    total : int
        Number of candidate pairs before sampling.
    """
    if variants is None:
        coordinate = candidates.astype(np.int64)
        reach = len(candidates)
    else:
        _, chromosome = np.unique(variants.chrom[candidates].astype(str), return_inverse=True)
        positions = variants.pos[candidates].astype(np.int64)
        span = int(positions.max(initial=0)) + window_bp + 1
        # chromosomes are laid end to end, each further apart than the window
        coordinate = chromosome.astype(np.int64) * span + positions
        reach = window_bp
    order = np.argsort(coordinate, kind="stable")
    columns, coordinate = candidates[order], coordinate[order]
    end = np.searchsorted(coordinate, coordinate + reach, side="right")
    partners = end - np.arange(len(columns)) - 1
    cumulative = np.cumsum(partners)
    total = int(cumulative[-1]) if len(cumulative) else 0
    ranks = (
        np.sort(rng.choice(total, size=max_pairs, replace=False))
        if total > max_pairs
        else np.arange(total)
    )
    a = np.searchsorted(cumulative, ranks, side="right")
    b = a + 1 + ranks - (cumulative[a] - partners[a])
    return columns[a], columns[b], coordinate[b] - coordinate[a], total


def pair_r2(haplotypes: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Squared allelic correlation r^2 of SNP pairs ``(first[k], second[k])``.

    Parameters
    ----------
    haplotypes : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    first, second : numpy.ndarray, int, shape (n_pairs,)
        Column indices of SNPs polymorphic in ``haplotypes``.

    Returns
    -------
    numpy.ndarray, float64, shape (n_pairs,)

    Notes
    -----
    ``r = (n n_11 - n_1. n_.1) / sqrt(n_1.(n - n_1.) n_.1(n - n_.1))`` from allele counts
    (Hill & Robertson, Theor Appl Genet 38:226, 1968).

    Examples
    --------
    >>> import numpy as np
    >>> haplotypes = np.array([[0, 0, 1], [1, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=np.uint8)
    >>> pair_r2(haplotypes, np.array([0, 0]), np.array([1, 2])).tolist()
    [1.0, 0.0]
    """
    haplotypes = check_sets(haplotypes=haplotypes)["haplotypes"]
    counts = haplotypes.sum(axis=0, dtype=np.int64).astype(np.float64)
    n = float(haplotypes.shape[0])
    if ((counts[first] % n == 0) | (counts[second] % n == 0)).any():
        raise AuditError("expected SNPs polymorphic in the set; found a monomorphic SNP in a pair")
    packed = np.packbits(haplotypes.T, axis=1)  # (n_variants, ceil(n / 8))
    both = np.empty(len(first), dtype=np.float64)
    for start in range(0, len(first), _PAIR_CHUNK):
        a, b = first[start : start + _PAIR_CHUNK], second[start : start + _PAIR_CHUNK]
        both[start : start + len(a)] = np.bitwise_count(packed[a] & packed[b]).sum(axis=1)
    p, q = counts[first], counts[second]
    r = (n * both - p * q) / np.sqrt(p * (n - p) * q * (n - q))
    return np.clip(r * r, 0.0, 1.0)


def _decay(
    distance: np.ndarray, real_r2: np.ndarray, synthetic_r2: np.ndarray, reach: int
) -> dict[str, Any]:
    edges = np.unique(np.geomspace(1, max(reach, 2), DECAY_BINS + 1).round().astype(np.int64))
    edges[0] = 0
    which = np.clip(np.searchsorted(edges, distance, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(which, minlength=len(edges) - 1)

    def means(values: np.ndarray) -> list[float | None]:
        sums = np.bincount(which, weights=values, minlength=len(edges) - 1)
        return [float(s / c) if c else None for s, c in zip(sums, counts, strict=True)]

    return {
        "bin_edges": edges.tolist(),
        "pairs": counts.tolist(),
        "real_mean_r2": means(real_r2),
        "synthetic_mean_r2": means(synthetic_r2),
    }


def ld_summary(
    real: np.ndarray,
    synthetic: np.ndarray,
    variants: VariantTable | None = None,
    *,
    window_bp: int = DEFAULT_WINDOW_BP,
    max_pairs: int = DEFAULT_MAX_PAIRS,
    seed: int = 0,
) -> dict[str, Any]:
    """Agreement of real and synthetic LD over SNP pairs, and LD decay with distance.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    variants : VariantTable, optional
        Chromosomes and positions; without them every pair is used and decay is by
        SNP index distance.
    window_bp : int
        Largest distance between the SNPs of a pair, in base pairs.
    max_pairs : int
        Largest number of pairs; more are sampled deterministically from ``seed``.

    Returns
    -------
    dict
        ``correlation`` (Pearson correlation of real and synthetic r^2 over the pairs),
        ``n_pairs``, ``candidate_pairs``, ``skipped_monomorphic_snps``, ``pairing``,
        ``decay`` (mean r^2 per distance bin, ``None`` for empty bins) and
        ``all_pairs`` (the same correlation over every pair of SNPs, linked or not,
        sampled up to ``max_pairs``: ``correlation``, ``n_pairs``); or
        ``{"computed": False, "reason"}``.

    Notes
    -----
    SNPs monomorphic in either set are dropped before pairing: their r is undefined
    (0/0), and keeping them would leak NaN or fake agreement. Yelmen et al. (2021, PLOS
    Genetics 17: e1009303) compare LD matrices of real and artificial genomes and their
    decay with distance (Figs 3-4).

    The two figures answer different questions. Over pairs within ``window_bp`` the
    correlation measures linkage: on SNPs spread over the genome (the 805-SNP set has
    359 such pairs) a sample with population structure and no linkage at all scores
    about 0.55. Over all pairs most r^2 between unlinked SNPs is population structure
    (allele frequencies differing between populations), so the same sample scores
    about 0.97: ``all_pairs`` is the figure to set beside a full LD matrix comparison,
    ``correlation`` the stricter test of haplotype structure.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = (rng.random((200, 30)) < 0.4).astype(np.uint8)
    >>> summary = ld_summary(real, real)
    >>> summary["correlation"], summary["n_pairs"]
    (1.0, 435)
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]
    if variants is not None and len(variants) != real.shape[1]:
        raise AuditError(f"expected a variant table of {real.shape[1]} SNPs; found {len(variants)}")

    def summary() -> dict[str, Any]:
        require_haplotypes(real, 2, name="real")
        require_haplotypes(synthetic, 2, name="synthetic")
        usable = polymorphic(real) & polymorphic(synthetic)
        candidates = np.flatnonzero(usable)
        first, second, distance, total = snp_pairs(
            candidates,
            variants,
            window_bp=window_bp,
            max_pairs=max_pairs,
            rng=metric_rng(seed, "ld"),
        )
        if len(first) < 3:
            where = f"within {window_bp:,} bp on one chromosome" if variants is not None else ""
            raise NotComputed(
                f"needs at least 3 pairs of SNPs polymorphic in both sets {where}; "
                f"found {len(first)}".replace("  ", " ")
            )
        real_r2 = pair_r2(real, first, second)
        synthetic_r2 = pair_r2(synthetic, first, second)
        reach = window_bp if variants is not None else real.shape[1]
        linked = correlation(real_r2, synthetic_r2, what="LD r^2 values")
        if variants is None:
            all_pairs = {"correlation": linked, "n_pairs": int(len(first))}
        else:
            any_first, any_second, _, _ = snp_pairs(
                candidates, None, window_bp=window_bp, max_pairs=max_pairs,
                rng=metric_rng(seed, "ld_all_pairs"),
            )
            all_pairs = {
                "correlation": correlation(
                    pair_r2(real, any_first, any_second),
                    pair_r2(synthetic, any_first, any_second),
                    what="LD r^2 values over all pairs",
                ),
                "n_pairs": int(len(any_first)),
            }
        return {
            "correlation": linked,
            "n_pairs": int(len(first)),
            "candidate_pairs": total,
            "skipped_monomorphic_snps": int((~usable).sum()),
            "pairing": (
                f"same chromosome, at most {window_bp} bp apart"
                if variants is not None
                else "all pairs (no positions)"
            ),
            "distance_unit": "bp" if variants is not None else "SNPs",
            "mean_r2": {"real": float(real_r2.mean()), "synthetic": float(synthetic_r2.mean())},
            "decay": _decay(distance, real_r2, synthetic_r2, reach),
            "all_pairs": all_pairs,
        }

    return computed_or_reason(summary)


def ld_r2_correlation(
    real: np.ndarray, synthetic: np.ndarray, variants: VariantTable | None = None
) -> float:
    """Pearson correlation of real and synthetic LD r^2 over SNP pairs (see :func:`ld_summary`).

    Raises :class:`~audit.metrics.inputs.NotComputed` when too few pairs qualify.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> real = (rng.random((100, 20)) < 0.5).astype(np.uint8)
    >>> round(ld_r2_correlation(real, real[::-1]), 6)
    1.0
    """
    summary = ld_summary(real, synthetic, variants)
    if not summary["computed"]:
        raise NotComputed(summary["reason"])
    return float(summary["correlation"])

"""LD r^2 against scikit-allel, pair selection by window, monomorphic SNPs skipped."""

from __future__ import annotations

import allel
import numpy as np
import pytest

from audit.metrics import NotComputed, ld_r2_correlation
from audit.metrics.ld import ld_summary, pair_r2, polymorphic, snp_pairs
from audit.metrics.privacy import memoryless_sample
from generation.engine.genotypes import VariantTable


def table(chrom: list[str], pos: list[int]) -> VariantTable:
    n = len(pos)
    return VariantTable(
        chrom=np.array(chrom, dtype=object),
        pos=np.array(pos, dtype=np.int64),
        id=np.array([f"s{i}" for i in range(n)], dtype=object),
        ref=np.array(["A"] * n, dtype=object),
        alt=np.array(["G"] * n, dtype=object),
    )


def test_r2_matches_scikit_allel_rogers_huff_r(benchmark):
    haplotypes = benchmark.train[:, :80]
    columns = np.flatnonzero(polymorphic(haplotypes))
    first, second = np.triu_indices(len(columns), 1)
    ours = pair_r2(haplotypes, columns[first], columns[second])
    # rogers_huff_r takes alternate-allele counts per (variant, sample); haplotypes are
    # haploid samples, for which it is the Pearson r of the 0/1 alleles
    theirs = allel.rogers_huff_r(haplotypes[:, columns].T.astype(np.int8)) ** 2
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_pairs_stay_on_one_chromosome_within_the_window():
    variants = table(["1", "1", "1", "2", "2"], [100, 600, 2_000, 150, 400])
    first, second, distance, total = snp_pairs(
        np.arange(5), variants, window_bp=1_500, max_pairs=100, rng=np.random.default_rng(0)
    )
    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (1, 2), (3, 4)]
    assert sorted(distance.tolist()) == [250, 500, 1400]
    assert total == 3


def test_without_positions_all_pairs_are_used_and_huge_sets_are_subsampled():
    first, second, _, total = snp_pairs(
        np.arange(100), None, window_bp=0, max_pairs=500, rng=np.random.default_rng(0)
    )
    assert total == 4950 and len(first) == 500
    assert (first < second).all()
    assert len(set(zip(first.tolist(), second.tolist(), strict=True))) == 500
    again = snp_pairs(
        np.arange(100), None, window_bp=0, max_pairs=500, rng=np.random.default_rng(0)
    )
    np.testing.assert_array_equal(again[0], first)


def test_snps_monomorphic_in_either_set_are_skipped(benchmark):
    real = benchmark.train[:, :60].copy()
    synthetic = benchmark.fresh[:, :60].copy()
    synthetic[:, 5] = 0
    real[:, 9] = 1
    value = ld_r2_correlation(real, synthetic)
    assert np.isfinite(value) and value > 0.9


def test_no_positions_in_window_means_not_computed():
    rng = np.random.default_rng(0)
    haplotypes = (rng.random((50, 4)) < 0.5).astype(np.uint8)
    variants = table(["1", "2", "3", "4"], [1, 1, 1, 1])
    with pytest.raises(NotComputed, match="needs at least 3 pairs"):
        ld_r2_correlation(haplotypes, haplotypes, variants)


def test_all_pairs_figure_credits_population_structure_the_window_does_not(benchmark):
    # independent SNPs at each superpopulation's frequencies: structure, no linkage
    rng = np.random.default_rng(3)
    unlinked = memoryless_sample(
        benchmark.train, benchmark.fresh_labels, benchmark.train_labels, len(benchmark.fresh), rng
    )
    real_sample = ld_summary(benchmark.train, benchmark.fresh, benchmark.variants)
    no_linkage = ld_summary(benchmark.train, unlinked, benchmark.variants)
    assert real_sample["correlation"] > 0.9 and real_sample["all_pairs"]["correlation"] > 0.9
    assert no_linkage["correlation"] < 0.7
    assert no_linkage["all_pairs"]["correlation"] > 0.85
    assert no_linkage["all_pairs"]["n_pairs"] > 10 * no_linkage["n_pairs"]


def test_without_positions_both_figures_are_the_same_pairs(benchmark):
    summary = ld_summary(benchmark.train[:, :60], benchmark.fresh[:, :60])
    assert summary["all_pairs"] == {"correlation": summary["correlation"], "n_pairs": summary["n_pairs"]}

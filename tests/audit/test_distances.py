"""Nearest-neighbour and pairwise Hamming distances against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from audit.metrics import AuditError
from audit.metrics.distances import (
    block_size,
    hamming_distance_counts,
    nearest_distance,
    nearest_neighbour_hamming,
)


def brute_force(query: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.array([[int((q != r).sum()) for r in reference] for q in query])


def haplotypes(n: int, m: int, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, m)) < 0.3).astype(np.uint8)


@pytest.mark.parametrize("block_bytes", [2**12, 2**16, 2**27])
def test_nearest_neighbours_match_brute_force_whatever_the_block(block_bytes):
    query, reference = haplotypes(37, 45, 1), haplotypes(53, 45, 2)
    found = nearest_neighbour_hamming(query, reference, k=3, max_block_bytes=block_bytes)
    expected = np.sort(brute_force(query, reference), axis=1)[:, :3]
    np.testing.assert_array_equal(found.distances, expected)
    full = brute_force(query, reference)
    np.testing.assert_array_equal(np.take_along_axis(full, found.indices, axis=1), expected)


@pytest.mark.parametrize("block_bytes", [2**12, 2**27])
def test_leave_one_out_excludes_only_the_row_itself(block_bytes):
    reference = haplotypes(40, 30, 3)
    reference[7] = reference[3]  # a duplicate must still be found, at distance 0
    found = nearest_neighbour_hamming(
        reference, reference, exclude_self=True, max_block_bytes=block_bytes
    )
    full = brute_force(reference, reference)
    np.fill_diagonal(full, 10**6)
    np.testing.assert_array_equal(found.distances[:, 0], full.min(axis=1))
    assert found.distances[3, 0] == 0 and found.indices[3, 0] == 7


def test_pairwise_counts_match_brute_force():
    first, second = haplotypes(25, 20, 4), haplotypes(31, 20, 5)
    within = brute_force(first, first)[np.triu_indices(25, 1)]
    np.testing.assert_array_equal(
        hamming_distance_counts(first, max_block_bytes=2**11), np.bincount(within, minlength=21)
    )
    between = brute_force(first, second).ravel()
    np.testing.assert_array_equal(
        hamming_distance_counts(first, second, max_block_bytes=2**11),
        np.bincount(between, minlength=21),
    )


def test_blocks_stay_within_the_memory_bound():
    for n_variants in (805, 10_000, 100_000):
        side = block_size(n_variants, 256 * 2**20)
        assert 4 * (2 * side * n_variants + side * side) <= 256 * 2**20


def test_mismatched_snp_counts_are_refused_with_both_numbers():
    with pytest.raises(AuditError, match="expected reference with 5 SNPs .as query.; found 6 SNPs"):
        nearest_distance(haplotypes(3, 5, 0), haplotypes(3, 6, 0))


def test_k_larger_than_the_reference_is_refused():
    with pytest.raises(AuditError, match="expected k between 1 and 2"):
        nearest_neighbour_hamming(haplotypes(3, 5, 0), haplotypes(3, 5, 1), k=3, exclude_self=True)


haplotype_sets = st.integers(1, 40).flatmap(
    lambda m: st.tuples(
        arrays(np.uint8, st.tuples(st.integers(1, 12), st.just(m)), elements=st.integers(0, 1)),
        arrays(np.uint8, st.tuples(st.integers(1, 12), st.just(m)), elements=st.integers(0, 1)),
    )
)


@settings(max_examples=40, deadline=None)
@given(haplotype_sets)
def test_distances_are_symmetric_and_exact(sets):
    first, second = sets
    np.testing.assert_array_equal(
        hamming_distance_counts(first, second), hamming_distance_counts(second, first)
    )
    np.testing.assert_array_equal(
        nearest_distance(first, second), brute_force(first, second).min(axis=1)
    )


@settings(max_examples=30, deadline=None)
@given(haplotype_sets, st.randoms(use_true_random=False))
def test_nearest_distances_ignore_snp_order_and_allele_coding(sets, random):
    first, second = sets
    order = list(range(first.shape[1]))
    random.shuffle(order)
    expected = nearest_distance(first, second)
    np.testing.assert_array_equal(nearest_distance(first[:, order], second[:, order]), expected)
    np.testing.assert_array_equal(nearest_distance(1 - first, 1 - second), expected)

"""Hamming distances between haplotypes, blockwise on BLAS, in bounded memory.

For 0/1 vectors the Hamming distance is ``d(x, y) = |x| + |y| - 2 x.y``, so a block of
distances is one matrix product. The product runs in float32: every partial sum is an
integer below 2**24, which float32 holds exactly, so results are exact for panels of up
to 16.7 million SNPs. Both sets are cut into blocks whose float32 copies and product fit
in ``max_block_bytes``; a 100,000 x 100,000 comparison therefore needs a few hundred MB
whatever the panel length.

Every metric that needs nearest-neighbour distances (AATS, distance to closest record,
nearest-neighbour distance ratio, near copies, GAN-Leaks) calls
:func:`nearest_neighbour_hamming`; every distance distribution comes from
:func:`hamming_distance_counts`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .inputs import AuditError, check_sets

DEFAULT_BLOCK_BYTES = 128 * 2**20
_FLOAT32_EXACT = 2**24


class Neighbours(NamedTuple):
    """Nearest neighbours of each query haplotype, closest first."""

    distances: np.ndarray  # (n_query, k) int32, Hamming distances in SNPs
    indices: np.ndarray  # (n_query, k) int64, rows of the reference set


def block_size(n_variants: int, max_block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
    """Rows per block so that two float32 blocks and their product fit the budget.

    Solves ``4 * (2 * s * n_variants + s * s) <= max_block_bytes`` for ``s``.

    Examples
    --------
    >>> block_size(805)
    5043
    >>> block_size(100_000, 64 * 2**20)
    83
    """
    budget = max_block_bytes / 4
    side = -n_variants + math.sqrt(n_variants**2 + budget)
    return max(1, int(side))


def _distance_blocks(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    max_block_bytes: int,
    upper_only: bool = False,
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(q0, r0, d)`` with ``d`` the float32 distances of one block pair.

    With ``upper_only`` (query is reference), blocks entirely below the diagonal are
    skipped.
    """
    n_variants = query.shape[1]
    if n_variants >= _FLOAT32_EXACT:
        raise AuditError(
            f"expected fewer than {_FLOAT32_EXACT} SNPs for exact float32 distances; "
            f"found {n_variants}"
        )
    side = block_size(n_variants, max_block_bytes)
    query_counts = query.sum(axis=1, dtype=np.int64).astype(np.float32)
    reference_counts = reference.sum(axis=1, dtype=np.int64).astype(np.float32)
    reference_blocks: list[np.ndarray] | None = None
    if reference.shape[0] <= side:
        reference_blocks = [reference.astype(np.float32)]
    for q0 in range(0, query.shape[0], side):
        query_block = query[q0 : q0 + side].astype(np.float32)
        for block_number, r0 in enumerate(range(0, reference.shape[0], side)):
            if upper_only and r0 + side <= q0:
                continue
            if reference_blocks is not None:
                reference_block = reference_blocks[block_number]
            else:
                reference_block = reference[r0 : r0 + side].astype(np.float32)
            distances = query_block @ reference_block.T
            distances *= -2.0
            distances += query_counts[q0 : q0 + side, None]
            distances += reference_counts[None, r0 : r0 + side]
            yield q0, r0, distances


def nearest_neighbour_hamming(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    k: int = 1,
    exclude_self: bool = False,
    max_block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Neighbours:
    """Hamming distances from each query haplotype to its ``k`` nearest references.

    Parameters
    ----------
    query : numpy.ndarray, uint8, shape (n_query, n_variants)
        Haplotypes (0/1) whose neighbours are sought.
    reference : numpy.ndarray, uint8, shape (n_reference, n_variants)
        Haplotypes searched.
    k : int
        Number of neighbours; at most ``n_reference`` (``n_reference - 1`` with
        ``exclude_self``).
    exclude_self : bool
        Leave-one-out: ``query`` and ``reference`` are the same set and row ``i`` is not
        its own neighbour. Other identical rows still count, at distance 0.
    max_block_bytes : int
        Memory bound for one block (two float32 blocks and their product).

    Returns
    -------
    Neighbours
        ``distances`` int32 of shape (n_query, k), ascending along axis 1, in SNPs;
        ``indices`` int64 of shape (n_query, k), rows of ``reference`` (first index on
        ties).

    Notes
    -----
    Distances are exact integers computed as ``|x| + |y| - 2 x.y`` with a float32 matrix
    product per block, so the work is BLAS-bound and memory stays within
    ``max_block_bytes`` whatever the set sizes.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.array([[0, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=np.uint8)
    >>> found = nearest_neighbour_hamming(reference, reference, exclude_self=True)
    >>> found.distances.ravel().tolist(), found.indices.ravel().tolist()
    ([2, 1, 1], [1, 2, 1])
    """
    sets = check_sets(query=query, reference=reference)
    query, reference = sets["query"], sets["reference"]
    available = reference.shape[0] - (1 if exclude_self else 0)
    if exclude_self and query.shape != reference.shape:
        raise AuditError(
            "expected query and reference to be the same set with exclude_self; found "
            f"shapes {query.shape} and {reference.shape}"
        )
    if not 1 <= k <= available:
        raise AuditError(f"expected k between 1 and {available}; found {k}")
    n_query = query.shape[0]
    best_distances = np.full((n_query, k), np.inf, dtype=np.float32)
    best_indices = np.zeros((n_query, k), dtype=np.int64)
    for q0, r0, distances in _distance_blocks(query, reference, max_block_bytes=max_block_bytes):
        rows = distances.shape[0]
        if exclude_self:
            overlap = np.arange(max(q0, r0), min(q0 + rows, r0 + distances.shape[1]))
            distances[overlap - q0, overlap - r0] = np.inf
        kk = min(k, distances.shape[1])
        if kk == 1:
            nearest = distances.argmin(axis=1)[:, None]
        else:
            nearest = np.argpartition(distances, kk - 1, axis=1)[:, :kk]
        candidates = np.concatenate(
            [best_distances[q0 : q0 + rows], np.take_along_axis(distances, nearest, axis=1)],
            axis=1,
        )
        candidate_indices = np.concatenate([best_indices[q0 : q0 + rows], nearest + r0], axis=1)
        order = np.argsort(candidates, axis=1, kind="stable")[:, :k]
        best_distances[q0 : q0 + rows] = np.take_along_axis(candidates, order, axis=1)
        best_indices[q0 : q0 + rows] = np.take_along_axis(candidate_indices, order, axis=1)
    return Neighbours(best_distances.astype(np.int32), best_indices)


def nearest_distance(
    query: np.ndarray, reference: np.ndarray, *, exclude_self: bool = False
) -> np.ndarray:
    """Distance (in SNPs) from each query haplotype to its nearest reference, int32 (n_query,).

    Examples
    --------
    >>> import numpy as np
    >>> nearest_distance(np.array([[1, 1]], np.uint8), np.array([[0, 0], [0, 1]], np.uint8))
    array([1], dtype=int32)
    """
    return nearest_neighbour_hamming(query, reference, exclude_self=exclude_self).distances[:, 0]


def nearest_distances_between(
    first: np.ndarray, second: np.ndarray, *, max_block_bytes: int = DEFAULT_BLOCK_BYTES
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest distances from ``first`` to ``second`` and back, from one pass of blocks.

    The two directions share every distance, so computing them together halves the
    work of two :func:`nearest_distance` calls.

    Parameters
    ----------
    first : numpy.ndarray, uint8, shape (n_first, n_variants)
    second : numpy.ndarray, uint8, shape (n_second, n_variants)

    Returns
    -------
    first_to_second : numpy.ndarray, int32, shape (n_first,)
    second_to_first : numpy.ndarray, int32, shape (n_second,)

    Examples
    --------
    >>> import numpy as np
    >>> first = np.array([[0, 0, 0], [1, 1, 1]], dtype=np.uint8)
    >>> second = np.array([[0, 0, 1]], dtype=np.uint8)
    >>> [d.tolist() for d in nearest_distances_between(first, second)]
    [[1, 2], [1]]
    """
    sets = check_sets(first=first, second=second)
    first, second = sets["first"], sets["second"]
    first_to_second = np.full(first.shape[0], np.inf, dtype=np.float32)
    second_to_first = np.full(second.shape[0], np.inf, dtype=np.float32)
    for q0, r0, distances in _distance_blocks(first, second, max_block_bytes=max_block_bytes):
        rows, columns = distances.shape
        np.minimum(
            first_to_second[q0 : q0 + rows],
            distances.min(axis=1),
            out=first_to_second[q0 : q0 + rows],
        )
        np.minimum(
            second_to_first[r0 : r0 + columns],
            distances.min(axis=0),
            out=second_to_first[r0 : r0 + columns],
        )
    return first_to_second.astype(np.int32), second_to_first.astype(np.int32)


def hamming_distance_counts(
    first: np.ndarray,
    second: np.ndarray | None = None,
    *,
    max_block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> np.ndarray:
    """Histogram of all pairwise Hamming distances, exact, by integer distance.

    Parameters
    ----------
    first : numpy.ndarray, uint8, shape (n_first, n_variants)
    second : numpy.ndarray, uint8, shape (n_second, n_variants), optional
        When omitted, the pairs are the unordered pairs ``i < j`` within ``first``;
        otherwise all ``n_first * n_second`` pairs between the sets.
    max_block_bytes : int
        Memory bound for one block.

    Returns
    -------
    numpy.ndarray, int64, shape (n_variants + 1,)
        ``counts[d]`` is the number of pairs at distance ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> haplotypes = np.array([[0, 0], [0, 1], [1, 1]], dtype=np.uint8)
    >>> hamming_distance_counts(haplotypes).tolist()
    [0, 2, 1]
    """
    within = second is None
    sets = check_sets(first=first, second=first if second is None else second)
    first, second = sets["first"], sets["second"]
    n_variants = first.shape[1]
    counts = np.zeros(n_variants + 1, dtype=np.int64)
    for q0, r0, distances in _distance_blocks(
        first, second, max_block_bytes=max_block_bytes, upper_only=within
    ):
        values = distances.astype(np.int32)
        if within:
            rows = q0 + np.arange(values.shape[0])[:, None]
            columns = r0 + np.arange(values.shape[1])[None, :]
            values = values[columns > rows]
        counts += np.bincount(values.ravel(), minlength=n_variants + 1)
    return counts

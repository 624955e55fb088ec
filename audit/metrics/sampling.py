"""Deterministic subsampling: every random choice of the audit flows from one seed.

A report must be reproducible: the same inputs and seed give the same numbers, so each
metric draws from its own generator spawned from the report's seed, never from global
state.
"""

from __future__ import annotations

import numpy as np


def evenly_spaced(n: int, at_most: int) -> np.ndarray:
    """Indices of at most ``at_most`` items spread evenly over ``range(n)``.

    Examples
    --------
    >>> evenly_spaced(10, 4).tolist()
    [0, 3, 6, 9]
    >>> evenly_spaced(3, 10).tolist()
    [0, 1, 2]
    """
    if n <= at_most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, at_most).round().astype(np.int64))


def subsample_rows(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted random row indices, ``min(n, size)`` of them, without replacement.

    Examples
    --------
    >>> rows = subsample_rows(10, 3, np.random.default_rng(0))
    >>> len(rows), bool((np.diff(rows) > 0).all())
    (3, True)
    """
    if size >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def metric_rng(seed: int, name: str) -> np.random.Generator:
    """A generator for one metric, independent of the order metrics run in.

    Examples
    --------
    >>> a = metric_rng(0, "aats").integers(1000)
    >>> b = metric_rng(0, "aats").integers(1000)
    >>> bool(a == b)
    True
    """
    entropy = [seed, *name.encode()]
    return np.random.default_rng(np.random.SeedSequence(entropy))

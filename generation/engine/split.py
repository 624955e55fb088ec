"""The train/holdout split, by individuals, stratified by population.

Both haplotypes of an individual always fall on the same side: a holdout haplotype whose
partner sits in the training set would let a generator learn half of a "held-out" person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .base import EngineError


@dataclass(frozen=True)
class Split:
    """Individual indices (into the cohort's sample list) on each side."""

    train: np.ndarray  # (n_train,) int64, ascending
    holdout: np.ndarray  # (n_holdout,) int64, ascending

    def haplotype_rows(self, side: str) -> np.ndarray:
        """Rows of the haplotype matrix owned by the individuals of ``side``."""
        individuals = {"train": self.train, "holdout": self.holdout}[side]
        return np.sort(np.concatenate([2 * individuals, 2 * individuals + 1]))


def train_holdout_split(
    n_individuals: int,
    *,
    holdout_fraction: float = 0.2,
    populations: list[str] | None = None,
    seed: int = 0,
) -> Split:
    """Split individuals at random, stratified by ``populations`` when given.

    Each population contributes ``round(holdout_fraction * size)`` individuals to the
    holdout (at least one when it has two or more members), so small populations are
    represented on both sides.

    Examples
    --------
    >>> split = train_holdout_split(10, holdout_fraction=0.2, seed=1)
    >>> len(split.train), len(split.holdout)
    (8, 2)
    """
    if not (0 < holdout_fraction < 1):
        raise EngineError(f"holdout_fraction must be between 0 and 1 (exclusive); found {holdout_fraction}")
    if n_individuals < 2:
        raise EngineError(f"expected at least 2 individuals to split; found {n_individuals}")
    if populations is not None and len(populations) != n_individuals:
        raise EngineError(
            f"expected one population per individual ({n_individuals}); found {len(populations)}"
        )
    rng = np.random.default_rng(seed)
    groups: dict[str, list[int]] = defaultdict(list)
    for index in range(n_individuals):
        groups[populations[index] if populations is not None else ""].append(index)
    holdout: list[int] = []
    for name in sorted(groups):
        members = np.array(groups[name])
        size = int(round(holdout_fraction * len(members)))
        size = min(max(size, 1), len(members) - 1) if len(members) >= 2 else 0
        holdout.extend(rng.choice(members, size=size, replace=False).tolist())
    holdout_array = np.array(sorted(holdout), dtype=np.int64)
    train_array = np.setdiff1d(np.arange(n_individuals, dtype=np.int64), holdout_array)
    if not len(holdout_array):
        raise EngineError("the holdout is empty: use more individuals or a larger holdout_fraction")
    return Split(train=train_array, holdout=holdout_array)

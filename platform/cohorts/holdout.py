"""The holdout split, for the audit only. Never import this from the generation app."""

from __future__ import annotations

import numpy as np

from .models import Cohort
from .store import load_matrix
from .training import ready_cohort, split_labels


def holdout_haplotypes(cohort: Cohort) -> np.ndarray:
    """(2 * n_holdout_samples, n_variants) uint8: the real set a generator never saw."""
    return load_matrix(ready_cohort(cohort).holdout_file)


def holdout_populations(cohort: Cohort, level: str = "population") -> list[str] | None:
    """Per-haplotype labels of the holdout at ``level`` (population or superpopulation)."""
    return split_labels(cohort, "holdout", level)

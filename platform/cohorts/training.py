"""The only door from a cohort to a generator: the TRAIN split, nothing else.

Generators (the generation app, its tasks and commands) read cohorts through
:func:`training_data` alone. The holdout matrix is opened only by
:mod:`cohorts.holdout`, which a test forbids the generation package to import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generation.engine.genotypes import VariantTable

from .models import Cohort
from .store import load_matrix, load_samples, load_variants


class CohortNotReady(ValueError):
    """The cohort has not been ingested successfully."""


@dataclass(frozen=True)
class TrainingData:
    haplotypes: np.ndarray  # (2 * n_train_samples, n_variants) uint8
    populations: list[str] | None  # one label per haplotype row, when the cohort has a panel
    variants: VariantTable
    phased: bool


def ready_cohort(cohort: Cohort) -> Cohort:
    from jobs.models import JobStatus

    if cohort.status != JobStatus.SUCCEEDED or not cohort.train_file:
        raise CohortNotReady(f"cohort {cohort.name!r} is not ingested yet (status: {cohort.status})")
    return cohort


def split_labels(cohort: Cohort, side: str) -> list[str] | None:
    """Per-haplotype population labels of one side of the split (None without a panel)."""
    rows = [row for row in load_samples(cohort.samples_file) if row["split"] == side]
    if not any(row["population"] for row in rows):
        return None
    return [row["population"] for row in rows for _ in range(2)]


def training_data(cohort: Cohort) -> TrainingData:
    ready_cohort(cohort)
    haplotypes = load_matrix(cohort.train_file)
    return TrainingData(
        haplotypes=haplotypes,
        populations=split_labels(cohort, "train"),
        variants=load_variants(cohort.variants_file),
        phased=bool(cohort.phased),
    )

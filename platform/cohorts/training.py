"""The only door from a cohort to a generator: the TRAIN split, nothing else.

Generators (the generation app, its tasks and commands) read cohorts through
:func:`training_data` alone. The holdout matrix is opened only by
:mod:`cohorts.holdout`, which a test forbids the generation package to import.
"""

from __future__ import annotations

from collections import Counter
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
    # one label per haplotype row at the level asked for, when every sample has one
    populations: list[str] | None
    variants: VariantTable
    phased: bool


def ready_cohort(cohort: Cohort) -> Cohort:
    from jobs.models import JobStatus

    if cohort.status != JobStatus.SUCCEEDED or not cohort.train_file:
        raise CohortNotReady(f"cohort {cohort.name!r} is not ingested yet (status: {cohort.status})")
    return cohort


def split_labels(cohort: Cohort, side: str, level: str = "population") -> list[str] | None:
    """Per-haplotype labels of one side of the split at ``level`` (population or
    superpopulation); None when some sample has none (no panel, or no such column)."""
    rows = [row for row in load_samples(cohort.samples_file) if row["split"] == side]
    if not rows or not all(row.get(level) for row in rows):
        return None
    return [row[level] for row in rows for _ in range(2)]


def label_counts(cohort: Cohort, level: str) -> dict[str, int]:
    """Training individuals per label at ``level``; empty when the cohort cannot label them."""
    labels = split_labels(ready_cohort(cohort), "train", level)
    return dict(sorted(Counter(labels[0::2]).items())) if labels else {}


def training_data(cohort: Cohort, level: str | None = "population") -> TrainingData:
    """The TRAIN split, labelled at ``level`` (None: no labels)."""
    ready_cohort(cohort)
    haplotypes = load_matrix(cohort.train_file)
    return TrainingData(
        haplotypes=haplotypes,
        populations=split_labels(cohort, "train", level) if level else None,
        variants=load_variants(cohort.variants_file),
        phased=bool(cohort.phased),
    )

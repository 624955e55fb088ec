"""Reads for runs and synthetic sets, always scoped to the user's organisation."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta
from typing import Any

import numpy as np
from accounts.models import Organisation
from cohorts.models import Cohort
from cohorts.store import load_matrix
from cohorts.training import label_counts
from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from jobs.models import JobStatus

from generation.engine.base import HaplotypeGenerator, available_generators

from .models import GeneratorRun, SyntheticSet

RECENT = timedelta(days=14)  # failed runs stay on the dashboard this long


def runs_of(organisation: Organisation) -> QuerySet[GeneratorRun]:
    return GeneratorRun.objects.filter(cohort__organisation=organisation).select_related(
        "cohort", "created_by"
    )


def runs_of_cohort(cohort: Cohort) -> QuerySet[GeneratorRun]:
    return GeneratorRun.objects.filter(cohort=cohort).select_related("created_by")


def run_of_organisation(organisation: Organisation, pk: int) -> GeneratorRun:
    """The run, or 404 when it belongs to another organisation."""
    return get_object_or_404(runs_of(organisation), pk=pk)


def runs_awaiting_action(organisation: Organisation) -> dict[str, QuerySet[GeneratorRun]]:
    """What the staff dashboard lists: runs in progress, recently failed, trained but unsampled."""
    runs = runs_of(organisation)
    return {
        "in_progress": runs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]),
        "failed": runs.filter(status=JobStatus.FAILED, finished_at__gte=timezone.now() - RECENT),
        "to_sample": runs.filter(status=JobStatus.SUCCEEDED)
        .annotate(n_sets=Count("synthetic_sets", filter=~Q(synthetic_sets__status=JobStatus.FAILED)))
        .filter(n_sets=0),
    }


def synthetic_sets_of(organisation: Organisation) -> QuerySet[SyntheticSet]:
    return SyntheticSet.objects.filter(run__cohort__organisation=organisation).select_related(
        "run", "run__cohort", "created_by"
    )


def synthetic_set_of_organisation(organisation: Organisation, pk: int) -> SyntheticSet:
    """The synthetic set, or 404 when it belongs to another organisation."""
    return get_object_or_404(synthetic_sets_of(organisation), pk=pk)


def synthetic_haplotypes(synthetic_set: SyntheticSet) -> np.ndarray:
    """The set's haplotypes, uint8 of shape (2 * n_individuals, n_variants).

    Rows ``2i`` and ``2i + 1`` are synthetic individual ``i`` (the genotype convention).
    """
    if synthetic_set.status != JobStatus.SUCCEEDED or not synthetic_set.haplotypes_file:
        raise ValueError(
            f"synthetic set {synthetic_set.pk} has no haplotypes yet (status: {synthetic_set.status})"
        )
    return load_matrix(synthetic_set.haplotypes_file)


def synthetic_panel(synthetic_set: SyntheticSet) -> list[dict[str, str]]:
    """The rows of the set's sample panel (sample, population, superpopulation)."""
    if not synthetic_set.panel_file:
        return []
    with default_storage.open(synthetic_set.panel_file, "rb") as stored:
        return list(csv.DictReader(io.StringIO(stored.read().decode()), delimiter="\t"))


def synthetic_populations(synthetic_set: SyntheticSet) -> list[str] | None:
    """One population label per haplotype row, or None for a set from an unconditional model.

    A conditional model gives each synthetic individual a population (the one asked for, or
    one drawn in the training proportions), written to the set's panel. An unconditional
    model's panel says "synthetic", which is no real population.
    """
    if not run_learnt_labels(synthetic_set.run):
        return None
    column = synthetic_set.run.label_level
    return [row[column] for row in synthetic_panel(synthetic_set) for _ in range(2)]


def generator_choices() -> list[tuple[str, type[HaplotypeGenerator]]]:
    """The model kinds the engine registers, by name (the site lists what the CLI lists)."""
    return list(available_generators().items())


def run_learnt_labels(run: GeneratorRun) -> bool:
    """Whether the run's model learnt labels to sample by (from the run alone, no I/O)."""
    model_class = available_generators().get(run.model_name)
    return model_class is not None and model_class.supports_conditional and run.training_level is not None


def run_populations(run: GeneratorRun) -> list[str]:
    """Labels a run can sample conditionally, at the level it learnt (populations or
    superpopulations); empty for a run that learnt none."""
    if not run_learnt_labels(run):
        return []
    assert run.training_level is not None
    return list(label_counts(run.cohort, run.training_level))


def run_hyperparameters(run: GeneratorRun) -> list[tuple[str, str, str]]:
    """The run's hyperparameters in the order its model declares them (as the form shows
    them): name, value as shown (with what 0 stands for, where the model says) and help."""
    model_class = available_generators().get(run.model_name)
    declared = {f.name: f.metadata for f in dataclasses.fields(model_class.Params)} if model_class else {}
    stored = run.hyperparameters or {}
    names = [n for n in declared if n in stored] + [n for n in stored if n not in declared]
    rows = []
    for name in names:
        value, meta = stored[name], declared.get(name, {})
        shown = f"{value} ({meta['zero']})" if value == 0 and "zero" in meta else str(value)
        rows.append((name, shown, meta.get("help", "")))
    return rows


def audit_report_for(synthetic_set: SyntheticSet) -> Any | None:
    """The set's audit report (the audit app keeps one per set), or None before it is queued."""
    from audit.models import AuditReport  # the audit app imports this one: import late

    return AuditReport.objects.filter(synthetic_set=synthetic_set).first()

"""Generator runs (training jobs) and the synthetic sets sampled from them.

A run trains one model kind of :mod:`generation.engine` on a cohort's TRAIN split; a
synthetic set is N artificial individuals drawn from a finished run. Both are jobs
(:class:`jobs.models.Job`): queued, claimed by a worker, with live progress.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from accounts.models import Organisation
from django.conf import settings
from django.db import models
from jobs.models import Job

from generation.engine.base import PrivacyConfig

MAX_MINUTES = 12 * 60  # longest training a run may ask for; the task's time limit allows it


class ConditionOn(models.TextChoices):
    """The panel's labels a conditional model learns to sample by."""

    POPULATION = "population", "Population"
    SUPERPOPULATION = "superpopulation", "Superpopulation"
    NOTHING = "none", "Nothing (one mixture)"


class GeneratorRun(Job):
    """One training of a model kind on a cohort, with its settings and what it spent."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.PROTECT, related_name="runs")
    model_name = models.CharField(max_length=50)
    # Validated by the engine with every default filled in, so the run page and the
    # checkpoint show the exact settings that were trained.
    hyperparameters = models.JSONField(default=dict, blank=True)
    # All three null = no differential privacy.
    target_epsilon = models.FloatField(null=True, blank=True)
    target_delta = models.FloatField(null=True, blank=True)
    max_grad_norm = models.FloatField(null=True, blank=True)
    seed = models.PositiveIntegerField(default=0)
    max_minutes = models.PositiveIntegerField(default=10)
    # "none" also for a model that cannot condition, or a cohort without a panel.
    condition_on = models.CharField(
        max_length=20, choices=ConditionOn.choices, default=ConditionOn.POPULATION
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="generator_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancel_requested = models.BooleanField(default=False)

    # Results (filled as the run trains and when it ends).
    epsilon_spent = models.FloatField(null=True, blank=True)
    delta = models.FloatField(null=True, blank=True)
    progress_history = models.JSONField(default=list, blank=True)  # [{step,total,metrics,epsilon,at}]
    checkpoint_file = models.CharField(max_length=500, blank=True)
    model_file = models.CharField(max_length=500, blank=True)
    train_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "generator run"

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.model_name})"

    @property
    def organisation(self) -> Organisation:
        return self.cohort.organisation

    @property
    def training_level(self) -> str | None:
        """The labels training reads (population or superpopulation); None for none."""
        return None if self.condition_on == ConditionOn.NOTHING else self.condition_on

    @property
    def label_level(self) -> str:
        """The level at which this run's real and synthetic individuals are compared and
        labelled: what it was conditioned on, else population (for the audit's per-population
        figures against an unconditional set)."""
        if self.condition_on == ConditionOn.SUPERPOPULATION:
            return ConditionOn.SUPERPOPULATION.value
        return ConditionOn.POPULATION.value

    @property
    def uses_dp(self) -> bool:
        return self.target_epsilon is not None

    def privacy_config(self) -> PrivacyConfig | None:
        """The DP settings as the engine takes them (None without DP)."""
        if self.target_epsilon is None:
            return None
        return PrivacyConfig(
            target_epsilon=self.target_epsilon,
            target_delta=self.target_delta,
            max_grad_norm=self.max_grad_norm if self.max_grad_norm is not None else 1.0,
        )

    @property
    def latest_progress(self) -> dict[str, Any] | None:
        return self.progress_history[-1] if self.progress_history else None


class SyntheticSet(Job):
    """N artificial diploid individuals sampled from a finished run."""

    run = models.ForeignKey(GeneratorRun, on_delete=models.PROTECT, related_name="synthetic_sets")
    n_individuals = models.PositiveIntegerField()
    population = models.CharField(max_length=120, blank=True)  # blank: all / unconditional
    seed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="synthetic_sets_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Storage names, filled when sampling succeeds.
    haplotypes_file = models.CharField(max_length=500, blank=True)  # packed npz (cohorts.store)
    vcf_file = models.CharField(max_length=500, blank=True)  # bgzipped VCF
    index_file = models.CharField(max_length=500, blank=True)  # tabix .tbi
    panel_file = models.CharField(max_length=500, blank=True)  # synthetic sample panel TSV

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "synthetic set"

    def __str__(self) -> str:
        return f"Synthetic set {self.pk} ({self.n_individuals} individuals from run {self.run_id})"

    @property
    def organisation(self) -> Organisation:
        return self.run.cohort.organisation

    @property
    def n_haplotypes(self) -> int:
        return 2 * self.n_individuals

    def load_haplotypes(self) -> np.ndarray:
        """(2 * n_individuals, n_variants) uint8; see :func:`generation.selectors.synthetic_haplotypes`."""
        from .selectors import synthetic_haplotypes

        return synthetic_haplotypes(self)

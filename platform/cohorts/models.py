"""A registered genotype cohort: its source files, QC results and the fixed split."""

from __future__ import annotations

from accounts.models import Organisation
from django.conf import settings
from django.db import models
from jobs.models import Job


class Cohort(Job):
    """A VCF/BCF (+ panel) registered by a custodian; ingestion is the job.

    The real genotypes live in storage as two packed matrices, train and holdout, so
    that the code path which feeds generators can only ever open the train file.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    source_file = models.CharField(max_length=500)
    source_filename = models.CharField(max_length=255)
    source_bytes = models.BigIntegerField(default=0)
    panel_file = models.CharField(max_length=500, blank=True)
    holdout_fraction = models.FloatField(default=0.2)
    split_seed = models.PositiveIntegerField(default=0)
    max_missing = models.FloatField(default=0.05)

    # Results of ingestion (empty until it succeeds).
    phased = models.BooleanField(null=True)
    n_samples = models.PositiveIntegerField(null=True)
    n_variants = models.PositiveIntegerField(null=True)
    n_train_samples = models.PositiveIntegerField(null=True)
    n_holdout_samples = models.PositiveIntegerField(null=True)
    populations = models.JSONField(default=dict, blank=True)  # name -> {"train": n, "holdout": n}
    qc = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # AF spectrum, PCA coordinates
    train_file = models.CharField(max_length=500, blank=True)
    holdout_file = models.CharField(max_length=500, blank=True)
    variants_file = models.CharField(max_length=500, blank=True)
    samples_file = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="cohort_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def n_haplotypes(self) -> int | None:
        return None if self.n_samples is None else 2 * self.n_samples

    @property
    def n_populations(self) -> int:
        return len(self.populations)

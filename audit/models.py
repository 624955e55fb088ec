"""Release policies (versioned thresholds per organisation) and audit reports.

A policy is never edited in place: every change is a new :class:`ReleasePolicy` row
with the next version number, so each report can name the exact thresholds it was
judged on and the policy page can show who changed what, and when.
"""

from __future__ import annotations

from accounts.models import Organisation
from django.conf import settings
from django.db import models
from django.utils import timezone
from jobs.models import Job


class ReleasePolicy(models.Model):
    """One version of an organisation's release thresholds (``audit.metrics`` Policy as JSON)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="release_policies"
    )
    version = models.PositiveIntegerField()
    thresholds = models.JSONField()
    note = models.TextField(blank=True)
    # Null for the default version 1 the platform creates on first use.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="release_policies_created",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "-version"]
        verbose_name = "release policy"
        verbose_name_plural = "release policies"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="release_policy_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="release_policy_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} release policy v{self.version}"

    @property
    def author_name(self) -> str:
        return self.created_by.get_username() if self.created_by else "system (defaults)"


class Verdict(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"


class AuditReport(Job):
    """The fidelity and privacy audit of one synthetic set, judged on one policy version."""

    synthetic_set = models.OneToOneField(
        "generation.SyntheticSet", on_delete=models.PROTECT, related_name="audit"
    )
    policy = models.ForeignKey(ReleasePolicy, on_delete=models.PROTECT, related_name="reports")
    # Null when the platform queued the audit itself (after sampling).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_reports_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Results, filled when the audit succeeds.
    report = models.JSONField(default=dict, blank=True)
    headline = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(max_length=4, choices=Verdict.choices, blank=True)
    failing_checks = models.JSONField(default=list, blank=True)
    json_file = models.CharField(max_length=500, blank=True)
    html_file = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit report"

    def __str__(self) -> str:
        return f"Audit {self.pk} of synthetic set {self.synthetic_set_id}"

    @property
    def organisation(self) -> Organisation:
        # The data's owner, not the policy's: they are the same by construction
        # (audit_queue judges a set on its own organisation's policy).
        return self.synthetic_set.organisation

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.PASS

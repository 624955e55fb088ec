"""Reads for audit reports and release policies, always scoped to one organisation."""

from __future__ import annotations

from typing import Any

from accounts.models import Organisation
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from jobs.models import JobStatus

from .models import AuditReport, ReleasePolicy, Verdict


def reports_of(organisation: Organisation) -> QuerySet[AuditReport]:
    return AuditReport.objects.filter(
        synthetic_set__run__cohort__organisation=organisation
    ).select_related(
        "synthetic_set", "synthetic_set__run", "synthetic_set__run__cohort", "policy", "created_by"
    )


def report_of_organisation(organisation: Organisation, pk: int) -> AuditReport:
    """The report, or 404 when it belongs to another organisation."""
    return get_object_or_404(reports_of(organisation), pk=pk)


def policy_versions(organisation: Organisation) -> QuerySet[ReleasePolicy]:
    """Every version of the organisation's policy, newest first."""
    return ReleasePolicy.objects.filter(organisation=organisation).select_related("created_by")


def policy_latest(organisation: Organisation) -> ReleasePolicy | None:
    """The current policy (latest version), or None before the first use."""
    return policy_versions(organisation).order_by("-version").first()


def _not_proposed(reports: QuerySet[AuditReport]) -> QuerySet[AuditReport]:
    """Reports without an active release (a rejected or withdrawn one may be proposed again)."""
    try:
        from releases.models import ACTIVE_RELEASE_STATUSES
    except ImportError:  # the releases app is optional to the audit
        return reports
    return reports.exclude(releases__status__in=ACTIVE_RELEASE_STATUSES)


def reports_awaiting_action(organisation: Organisation) -> dict[str, Any]:
    """What the staff dashboard lists: passed but not proposed, failed, and running audits."""
    reports = reports_of(organisation)
    return {
        "to_propose": _not_proposed(
            reports.filter(status=JobStatus.SUCCEEDED, verdict=Verdict.PASS)
        ),
        "failed": reports.filter(
            Q(status=JobStatus.FAILED) | Q(status=JobStatus.SUCCEEDED, verdict=Verdict.FAIL)
        ),
        "in_progress": reports.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]),
    }

"""The htmx progress partial of a running audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(report) -> str:  # type: ignore[no-untyped-def]
    return reverse("audit_report_progress", args=[report.pk])


def test_anonymous_is_sent_to_login(client, queued_report) -> None:  # type: ignore[no-untyped-def]
    assert client.get(_url(queued_report)).status_code == 302


def test_researcher_is_refused(researcher_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(queued_report)).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_report) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_report)).status_code == 404


def test_reviewer_sees_the_progress_of_a_running_audit(reviewer_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport

    AuditReport.objects.filter(pk=queued_report.pk).update(
        status="running", progress=0.42, progress_message="membership_inference"
    )
    response = reviewer_client.get(_url(queued_report))
    page = response.content.decode()
    assert response.status_code == 200 and 'aria-valuenow="42"' in page
    assert "membership_inference" in page and "HX-Refresh" not in response


def test_a_finished_audit_refreshes_the_page(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(finished_report))["HX-Refresh"] == "true"

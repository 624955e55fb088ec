"""Judging a report again (or running a failed one again): custodians only, POST only."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(report) -> str:  # type: ignore[no-untyped-def]
    return reverse("audit_report_rerun", args=[report.pk])


def test_anonymous_is_sent_to_login(client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert client.post(_url(finished_report)).status_code == 302


def test_researcher_is_refused(researcher_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.post(_url(finished_report)).status_code == 403


def test_other_organisation_gets_404(other_custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.post(_url(finished_report)).status_code == 404


def test_reviewer_is_refused(reviewer_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.post(_url(finished_report)).status_code == 403


def test_get_is_not_allowed(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(finished_report)).status_code == 405


def test_custodian_judges_the_report_again(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    response = custodian_client.post(_url(finished_report), follow=True)
    assert response.redirect_chain[-1][0] == reverse("audit_report_detail", args=[finished_report.pk])
    assert "Judged again on policy v1: Fail." in response.content.decode()
    assert Event.objects.filter(action="audit.rejudged").count() == 1


def test_a_running_audit_is_not_judged_again(custodian_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport

    AuditReport.objects.filter(pk=queued_report.pk).update(status="running")
    response = custodian_client.post(_url(queued_report), follow=True)
    assert "still running" in response.content.decode()

"""Starting the audit of a synthetic set by hand (sampling normally starts it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def unaudited_set(custodian, rows_only):  # type: ignore[no-untyped-def]
    return rows_only(custodian)


def _url(synthetic_set) -> str:  # type: ignore[no-untyped-def]
    return reverse("audit_start", args=[synthetic_set.pk])


def test_anonymous_is_sent_to_login(client, unaudited_set) -> None:  # type: ignore[no-untyped-def]
    assert client.post(_url(unaudited_set)).status_code == 302


def test_researcher_is_refused(researcher_client, unaudited_set) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.post(_url(unaudited_set)).status_code == 403


def test_other_organisation_gets_404(other_custodian_client, unaudited_set) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.post(_url(unaudited_set)).status_code == 404


def test_reviewer_is_refused(reviewer_client, unaudited_set) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.post(_url(unaudited_set)).status_code == 403


def test_custodian_starts_the_audit_once(custodian_client, unaudited_set) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport

    first = custodian_client.post(_url(unaudited_set))
    second = custodian_client.post(_url(unaudited_set))
    report = AuditReport.objects.get(synthetic_set=unaudited_set)
    assert first["Location"] == second["Location"] == reverse("audit_report_detail", args=[report.pk])

"""Audits awaiting action on the staff dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_failed_and_passed_audits_wait_for_staff(custodian_client, reviewer_client, finished_report, custodian, rows_only) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport
    from audit.services import audit_queue

    passed = audit_queue(synthetic_set=rows_only(custodian, "Passing"), queue=False)
    AuditReport.objects.filter(pk=passed.pk).update(status="succeeded", verdict="pass")
    page = custodian_client.get(reverse("dashboard")).content.decode()
    section = page[page.index("Audits awaiting action"):]
    assert f"Audit {finished_report.pk}" in section and "exact_copies" in section
    assert f"Audit {passed.pk}" in section
    assert f"{reverse('release_propose')}?synthetic_set={passed.synthetic_set_id}" in section
    page = reviewer_client.get(reverse("dashboard")).content.decode()
    assert "waiting for a custodian to propose a release" in page


def test_a_proposed_audit_no_longer_waits(organisation, custodian, rows_only) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport
    from audit.selectors import reports_awaiting_action
    from audit.services import audit_queue

    report = audit_queue(synthetic_set=rows_only(custodian), queue=False)
    AuditReport.objects.filter(pk=report.pk).update(status="succeeded", verdict="pass")
    assert list(reports_awaiting_action(organisation)["to_propose"]) == [report]
    try:
        from releases.models import Release
    except ImportError:  # pragma: no cover
        pytest.skip("no releases app")
    Release.objects.create(
        organisation=organisation, synthetic_set=report.synthetic_set, audit=report, title="t",
        description="d", version="1", licence="CC-BY-4.0", n_individuals=1, n_snps=1,
        audit_verdict="pass", proposed_by=custodian,
    )
    assert list(reports_awaiting_action(organisation)["to_propose"]) == []

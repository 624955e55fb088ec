"""The report page: verdict and headline first, every metric with its figure, live progress."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(report) -> str:  # type: ignore[no-untyped-def]
    return reverse("audit_report_detail", kwargs={"pk": report.pk})


def test_anonymous_is_sent_to_login(client, queued_report) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_url(queued_report))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_researcher_is_refused(researcher_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(queued_report)).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_report) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_report)).status_code == 404


def test_reviewer_sees_the_report(reviewer_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(_url(finished_report)).content.decode()
    assert "Verdict" in page
    assert reverse("audit_report_rerun", args=[finished_report.pk]) not in page


def test_custodian_sees_the_report_and_can_judge_it_again(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(finished_report)).content.decode()
    assert reverse("audit_report_rerun", args=[finished_report.pk]) in page


def test_verdict_and_failing_checks_come_first_with_value_and_threshold(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(finished_report)).content.decode()
    assert 'class="badge fail"' in page
    copies = next(c for c in finished_report.failing_checks if c["name"] == "exact_copies_max")
    verdict = page.index("Verdict:")
    assert verdict < page.index("Headline") < page.index("<svg")
    failing_table = page[verdict:page.index("Headline")]
    assert "exact_copies" in failing_table
    assert f"<td class=\"right\">{copies['value']}</td>" in failing_table
    assert "≤ 0" in failing_table


def test_every_metric_has_a_section_and_the_figures_are_inline(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(finished_report)).content.decode()
    for name in finished_report.report["metrics"]:
        assert f'id="metric-{name}"' in page
    assert page.count("<svg") >= 5  # PCA, AF scatter, LD decay, distances, ROC curves
    assert "Membership inference attacks" in page and "Principal components" in page


def test_downloads_are_linked(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(finished_report)).content.decode()
    assert reverse("audit_report_json", args=[finished_report.pk]) in page
    assert reverse("audit_report_html", args=[finished_report.pk]) in page


def test_a_queued_audit_polls_for_progress(custodian_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(queued_report)).content.decode()
    assert f'hx-get="{reverse("audit_report_progress", args=[queued_report.pk])}"' in page
    assert reverse("audit_report_json", args=[queued_report.pk]) not in page


def test_a_failed_audit_says_why(custodian_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport

    AuditReport.objects.filter(pk=queued_report.pk).update(
        status="failed", error_message="Cohort 'Rows only' is not ingested yet."
    )
    page = custodian_client.get(_url(queued_report)).content.decode()
    assert "is not ingested yet" in page and "Run the audit again" in page


def test_privacy_loss_is_shown_beside_the_memoryless_reference(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(finished_report)).content.decode()
    headline = finished_report.headline
    assert "Privacy loss of a memoryless sample (frequencies only)" in page
    assert "Privacy loss beyond the memoryless sample" in page
    assert f'<div class="value">{headline["privacy_loss_reference"]}</div>' in page
    assert "cannot have memorised anyone" in page

"""audit_queue hands the audit to a real Celery worker over Redis, which finishes it."""

from __future__ import annotations

import time

import pytest


def _finished(report_id: int, timeout: float = 180.0):  # type: ignore[no-untyped-def]
    # tests/conftest.py has wait_for, but this folder's conftest shadows the module name.
    from audit.models import AuditReport

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = AuditReport.objects.filter(pk=report_id, status__in=["succeeded", "failed"]).first()
        if report is not None:
            return report
        time.sleep(0.3)
    pytest.fail(f"audit {report_id} did not finish within {timeout} s")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_queued_audit_is_run_by_the_worker(celery_worker_process, celery_media, ingested_cohort, custodian, custodian_client, synthetic_set_from) -> None:  # type: ignore[no-untyped-def]
    from cohorts.training import training_data
    from django.urls import reverse

    from audit.services import audit_queue

    synthetic_set = synthetic_set_from(ingested_cohort, custodian, training_data(ingested_cohort).haplotypes)
    report = audit_queue(synthetic_set=synthetic_set, user=custodian)
    done = _finished(report.pk)
    assert done.status == "succeeded", done.error_message
    assert done.worker and done.verdict == "fail" and done.failing_checks
    assert done.json_file and done.html_file
    progress = custodian_client.get(reverse("audit_report_progress", args=[report.pk]))
    assert progress["HX-Refresh"] == "true"
    download = custodian_client.get(reverse("audit_report_html", args=[report.pk]))
    assert download.status_code == 200 and b"<svg" in b"".join(download.streaming_content)

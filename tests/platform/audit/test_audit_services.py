"""Queueing, claiming, failing and re-judging audits (stored results; no metrics run here)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_queueing_is_idempotent_one_report_per_set(custodian, rows_only, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    from audit.models import AuditReport
    from audit.services import audit_queue

    synthetic_set = rows_only(custodian)
    with django_capture_on_commit_callbacks() as dispatched:
        first = audit_queue(synthetic_set=synthetic_set, user=custodian)
        again = audit_queue(synthetic_set=synthetic_set, user=custodian)
    assert first == again and AuditReport.objects.filter(synthetic_set=synthetic_set).count() == 1
    assert len(dispatched) == 1
    assert first.status == "queued" and first.verdict == "" and first.created_by == custodian
    assert first.policy.version == 1 and first.organisation == custodian.membership.organisation
    assert synthetic_set.audit == first
    assert Event.objects.filter(action="audit.queued", object_id=str(first.pk)).count() == 1


def test_a_set_without_haplotypes_cannot_be_audited(custodian, rows_only) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport
    from audit.services import AuditRequestError, audit_queue

    synthetic_set = rows_only(custodian)
    synthetic_set.status = "running"
    synthetic_set.save()
    with pytest.raises(AuditRequestError, match="no haplotypes to audit yet"):
        audit_queue(synthetic_set=synthetic_set)
    assert not AuditReport.objects.exists()


def test_the_report_is_judged_on_the_current_policy_version(custodian, rows_only) -> None:  # type: ignore[no-untyped-def]
    from audit.services import audit_queue, policy_update

    policy = policy_update(organisation=custodian.membership.organisation, user=custodian,
                           thresholds={"epsilon_max": 3}, note="DP")
    assert audit_queue(synthetic_set=rows_only(custodian), queue=False).policy == policy


def test_a_claimed_audit_is_never_run_twice(queued_report) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from audit.models import AuditReport
    from audit.services import audit_run

    AuditReport.objects.filter(pk=queued_report.pk).update(status="running", heartbeat_at=timezone.now())
    assert audit_run(report_id=queued_report.pk) is None


def test_an_audit_of_a_cohort_not_ingested_fails_and_says_why(queued_report) -> None:  # type: ignore[no-untyped-def]
    from cohorts.models import Cohort
    from events.models import Event

    from audit.services import audit_run

    Cohort.objects.filter(pk=queued_report.synthetic_set.run.cohort_id).update(status="failed")
    report = audit_run(report_id=queued_report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and report.verdict == ""
    assert "is not ingested yet" in report.error_message
    assert Event.objects.filter(action="audit.failed", object_id=str(report.pk)).exists()
    assert audit_run(report_id=report.pk) is None  # a finished job is not claimed again


def test_an_internal_error_fails_the_audit_without_leaking_details(queued_report) -> None:  # type: ignore[no-untyped-def]
    from audit.services import audit_run

    report = audit_run(report_id=queued_report.pk)  # its files do not exist
    report.refresh_from_db()
    assert report.status == "failed" and "internal error" in report.error_message
    assert report.json_file == "" and report.html_file == ""


def test_a_failed_audit_is_queued_again_on_the_current_policy(queued_report, custodian, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport
    from audit.services import audit_rerun, policy_update

    AuditReport.objects.filter(pk=queued_report.pk).update(status="failed", error_message="boom")
    policy = policy_update(organisation=custodian.membership.organisation, user=custodian,
                           thresholds={"epsilon_max": 3}, note="DP")
    with django_capture_on_commit_callbacks() as dispatched:
        report = audit_rerun(report=queued_report, user=custodian)
    assert report.status == "queued" and report.error_message == "" and report.policy == policy
    assert len(dispatched) == 1


def test_a_finished_audit_is_judged_again_on_the_current_policy(finished_report, custodian) -> None:  # type: ignore[no-untyped-def]
    import json

    from django.core.files.storage import default_storage
    from events.models import Event

    from audit.metrics.policy import CHECKS
    from audit.services import audit_rerun, policy_update

    assert finished_report.verdict == "fail"
    lenient = {name: None for name in CHECKS} | {"af_r2_min": 0.5}
    policy = policy_update(organisation=custodian.membership.organisation, user=custodian,
                           thresholds=lenient, note="only fidelity")
    report = audit_rerun(report=finished_report, user=custodian)
    report.refresh_from_db()
    assert report.verdict == "pass" and report.failing_checks == [] and report.policy == policy
    assert report.headline == finished_report.headline  # measurements kept
    assert [c["name"] for c in report.report["checks"]] == ["af_r2_min"]
    with default_storage.open(report.json_file) as stored:
        assert json.load(stored)["verdict"] == "pass"
    event = Event.objects.get(action="audit.rejudged", object_id=str(report.pk))
    assert event.details["previous"] == {"verdict": "fail", "policy_version": 1}
    assert event.details["verdict"] == "pass" and event.details["policy_version"] == 2


def test_a_running_audit_cannot_be_judged_again(queued_report, custodian) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport
    from audit.services import AuditRequestError, audit_rerun

    AuditReport.objects.filter(pk=queued_report.pk).update(status="running")
    with pytest.raises(AuditRequestError, match="still running"):
        audit_rerun(report=queued_report, user=custodian)


def test_sampling_a_set_queues_its_audit(custodian, rows_only, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """The generation app hands every sampled set to audit_queue (generation.services)."""
    from generation import services as generation_services

    synthetic_set = rows_only(custodian)
    with django_capture_on_commit_callbacks() as dispatched:
        generation_services._queue_audit(synthetic_set)
    assert synthetic_set.audit.status == "queued" and len(dispatched) == 1

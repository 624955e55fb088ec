"""An audit from queue to verdict, in-process: real cohort, real metrics, stored files."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db


def _audit(synthetic_set):  # type: ignore[no-untyped-def]
    from audit.services import audit_queue, audit_run

    report = audit_queue(synthetic_set=synthetic_set, queue=False)
    finished = audit_run(report_id=report.pk)
    assert finished is not None
    finished.refresh_from_db()
    assert finished.status == "succeeded", finished.error_message
    return finished


def test_real_individuals_left_out_of_the_cohort_pass(holdout_like_set, small_cohort_policy) -> None:  # type: ignore[no-untyped-def]
    from generation.models import GeneratorRun

    GeneratorRun.objects.filter(pk=holdout_like_set.run_id).update(epsilon_spent=4.5)
    report = _audit(holdout_like_set)
    assert report.verdict == "pass", [c["message"] for c in report.failing_checks]
    assert report.failing_checks == []
    assert report.policy == small_cohort_policy
    assert report.headline["af_r2"] > 0.9 and report.headline["epsilon"] == 4.5
    labels = report.report["inputs"]["population_labels"]
    assert labels["train"] and labels["holdout"]
    assert report.report["inputs"]["synthetic_haplotypes"] == 2 * holdout_like_set.n_individuals


def test_copies_of_training_haplotypes_fail_with_the_checks_named(copied_set, small_cohort_policy) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    report = _audit(copied_set)
    assert report.verdict == "fail"
    failing = {check["name"]: check for check in report.failing_checks}
    assert {"exact_copies_max", "privacy_loss_max"} <= set(failing)
    assert failing["exact_copies_max"]["value"] == 2 * copied_set.n_individuals
    assert failing["exact_copies_max"]["threshold"] == 30
    assert all(not check["passed"] for check in report.failing_checks)

    with default_storage.open(report.json_file) as stored:
        document = json.load(stored)
    assert document["verdict"] == "fail" and document["headline"] == report.headline
    with default_storage.open(report.html_file) as stored:
        page = stored.read().decode()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "FAIL" in page

    actions = list(Event.objects.filter(object_type="audit.auditreport", object_id=str(report.pk))
                   .values_list("action", flat=True))
    assert actions == ["audit.queued", "audit.completed"]
    completed = Event.objects.get(action="audit.completed", object_id=str(report.pk))
    assert completed.details["verdict"] == "fail"
    assert "exact_copies_max" in completed.details["failing_checks"]

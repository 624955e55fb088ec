"""Writes for audits and release policies: queue, run, re-judge; versioned policy changes.

The science lives in :mod:`audit.metrics`; this module only gathers the inputs (train
split, holdout split, synthetic haplotypes, labels, epsilon), calls
:func:`audit.metrics.report.audit_report`, and stores what it returns.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from accounts.models import Organisation
from cohorts import store
from cohorts.holdout import holdout_haplotypes, holdout_populations
from cohorts.training import CohortNotReady, training_data
from django.db import transaction
from events.services import event_record
from jobs.dispatch import dispatch
from jobs.models import JobStatus
from jobs.services import job_claim, job_finish, job_report_progress, job_requeue

from audit.metrics import policy as metrics_policy
from audit.metrics.html import render_html
from audit.metrics.inputs import AuditError
from audit.metrics.plots import report_plots
from audit.metrics.report import audit_report
from generation.models import SyntheticSet

from .models import AuditReport, ReleasePolicy

logger = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "The audit stopped on an internal error; the administrators have the details in the "
    "worker log. Run it again, or contact them if it happens again."
)
AUDIT_SEED = 0  # fixed, so that auditing the same set twice gives the same numbers


class AuditRequestError(ValueError):
    """An audit request that cannot be carried out; the message tells the user why."""


class PolicyError(ValueError):
    """Thresholds the release policy refuses; ``field`` names the offending threshold."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _field_named(message: str) -> str | None:
    # The metrics name the field in their message ("policy field 'mia_auc_max': ...").
    match = re.search(r"'(\w+)'", message)
    return match.group(1) if match and match.group(1) in metrics_policy.CHECKS else None


def thresholds_validated(thresholds: Mapping[str, Any]) -> dict[str, Any]:
    """Thresholds as the metrics' ``Policy`` accepts them, every field filled in.

    Raises :class:`PolicyError` with the field the metrics refused.
    """
    try:
        return metrics_policy.Policy.from_dict(dict(thresholds)).to_dict()
    except (metrics_policy.PolicyError, TypeError) as error:
        message = str(error)
        raise PolicyError(_sentence(message), field=_field_named(message)) from None


def threshold_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: {"from": old, "to": new}}`` for each threshold that differs."""
    return {
        name: {"from": before.get(name), "to": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


# Release policies ----------------------------------------------------------------------


def _lock(organisation: Organisation) -> None:
    # Versions are numbered per organisation: one writer at a time.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()


@transaction.atomic
def policy_current(*, organisation: Organisation) -> ReleasePolicy:
    """The latest policy version; version 1 with the defaults on first use."""
    latest = ReleasePolicy.objects.filter(organisation=organisation).order_by("-version").first()
    if latest is not None:
        return latest
    _lock(organisation)
    latest = ReleasePolicy.objects.filter(organisation=organisation).order_by("-version").first()
    if latest is not None:
        return latest
    policy = ReleasePolicy.objects.create(
        organisation=organisation, version=1, thresholds=metrics_policy.Policy().to_dict(),
        note="Platform defaults",
    )
    event_record(
        action="policy.created", obj=policy, organisation=organisation,
        details={"version": 1, "thresholds": policy.thresholds},
    )
    return policy


@transaction.atomic
def policy_update(
    *, organisation: Organisation, user: Any, thresholds: Mapping[str, Any], note: str = ""
) -> ReleasePolicy:
    """Save changed thresholds as the next policy version.

    Raises :class:`PolicyError` (naming the threshold) when the metrics' ``Policy``
    refuses a value, or when nothing changed; nothing is saved then.
    """
    current = policy_current(organisation=organisation)
    _lock(organisation)
    current = ReleasePolicy.objects.filter(organisation=organisation).order_by("-version").first()
    assert current is not None
    validated = thresholds_validated({**current.thresholds, **thresholds})
    changes = threshold_changes(current.thresholds, validated)
    if not changes:
        raise PolicyError("The thresholds are the same as in the current version; nothing to save.")
    policy = ReleasePolicy.objects.create(
        organisation=organisation, version=current.version + 1, thresholds=validated,
        created_by=user, note=note.strip(),
    )
    event_record(
        action="policy.changed", obj=policy, actor=user, organisation=organisation,
        details={"version": policy.version, "previous_version": current.version,
                 "changes": changes, "note": policy.note},
    )
    return policy


# Audits --------------------------------------------------------------------------------


@transaction.atomic
def audit_queue(*, synthetic_set: SyntheticSet, user: Any = None, queue: bool = True) -> AuditReport:
    """The set's audit report, created and queued on the first call (one report per set).

    Judged on the organisation's current policy. With ``queue=False`` the caller runs
    :func:`audit_run` itself (the ``audit_set`` command does, in its own process).
    """
    locked = SyntheticSet.objects.select_for_update().get(pk=synthetic_set.pk)
    existing = AuditReport.objects.filter(synthetic_set=locked).first()
    if existing is not None:
        return existing
    if locked.status != JobStatus.SUCCEEDED or not locked.haplotypes_file:
        raise AuditRequestError(
            f"synthetic set {locked.pk} has no haplotypes to audit yet "
            f"(status: {locked.get_status_display().lower()})"
        )
    organisation = locked.organisation
    policy = policy_current(organisation=organisation)
    report = AuditReport.objects.create(
        synthetic_set=locked, policy=policy,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    event_record(
        action="audit.queued", obj=report, actor=user, organisation=organisation,
        details={"synthetic_set": locked.pk, "policy_version": policy.version},
    )
    if queue:
        _dispatch(report)
    return report


def _dispatch(report: AuditReport) -> None:
    from .tasks import audit_synthetic_set

    dispatch(audit_synthetic_set, report.pk)


def audit_run(*, report_id: int) -> AuditReport | None:
    """Run a queued audit; a no-op (None) when another worker has claimed it."""
    report = job_claim(AuditReport, report_id)
    if report is None:
        return None
    written: list[str] = []
    try:
        job_report_progress(report, 0.01, "loading the train, holdout and synthetic haplotypes")
        result = audit_report(
            **_audit_inputs(report),
            policy=report.policy.thresholds,
            seed=AUDIT_SEED,
            progress=lambda fraction, message: job_report_progress(
                report, 0.02 + 0.93 * fraction, message
            ),
        )
        job_report_progress(report, 0.96, "writing report.json and report.html")
        written = _store_files(report, result)
        with transaction.atomic():
            job_finish(
                report, status=JobStatus.SUCCEEDED, progress_message="audited",
                json_file=written[0], html_file=written[1], **_results(result),
            )
            event_record(
                action="audit.completed", obj=report, organisation=report.organisation,
                details={"verdict": report.verdict, "policy_version": report.policy.version,
                         "failing_checks": [c.get("name") for c in report.failing_checks]},
            )
    except (AuditError, CohortNotReady, AuditRequestError) as error:
        _fail(report, written, _sentence(str(error)))
    except Exception:
        logger.exception("audit %s failed", report.pk)
        _fail(report, written, INTERNAL_ERROR)
    return report


def _audit_inputs(report: AuditReport) -> dict[str, Any]:
    """What the metrics need; the audit is the one place that opens the holdout split."""
    from generation.selectors import synthetic_haplotypes, synthetic_populations

    synthetic_set = report.synthetic_set
    run = synthetic_set.run
    cohort = run.cohort
    train = training_data(cohort, run.label_level)
    try:
        synthetic = synthetic_haplotypes(synthetic_set)
    except ValueError as error:
        raise AuditRequestError(str(error)) from None
    return {
        "train": train.haplotypes,
        "holdout": holdout_haplotypes(cohort),
        "synthetic": synthetic,
        "variants": train.variants,
        "train_populations": train.populations,
        "holdout_populations": holdout_populations(cohort, run.label_level),
        "synthetic_populations": synthetic_populations(synthetic_set),
        "epsilon": run.epsilon_spent,
    }


def _results(result: Mapping[str, Any]) -> dict[str, Any]:
    """The model fields the metrics' report fills."""
    return {
        "report": dict(result),
        "headline": result["headline"],
        "verdict": result["verdict"],
        "failing_checks": [check for check in result["checks"] if not check["passed"]],
    }


def _store_files(report: AuditReport, result: Mapping[str, Any]) -> list[str]:
    directory = f"audits/{report.pk}"
    names: list[str] = []
    try:
        document = json.dumps(result, indent=1, sort_keys=True, allow_nan=False)
        names.append(store.save_bytes(f"{directory}/report.json", document.encode()))
        page = render_html(dict(result), report_plots(dict(result)))
        names.append(store.save_bytes(f"{directory}/report.html", page.encode()))
    except Exception:
        store.delete_files(*names)
        raise
    return names


def _fail(report: AuditReport, written: list[str], message: str) -> None:
    store.delete_files(*written)
    with transaction.atomic():
        job_finish(report, status=JobStatus.FAILED, error_message=message)
        event_record(action="audit.failed", obj=report, organisation=report.organisation,
                     details={"error": message})


def _sentence(message: str) -> str:
    text = message[0].upper() + message[1:] if message else "The audit failed."
    return text if text.endswith(".") else text + "."


@transaction.atomic
def audit_rerun(*, report: AuditReport, user: Any, queue: bool = True) -> AuditReport:
    """Judge the set again on the organisation's current policy.

    A finished audit keeps its measurements and is re-judged (the metrics are
    deterministic; only the thresholds changed). A failed one is queued to run again
    (``queue=False``: the caller runs :func:`audit_run` itself).
    """
    locked = AuditReport.objects.select_for_update().get(pk=report.pk)
    organisation = locked.organisation
    policy = policy_current(organisation=organisation)
    if locked.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        job_requeue(locked)
        locked.policy = policy
        locked.save(update_fields=["policy"])
        event_record(
            action="audit.requeued", obj=locked, actor=user, organisation=organisation,
            details={"policy_version": policy.version},
        )
        if queue:
            _dispatch(locked)
        return locked
    if locked.status != JobStatus.SUCCEEDED:
        raise AuditRequestError("the audit is still running; wait for it to finish first")
    previous = {"verdict": locked.verdict, "policy_version": locked.policy.version}
    result = _rejudged(locked.report, policy.thresholds)
    locked.json_file, locked.html_file = _store_files(locked, result)
    for name, value in _results(result).items():
        setattr(locked, name, value)
    locked.policy = policy
    locked.save()
    event_record(
        action="audit.rejudged", obj=locked, actor=user, organisation=organisation,
        details={"previous": previous, "verdict": locked.verdict,
                 "policy_version": policy.version,
                 "failing_checks": [c.get("name") for c in locked.failing_checks]},
    )
    return locked


def _rejudged(report: Mapping[str, Any], thresholds: Mapping[str, Any]) -> dict[str, Any]:
    """The stored report with its verdict fields recomputed by the metrics' ``evaluate``."""
    policy = metrics_policy.Policy.from_dict(dict(thresholds))
    verdict = metrics_policy.evaluate(policy, dict(report["headline"]))
    return {
        **report,
        "verdict": "pass" if verdict.passed else "fail",
        "failures": verdict.failures,
        "checks": verdict.checks,
        "policy": policy.to_dict(),
    }

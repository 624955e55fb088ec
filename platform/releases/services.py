"""Writes for releases: proposal, four-eyes decision, withdrawal, and the bundle job.

Every rule lives here once: the web views, the API, the admin and the Celery task all
call these functions. Each one checks who acts and the release's state before it
changes anything, and records what it did in the event log.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from accounts.models import Role
from accounts.selectors import membership_of
from cohorts.store import save_file
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from events.services import event_record
from jobs.dispatch import dispatch
from jobs.models import JobStatus
from jobs.services import job_claim, job_finish, job_report_progress, job_requeue

from .models import (
    ACTIVE_RELEASE_STATUSES,
    RELEASE_TRANSITIONS,
    Release,
    ReleaseBundle,
    ReleaseStatus,
)
from .terms import LICENCE_CHOICES, TermsError, check_duo_codes
from .verify_bundle import file_digest

logger = logging.getLogger(__name__)

MIN_JUSTIFICATION = 30  # characters: an override must say why, not just "ok"


class ReleaseError(ValueError):
    """A release request that cannot be carried out; the message tells the user why."""


class ReleaseForbidden(ReleaseError):
    """The user may not do this to this release (role, organisation, or four-eyes rule)."""


class IllegalReleaseTransition(ReleaseError):
    """A status change the release state machine does not allow."""


def release_check_transition(release: Release, target: str) -> None:
    """The one place that refuses illegal release status changes."""
    if target not in RELEASE_TRANSITIONS[release.status]:
        raise IllegalReleaseTransition(
            f"this release is {release.get_status_display().lower()}: it cannot become "
            f"{ReleaseStatus(target).label.lower()}"
        )


def require_member(user: Any, release_organisation: Any, roles: tuple[str, ...], action: str) -> None:
    membership = membership_of(user)
    if membership is None or membership.organisation_id != release_organisation.pk:
        raise ReleaseForbidden(f"only staff of {release_organisation} may {action}")
    if membership.role not in roles:
        names = " or ".join(Role(r).label.lower() for r in roles)
        raise ReleaseForbidden(f"only a {names} may {action}; you are a {membership.get_role_display().lower()}")


def _locked(release: Release) -> Release:
    return Release.objects.select_for_update().get(pk=release.pk)


def population_composition(panel_name: str) -> dict[str, int]:
    """Synthetic individuals per population, from the synthetic sample panel TSV."""
    if not panel_name or not default_storage.exists(panel_name):
        raise ReleaseError("the synthetic set has no sample panel in storage: sample it again")
    with default_storage.open(panel_name, "rb") as stored:
        rows = list(csv.DictReader(io.StringIO(stored.read().decode("utf-8")), delimiter="\t"))
    column = next((c for c in ("population", "pop") if rows and c in rows[0]), None)
    if column is None:
        raise ReleaseError("the synthetic sample panel has no population column")
    counts = Counter((row[column] or "unlabelled").strip() for row in rows)
    return dict(sorted(counts.items()))


def _check_text(**fields: str) -> None:
    for name, value in fields.items():
        if not value.strip():
            raise ReleaseError(f"the {name.replace('_', ' ')} must not be empty")


@transaction.atomic
def release_propose(
    *,
    synthetic_set: Any,
    proposer: Any,
    title: str,
    description: str,
    version: str,
    licence: str,
    duo_codes: list[str],
) -> Release:
    """A custodian offers an audited synthetic set of their organisation for release."""
    from audit.models import AuditReport

    organisation = synthetic_set.organisation
    require_member(proposer, organisation, (Role.CUSTODIAN,), "propose a release")
    _check_text(title=title, description=description, version=version)
    if licence not in dict(LICENCE_CHOICES):
        raise ReleaseError(f"licence must be one of {', '.join(dict(LICENCE_CHOICES))}; found {licence!r}")
    try:
        codes = check_duo_codes(list(duo_codes))
    except TermsError as error:
        raise ReleaseError(str(error)) from None
    if synthetic_set.status != JobStatus.SUCCEEDED:
        raise ReleaseError("the synthetic set has not finished sampling")
    audit = AuditReport.objects.filter(synthetic_set=synthetic_set).select_related("policy").first()
    if audit is None or audit.status != JobStatus.SUCCEEDED or not audit.verdict:
        raise ReleaseError("the synthetic set has no finished audit: audit it before proposing it")
    if Release.objects.filter(synthetic_set=synthetic_set, status__in=ACTIVE_RELEASE_STATUSES).exists():
        raise ReleaseError("this synthetic set is already proposed or released")
    if Release.objects.filter(organisation=organisation, title=title.strip(), version=version.strip()).exists():
        raise ReleaseError(f"{title} version {version} already exists: choose a new version")
    run = synthetic_set.run
    release = Release.objects.create(
        organisation=organisation,
        synthetic_set=synthetic_set,
        audit=audit,
        title=title.strip(),
        description=description.strip(),
        version=version.strip(),
        licence=licence,
        duo_codes=codes,
        population_composition=population_composition(synthetic_set.panel_file),
        n_individuals=synthetic_set.n_individuals,
        n_snps=run.cohort.n_variants or 0,
        epsilon=run.epsilon_spent if run.target_epsilon is not None else None,
        audit_verdict=audit.verdict,
        proposed_by=proposer,
    )
    event_record(
        action="release.proposed", obj=release, actor=proposer, organisation=organisation,
        details={"title": release.title, "version": release.version, "synthetic_set": synthetic_set.pk,
                 "audit": audit.pk, "verdict": audit.verdict, "duo": codes},
    )
    return release


def _check_reviewer(release: Release, reviewer: Any, action: str) -> None:
    require_member(reviewer, release.organisation, (Role.REVIEWER,), action)
    if release.proposed_by_id == reviewer.pk:
        raise ReleaseForbidden(f"four-eyes rule: the proposer of a release cannot {action}")


@transaction.atomic
def release_approve(
    *, release: Release, reviewer: Any, comment: str, override_justification: str = ""
) -> Release:
    """A reviewer other than the proposer approves; a failing audit needs a justification."""
    release = _locked(release)
    _check_reviewer(release, reviewer, "approve it")
    release_check_transition(release, ReleaseStatus.APPROVED)
    _check_text(comment=comment)
    justification = override_justification.strip()
    passed = release.audit.verdict == "pass"
    if not passed and len(justification) < MIN_JUSTIFICATION:
        raise ReleaseError(
            f"the audit failed ({', '.join(map(str, release.audit.failing_checks)) or 'see the report'}): "
            f"approving it anyway needs a written justification of at least {MIN_JUSTIFICATION} "
            "characters, which stays visible on the release"
        )
    if passed and justification:
        raise ReleaseError("the audit passed: there is nothing to override, leave the justification empty")
    release.status = ReleaseStatus.APPROVED
    release.decided_by = reviewer
    release.decided_at = timezone.now()
    release.decision_comment = comment.strip()
    release.override_justification = justification
    release.save()
    bundle, created = ReleaseBundle.objects.get_or_create(release=release)
    if not created:
        job_requeue(bundle)
    event_record(
        action="release.approved", obj=release, actor=reviewer, organisation=release.organisation,
        details={"comment": release.decision_comment, "verdict": release.audit.verdict,
                 "override_justification": justification or None, "bundle": bundle.pk},
    )
    from .tasks import build_bundle

    dispatch(build_bundle, bundle.pk)
    return release


@transaction.atomic
def release_reject(*, release: Release, reviewer: Any, comment: str) -> Release:
    release = _locked(release)
    _check_reviewer(release, reviewer, "reject it")
    release_check_transition(release, ReleaseStatus.REJECTED)
    _check_text(comment=comment)
    release.status = ReleaseStatus.REJECTED
    release.decided_by = reviewer
    release.decided_at = timezone.now()
    release.decision_comment = comment.strip()
    release.save()
    event_record(action="release.rejected", obj=release, actor=reviewer,
                 organisation=release.organisation, details={"comment": release.decision_comment})
    return release


@transaction.atomic
def release_withdraw(*, release: Release, user: Any, reason: str) -> Release:
    """Take a release out of circulation: every grant stops, pending requests close."""
    from .access_services import grants_stop_for_withdrawal

    release = _locked(release)
    require_member(user, release.organisation, (Role.CUSTODIAN, Role.REVIEWER), "withdraw it")
    release_check_transition(release, ReleaseStatus.WITHDRAWN)
    _check_text(reason=reason)
    release.status = ReleaseStatus.WITHDRAWN
    release.withdrawn_by = user
    release.withdrawn_at = timezone.now()
    release.withdrawal_reason = reason.strip()
    release.save()
    stopped = grants_stop_for_withdrawal(release=release, user=user)
    event_record(action="release.withdrawn", obj=release, actor=user, organisation=release.organisation,
                 details={"reason": release.withdrawal_reason, **stopped})
    return release


@transaction.atomic
def bundle_retry(*, release: Release, user: Any) -> ReleaseBundle:
    """Queue the bundle again after a failure (e.g. a file restored to storage)."""
    release = _locked(release)
    require_member(user, release.organisation, (Role.CUSTODIAN,), "retry the bundle")
    if release.status != ReleaseStatus.APPROVED:
        raise ReleaseError("only an approved release waiting for its bundle can be rebuilt")
    bundle = ReleaseBundle.objects.select_for_update().get(release=release)
    if bundle.status != JobStatus.FAILED:
        raise ReleaseError(f"the bundle is {bundle.get_status_display().lower()}, not failed")
    job_requeue(bundle)
    event_record(action="release.bundle_retried", obj=release, actor=user,
                 organisation=release.organisation, details={"bundle": bundle.pk})
    from .tasks import build_bundle

    dispatch(build_bundle, bundle.pk)
    return bundle


def _store_bundle(bundle: ReleaseBundle, built: Any) -> dict[str, Any]:
    prefix = f"releases/{bundle.release_id}/{built.name}"
    for entry in built.files:
        with open(built.directory / entry["path"], "rb") as local:
            save_file(f"{prefix}/{entry['path']}", File(local))
    with open(built.archive, "rb") as local:
        archive_name = save_file(f"releases/{bundle.release_id}/{built.archive.name}", File(local))
    archive_size, archive_sha256 = file_digest(built.archive)
    manifest = next(e for e in built.files if e["path"] == "manifest.json")
    return {
        "name": built.name, "storage_prefix": prefix, "files": built.files,
        "archive_file": archive_name, "archive_size": archive_size, "archive_sha256": archive_sha256,
        "manifest_sha256": manifest["sha256"], "keyid": built.keyid,
    }


def bundle_build(*, bundle_id: int) -> ReleaseBundle | None:
    """Build, sign and store the bundle, then publish; a no-op if another worker has it."""
    from .bundle import BundleSourceError, build_bundle

    bundle = job_claim(ReleaseBundle, bundle_id)
    if bundle is None:
        return None
    release = Release.objects.select_related(
        "organisation", "synthetic_set__run__cohort", "audit__policy__organisation",
        "proposed_by", "decided_by",
    ).get(pk=bundle.release_id)
    if release.status != ReleaseStatus.APPROVED:
        job_finish(bundle, status=JobStatus.CANCELLED, error_message="the release is no longer approved")
        return bundle
    try:
        with tempfile.TemporaryDirectory(prefix=f"synthome-release-{release.pk}-") as workdir:
            built = build_bundle(
                release, Path(workdir),
                progress=lambda fraction, message: job_report_progress(bundle, fraction, message),
            )
            job_report_progress(bundle, 0.9, "storing the bundle")
            fields = _store_bundle(bundle, built)
    except BundleSourceError as error:
        _bundle_failed(bundle, release, str(error)[0].upper() + str(error)[1:])
        return bundle
    except Exception:
        logger.exception("building the bundle of release %s failed", release.pk)
        _bundle_failed(bundle, release, "Building the bundle stopped on an internal error; the "
                       "administrators have the details in the worker log. Retry it, or contact them.")
        return bundle
    with transaction.atomic():
        job_finish(bundle, status=JobStatus.SUCCEEDED, progress_message="signed and stored", **fields)
        locked = _locked(release)
        event_record(action="release.bundle_built", obj=locked, organisation=locked.organisation,
                     details={"keyid": fields["keyid"], "manifest_sha256": fields["manifest_sha256"],
                              "archive_sha256": fields["archive_sha256"]})
        if locked.status == ReleaseStatus.APPROVED:
            release_check_transition(locked, ReleaseStatus.PUBLISHED)
            locked.status = ReleaseStatus.PUBLISHED
            locked.published_at = timezone.now()
            locked.save(update_fields=["status", "published_at"])
            event_record(action="release.published", obj=locked, organisation=locked.organisation,
                         details={"title": locked.title, "version": locked.version})
    return bundle


def _bundle_failed(bundle: ReleaseBundle, release: Release, message: str) -> None:
    with transaction.atomic():
        job_finish(bundle, status=JobStatus.FAILED, error_message=message)
        event_record(action="release.bundle_failed", obj=release, organisation=release.organisation,
                     details={"error": message})


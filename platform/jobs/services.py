"""Claiming, progress and completion of jobs: one place for the state machine."""

from __future__ import annotations

import socket
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

from .models import STALE_AFTER, TRANSITIONS, Job, JobStatus

J = TypeVar("J", bound=Job)


class IllegalTransition(ValueError):
    """A status change the job state machine does not allow."""


def check_transition(job: Job, target: str) -> None:
    if target not in TRANSITIONS[job.status]:
        raise IllegalTransition(
            f"cannot move {job._meta.verbose_name} from {job.get_status_display().lower()} "  # type: ignore[attr-defined]
            f"to {JobStatus(target).label.lower()}"
        )


def job_claim(job_class: type[J], pk: int) -> J | None:
    """Move a queued (or abandoned running) job to running; None if someone else has it.

    A conditional UPDATE, so two deliveries of the same task never both run it.
    """
    now = timezone.now()
    stale = models.Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    claimed = (
        job_class.objects.filter(pk=pk)
        .filter(models.Q(status=JobStatus.QUEUED) | stale)
        .update(
            status=JobStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            progress=0.0,
            error_message="",
            worker=socket.gethostname()[:200],
        )
    )
    return job_class.objects.get(pk=pk) if claimed == 1 else None


def job_report_progress(job: Job, fraction: float, message: str = "") -> None:
    """Record progress without touching other fields (the web may edit them meanwhile)."""
    fraction = max(0.0, min(1.0, fraction))
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        progress=fraction, progress_message=message[:300], heartbeat_at=timezone.now()
    )
    job.progress, job.progress_message = fraction, message[:300]


def job_finish(job: Job, *, status: str, error_message: str = "", **fields: object) -> None:
    """Set the terminal state together with the job's results, in one transaction."""
    with transaction.atomic():
        current = type(job).objects.select_for_update().get(pk=job.pk)
        check_transition(current, status)
        for name, value in fields.items():
            setattr(job, name, value)
        job.status = status
        job.error_message = error_message
        job.finished_at = timezone.now()
        if status == JobStatus.SUCCEEDED:
            job.progress = 1.0
        job.save()


def job_requeue(job: Job) -> None:
    check_transition(job, JobStatus.QUEUED)
    job.status = JobStatus.QUEUED
    job.progress = 0.0
    job.progress_message = ""
    job.error_message = ""
    job.queued_at = timezone.now()
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.save()

"""Celery tasks for audits: thin wrappers around services."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=2 * 3600,
    time_limit=2 * 3600 + 60,
)
def audit_synthetic_set(report_id: int) -> None:
    """Run a queued audit; a no-op when it already ran or another worker holds it."""
    from .services import audit_run

    audit_run(report_id=report_id)

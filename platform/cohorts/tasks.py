"""Celery tasks for cohorts: thin wrappers around services."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 60,
)
def ingest_cohort(cohort_id: int) -> None:
    from .services import cohort_ingest

    cohort_ingest(cohort_id=cohort_id)

"""Celery tasks for releases: thin wrappers around services."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3600,
    time_limit=3600 + 60,
)
def build_bundle(bundle_id: int) -> None:
    from .services import bundle_build

    bundle_build(bundle_id=bundle_id)

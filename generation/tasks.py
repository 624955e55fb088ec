"""Celery tasks for generation: thin, primary keys only, idempotent through job_claim.

``train_run`` goes to the "training" queue (CELERY_TASK_ROUTES), so a GPU worker can take
training while CPU workers sample and audit. Only transient database errors are retried;
the services hand the job back to the queue first, and a retry resumes from the
checkpoint. A redelivered task whose job already ran finds nothing to claim.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .models import MAX_MINUTES

# The model stops itself at the run's max_minutes; these limits are the safety net.
TRAIN_SOFT_LIMIT = 60 * MAX_MINUTES + 15 * 60


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=TRAIN_SOFT_LIMIT,
    time_limit=TRAIN_SOFT_LIMIT + 120,
)
def train_run(run_id: int) -> None:
    from .services import run_train

    run_train(run_id=run_id)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3600,
    time_limit=3600 + 60,
)
def sample_run(synthetic_set_id: int) -> None:
    from .services import sample_generate

    sample_generate(sample_id=synthetic_set_id)

"""Queue a Celery task once the current transaction commits.

With a broker configured the task goes to the workers. Without one (the zero-setup demo
only) it runs in-process on a background thread, so pages still show live progress.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Task
from django.conf import settings
from django.db import close_old_connections, transaction


def _run_in_thread(task: Task, args: tuple[Any, ...]) -> None:
    def target() -> None:
        try:
            task.apply(args=args)
        finally:
            close_old_connections()

    threading.Thread(target=target, daemon=True, name=f"demo-{task.name}").start()


def dispatch(task: Task, *args: Any) -> None:
    def send() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            _run_in_thread(task, args)
        else:
            task.delay(*args)

    transaction.on_commit(send)

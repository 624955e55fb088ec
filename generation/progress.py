"""What a training run reports while it trains: history, throttled writes, checkpoints.

The engine calls :class:`TrainingRecorder` once per epoch (``progress``) and before each
epoch (``should_stop``). Epochs can take milliseconds, so the database is written at most
once per :data:`WRITE_INTERVAL` and asked about cancellation at most once per
:data:`STOP_CHECK_INTERVAL`; the checkpoint the model writes to local disk is copied to
storage on each write, so a worker that dies loses only the epochs since then.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cohorts import store
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from jobs.models import JobStatus
from jobs.services import job_report_progress

from generation.engine.base import Progress

from .models import GeneratorRun

WRITE_INTERVAL = 1.0  # seconds between progress writes
STOP_CHECK_INTERVAL = 0.5  # seconds between reads of cancel_requested
HISTORY_LIMIT = 600  # points kept for the live chart; older ones are thinned evenly


def run_dir(run_id: int) -> str:
    return f"runs/{run_id}"


def progress_message(entry: dict[str, Any]) -> str:
    """'epoch 5 of 100 · loss 0.6931 · ε 1.23': one line for the page and the CLI."""
    parts = [f"epoch {entry['step']} of {entry['total']}"]
    parts += [f"{name} {value:.4g}" for name, value in entry["metrics"].items()]
    if entry.get("epsilon") is not None:
        parts.append(f"ε {entry['epsilon']:.3g}")
    return " · ".join(parts)


def thin_history(history: list[dict[str, Any]], limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """Keep at most ``limit`` points, evenly spaced, always with the first and the last."""
    if len(history) <= limit:
        return history
    last = len(history) - 1
    keep = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [history[i] for i in keep]


class TrainingRecorder:
    """The ``progress`` and ``should_stop`` callbacks of one run's ``fit``."""

    def __init__(
        self,
        run: GeneratorRun,
        local_checkpoint: Path,
        *,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.run = run
        self.local_checkpoint = local_checkpoint
        self.on_progress = on_progress
        self.history: list[dict[str, Any]] = list(run.progress_history or [])
        self._last_write = 0.0
        self._last_stop_check = float("-inf")
        self._stop = False
        self._checkpoint_mtime: float | None = None

    # -- progress ---------------------------------------------------------------------
    def __call__(self, progress: Progress) -> None:
        entry = {
            "step": progress.step,
            "total": progress.total_steps,
            "metrics": {name: float(value) for name, value in progress.metrics.items()},
            "epsilon": None if progress.epsilon is None else float(progress.epsilon),
            "at": timezone.now().isoformat(timespec="seconds"),
        }
        # A resumed model replays the epochs after its checkpoint: keep one point per step.
        while self.history and self.history[-1]["step"] >= entry["step"]:
            self.history.pop()
        self.history.append(entry)
        self.history = thin_history(self.history)
        if self.on_progress is not None:
            self.on_progress(progress)
        now = time.monotonic()
        if now - self._last_write >= WRITE_INTERVAL or progress.step >= progress.total_steps:
            self._last_write = now
            self.flush()

    def flush(self) -> None:
        """Write history, progress and a fresh checkpoint (if the model wrote one)."""
        self.sync_checkpoint()
        GeneratorRun.objects.filter(pk=self.run.pk, status=JobStatus.RUNNING).update(
            progress_history=self.history
        )
        self.run.progress_history = self.history
        if self.history:
            latest = self.history[-1]
            fraction = latest["step"] / latest["total"] if latest["total"] else 0.0
            job_report_progress(self.run, fraction, progress_message(latest))

    def restore_checkpoint(self) -> bool:
        """Copy the run's stored checkpoint (left by a worker that died) to local disk."""
        name = self.run.checkpoint_file
        if not name or not default_storage.exists(name):
            return False
        with default_storage.open(name, "rb") as stored, open(self.local_checkpoint, "wb") as local:
            shutil.copyfileobj(stored, local)
        self._checkpoint_mtime = self.local_checkpoint.stat().st_mtime
        return True

    def sync_checkpoint(self) -> None:
        """Copy the model's local checkpoint to storage when it has changed.

        The new copy gets a new name and the old one is deleted only after the row points
        at the new one, so a worker killed mid-copy still leaves a usable checkpoint.
        """
        if not self.local_checkpoint.exists():
            return
        mtime = self.local_checkpoint.stat().st_mtime
        if mtime == self._checkpoint_mtime and self.run.checkpoint_file:
            return
        with open(self.local_checkpoint, "rb") as local:
            # Storage picks a free name, so the previous checkpoint is never overwritten.
            name = default_storage.save(f"{run_dir(self.run.pk)}/checkpoint.pt", File(local))
        previous = self.run.checkpoint_file
        GeneratorRun.objects.filter(pk=self.run.pk).update(checkpoint_file=name)
        self.run.checkpoint_file = name
        self._checkpoint_mtime = mtime
        if previous and previous != name:
            store.delete_files(previous)

    # -- cancellation -----------------------------------------------------------------
    def should_stop(self) -> bool:
        """True once a user has asked to cancel (read from the database, throttled)."""
        now = time.monotonic()
        if not self._stop and now - self._last_stop_check >= STOP_CHECK_INTERVAL:
            self._last_stop_check = now
            self._stop = bool(
                GeneratorRun.objects.filter(pk=self.run.pk)
                .values_list("cancel_requested", flat=True)
                .first()
            )
        return self._stop

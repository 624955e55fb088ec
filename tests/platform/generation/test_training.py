"""run_train: the train split only, progress, results, failures, cancelling, resuming."""

from __future__ import annotations

import builtins
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from cohorts.store import load_samples
from django.core.files.storage import default_storage
from django.utils import timezone
from events.models import Event
from events.services import events_verify
from jobs.models import STALE_AFTER

from generation.engine.base import Progress
from generation.engine.models.rbm import RBMGenerator
from generation.models import GeneratorRun
from generation.services import GenerationError, run_cancel, run_create, run_train

pytestmark = pytest.mark.django_db


def _rows_of(simulated, individuals: list[int]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return simulated.haplotypes[[r for i in individuals for r in (2 * i, 2 * i + 1)]]


def test_training_reads_only_the_train_split(queued_run, ingested_cohort, simulated, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[np.ndarray] = []
    original_fit = RBMGenerator.fit

    def spy_fit(self, haplotypes, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(np.array(haplotypes, copy=True))
        return original_fit(self, haplotypes, *args, **kwargs)

    opened: list[str] = []
    original_open, original_storage_open = builtins.open, default_storage.open

    def spy_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return original_open(file, *args, **kwargs)

    def spy_storage_open(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(name))
        return original_storage_open(name, *args, **kwargs)

    monkeypatch.setattr(RBMGenerator, "fit", spy_fit)
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(default_storage, "open", spy_storage_open)
    run = run_train(run_id=queued_run.pk)
    monkeypatch.undo()

    assert run is not None and run.status == "succeeded", run.error_message
    rows = load_samples(ingested_cohort.samples_file)
    train = [i for i, row in enumerate(rows) if row["split"] == "train"]
    holdout = [i for i, row in enumerate(rows) if row["split"] == "holdout"]
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], _rows_of(simulated, train))
    fitted_individuals = {seen[0][k : k + 2].tobytes() for k in range(0, len(seen[0]), 2)}
    holdout_individuals = {_rows_of(simulated, [i]).tobytes() for i in holdout}
    assert holdout and not fitted_individuals & holdout_individuals

    holdout_path = default_storage.path(ingested_cohort.holdout_file)
    assert ingested_cohort.train_file in opened  # the spies saw the reads
    assert not [name for name in opened if name in (ingested_cohort.holdout_file, holdout_path)]
    assert not [name for name in opened if Path(name).name == Path(holdout_path).name]


def test_a_trained_run_records_results_history_and_events(trained_run) -> None:  # type: ignore[no-untyped-def]
    run = GeneratorRun.objects.get(pk=trained_run.pk)
    assert run.progress == 1.0 and run.worker and run.started_at and run.finished_at
    assert run.train_seconds is not None and run.train_seconds > 0
    assert [entry["step"] for entry in run.progress_history] == [1, 2, 3]
    assert set(run.progress_history[-1]) == {"step", "total", "metrics", "epsilon", "at"}
    assert "reconstruction_error" in run.progress_history[-1]["metrics"]
    assert run.model_file and default_storage.exists(run.model_file)
    assert run.checkpoint_file == ""  # the final model supersedes it
    assert run.epsilon_spent is None and run.progress_message == "trained: 3 of 3 epochs"
    actions = list(Event.objects.values_list("action", flat=True))
    assert actions[-2:] == ["run.created", "run.succeeded"]
    assert events_verify().ok


def test_a_dp_run_records_the_epsilon_it_spent(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    # The GAN's DP-SGD discriminator; Opacus's search for the noise level takes a few seconds.
    run = run_create(cohort=ingested_cohort, user=custodian, model_name="gan",
                     hyperparameters={"epochs": 1, "batch_size": 8, "latent_size": 4},
                     target_epsilon=8.0)
    run = run_train(run_id=run.pk)
    assert run is not None and run.status == "succeeded", run.error_message
    assert run.epsilon_spent is not None and 0 < run.epsilon_spent <= 8.0 + 1e-6
    assert run.delta is not None and 0 < run.delta < 1
    assert run.progress_history[-1]["epsilon"] is not None


def test_a_run_is_trained_once(trained_run) -> None:  # type: ignore[no-untyped-def]
    assert run_train(run_id=trained_run.pk) is None


def test_an_engine_error_fails_the_run_with_its_message(queued_run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from generation.engine.base import EngineError

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise EngineError("expected at least 2 training haplotypes; found 1")

    monkeypatch.setattr(RBMGenerator, "fit", refuse)
    run = run_train(run_id=queued_run.pk)
    assert run.status == "failed"
    assert run.error_message == "Expected at least 2 training haplotypes; found 1."
    assert Event.objects.filter(action="run.failed").exists()


def test_an_internal_error_fails_the_run_without_leaking_details(queued_run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def crash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(RBMGenerator, "fit", crash)
    run = run_train(run_id=queued_run.pk)
    assert run.status == "failed" and "internal error" in run.error_message
    assert "secret" not in run.error_message


# -- cancelling -----------------------------------------------------------------------
def test_cancelling_a_queued_run_ends_it_before_training(queued_run, custodian) -> None:  # type: ignore[no-untyped-def]
    run = run_cancel(run=queued_run, user=custodian)
    assert run.status == "cancelled" and run.cancel_requested
    assert run_train(run_id=run.pk) is None
    assert Event.objects.filter(action="run.cancel_requested", actor=custodian).exists()


def test_cancelling_a_running_run_stops_it_after_the_current_epoch(
    ingested_cohort, custodian, unthrottled  # type: ignore[no-untyped-def]
) -> None:
    run = run_create(cohort=ingested_cohort, user=custodian, model_name="rbm",
                     hyperparameters={"epochs": 50, "n_hidden": 8, "batch_size": 16, "gibbs_steps": 1})

    def cancel_at_step_2(progress: Progress) -> None:
        if progress.step == 2:
            current = GeneratorRun.objects.get(pk=run.pk)
            assert current.status == "running"
            assert run_cancel(run=current, user=custodian).status == "running"  # asked, not forced

    finished = run_train(run_id=run.pk, on_progress=cancel_at_step_2)
    assert finished.status == "cancelled"
    assert [entry["step"] for entry in finished.progress_history] == [1, 2]
    assert finished.checkpoint_file and default_storage.exists(finished.checkpoint_file)
    assert "cancelled after 2 of 50 epochs" in finished.progress_message
    assert Event.objects.filter(action="run.cancelled").exists()


def test_a_finished_run_cannot_be_cancelled(trained_run, custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GenerationError, match="has already succeeded"):
        run_cancel(run=trained_run, user=custodian)


# -- resuming -------------------------------------------------------------------------
class WorkerDied(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it."""


def test_a_run_whose_worker_died_resumes_from_its_checkpoint(
    ingested_cohort, custodian, unthrottled  # type: ignore[no-untyped-def]
) -> None:
    run = run_create(cohort=ingested_cohort, user=custodian, model_name="rbm", seed=4,
                     hyperparameters={"epochs": 14, "n_hidden": 8, "batch_size": 16, "gibbs_steps": 1})

    def die_at_step_12(progress: Progress) -> None:
        if progress.step == 12:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        run_train(run_id=run.pk, on_progress=die_at_step_12)
    dead = GeneratorRun.objects.get(pk=run.pk)
    assert dead.status == "running" and dead.checkpoint_file  # the RBM checkpoints every 10 epochs
    assert default_storage.exists(dead.checkpoint_file)

    assert run_train(run_id=run.pk) is None  # the heartbeat is fresh: someone may still hold it
    GeneratorRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(minutes=1)
    )
    steps: list[int] = []
    resumed = run_train(run_id=run.pk, on_progress=lambda progress: steps.append(progress.step))
    assert resumed is not None and resumed.status == "succeeded", resumed.error_message
    assert steps == [11, 12, 13, 14]  # from the epoch-10 checkpoint, not from scratch
    assert [entry["step"] for entry in resumed.progress_history] == list(range(1, 15))
    assert not default_storage.exists(dead.checkpoint_file)
    assert Event.objects.filter(action="run.resumed", object_id=str(run.pk)).exists()

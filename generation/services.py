"""Writes for generator runs and synthetic sets: create, train, cancel, sample.

Views, the ``train`` management command and the Celery tasks all come through here.
Training reads the cohort through :func:`cohorts.training.training_data` alone, which
opens the TRAIN split only; the holdout never reaches this module.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from cohorts import store
from cohorts.models import Cohort
from cohorts.training import CohortNotReady, label_counts, training_data
from django.core.files import File
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from events.services import event_record
from jobs.dispatch import dispatch
from jobs.models import STALE_AFTER, JobStatus
from jobs.services import IllegalTransition, job_claim, job_finish, job_report_progress

from generation.engine.base import (
    EngineError,
    HaplotypeGenerator,
    PrivacyConfig,
    Progress,
    TrainingCancelled,
    available_generators,
    get_generator_class,
)
from generation.engine.genotypes import InvalidGenotypeError

from .models import MAX_MINUTES, ConditionOn, GeneratorRun, SyntheticSet
from .progress import TrainingRecorder, run_dir
from .sampling import synthetic_files_store, synthetic_individuals

logger = logging.getLogger(__name__)

MAX_INDIVIDUALS = 100_000
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
INTERNAL_ERROR = (
    "stopped on an internal error; the administrators have the details in the worker log. "
    "Try again, or contact them if it happens again."
)


class GenerationError(ValueError):
    """A run or sampling request that cannot be carried out; the message says why.

    ``field`` names the form field to blame, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _sentence(message: str) -> str:
    text = message[0].upper() + message[1:] if message else message
    return text if text.endswith(".") else text + "."


# -- creating a run -------------------------------------------------------------------
def _check_privacy(
    model_class: type[HaplotypeGenerator],
    target_epsilon: float | None,
    target_delta: float | None,
    max_grad_norm: float | None,
) -> PrivacyConfig | None:
    if target_epsilon is None:
        if target_delta is not None or max_grad_norm is not None:
            field = "target_delta" if target_delta is not None else "max_grad_norm"
            raise GenerationError(
                "delta and the gradient clipping norm only apply with differential privacy: "
                "set a target epsilon as well, or leave them empty",
                field=field,
            )
        return None
    if not model_class.supports_dp:
        with_dp = [name for name, c in available_generators().items() if c.supports_dp]
        raise GenerationError(
            f"model '{model_class.name}' cannot be trained with differential privacy: leave "
            f"epsilon empty, or choose {' or '.join(with_dp) or 'a model that supports it'}",
            field="target_epsilon",
        )
    if not target_epsilon > 0:
        raise GenerationError(
            f"the target epsilon must be greater than 0; found {target_epsilon} (smaller "
            "means more private: 1 to 10 is usual)",
            field="target_epsilon",
        )
    if target_delta is not None and not 0 < target_delta < 1:
        raise GenerationError(
            f"delta must be between 0 and 1 (exclusive); found {target_delta}. Leave it empty "
            "for 1 / (10 × individuals)",
            field="target_delta",
        )
    if max_grad_norm is not None and not max_grad_norm > 0:
        raise GenerationError(
            f"the gradient clipping norm must be greater than 0; found {max_grad_norm}",
            field="max_grad_norm",
        )
    try:
        return PrivacyConfig(
            target_epsilon=target_epsilon,
            target_delta=target_delta,
            max_grad_norm=1.0 if max_grad_norm is None else max_grad_norm,
        )
    except EngineError as error:
        raise GenerationError(str(error), field="target_epsilon") from None


def _check_condition_on(model_class: type[HaplotypeGenerator], cohort: Cohort, condition_on: str) -> str:
    """What the run will learn to sample by: ``condition_on``, or nothing where the model
    cannot condition or (for the default, population) the cohort came without a panel."""
    if condition_on not in ConditionOn.values:
        raise GenerationError(
            f"condition on expects one of {', '.join(ConditionOn.values)}; found {condition_on!r}",
            field="condition_on",
        )
    if condition_on == ConditionOn.NOTHING or not model_class.supports_conditional:
        return ConditionOn.NOTHING.value
    if label_counts(cohort, condition_on):
        return condition_on
    if condition_on == ConditionOn.POPULATION:
        return ConditionOn.NOTHING.value
    raise GenerationError(
        f"cohort {cohort.name!r} has no {condition_on} for every sample (its panel needs a "
        f"{condition_on} column): condition on population or on nothing",
        field="condition_on",
    )


@transaction.atomic
def run_create(
    *,
    cohort: Cohort,
    user: Any,
    model_name: str,
    hyperparameters: dict[str, Any] | None = None,
    target_epsilon: float | None = None,
    target_delta: float | None = None,
    max_grad_norm: float | None = None,
    seed: int = 0,
    max_minutes: int = 10,
    condition_on: str = ConditionOn.POPULATION,
    queue: bool = True,
) -> GeneratorRun:
    """Validate the settings through the engine, store the run and queue its training.

    Without ``queue`` nothing is dispatched: the caller trains in-process with
    :func:`run_train` (the ``train`` management command does so).
    """
    if cohort.status != JobStatus.SUCCEEDED or not cohort.train_file:
        raise GenerationError(
            f"cohort {cohort.name!r} is not ingested yet (status: {cohort.get_status_display().lower()}): "
            "wait for ingestion to succeed"
        )
    try:
        model_class = get_generator_class(model_name)
    except EngineError as error:
        raise GenerationError(str(error), field="model_name") from None
    if getattr(model_class, "requires_phased", True) and not cohort.phased:
        raise GenerationError(
            f"cohort {cohort.name!r} is unphased (genotypes without haplotype phase), and "
            f"model '{model_name}' learns haplotypes: phase the VCF (e.g. with SHAPEIT or "
            "Beagle) and register it again"
        )
    try:
        params = model_class.Params.from_dict(hyperparameters)
    except EngineError as error:
        names = [f.name for f in dataclasses.fields(model_class.Params)]
        blamed = next((name for name in names if str(error).startswith(f"{name} ")), None)
        raise GenerationError(
            f"{model_name}: {error}", field=f"hyperparameters.{blamed}" if blamed else None
        ) from None
    privacy = _check_privacy(model_class, target_epsilon, target_delta, max_grad_norm)
    condition_on = _check_condition_on(model_class, cohort, condition_on)
    if seed < 0:
        raise GenerationError(f"the seed must be 0 or more; found {seed}", field="seed")
    if not 1 <= max_minutes <= MAX_MINUTES:
        raise GenerationError(
            f"max minutes must be between 1 and {MAX_MINUTES}; found {max_minutes}",
            field="max_minutes",
        )
    run = GeneratorRun.objects.create(
        cohort=cohort,
        created_by=user,
        model_name=model_class.name,
        hyperparameters=params.to_dict(),
        target_epsilon=None if privacy is None else privacy.target_epsilon,
        target_delta=None if privacy is None else privacy.target_delta,
        max_grad_norm=None if privacy is None else privacy.max_grad_norm,
        seed=seed,
        max_minutes=max_minutes,
        condition_on=condition_on,
    )
    event_record(
        action="run.created", obj=run, actor=user, organisation=cohort.organisation,
        details={"cohort": cohort.pk, "model": run.model_name, "hyperparameters": run.hyperparameters,
                 "target_epsilon": run.target_epsilon, "target_delta": run.target_delta,
                 "max_grad_norm": run.max_grad_norm, "seed": seed, "max_minutes": max_minutes,
                 "condition_on": condition_on},
    )
    if queue:
        from .tasks import train_run

        dispatch(train_run, run.pk)
    return run


# -- training -------------------------------------------------------------------------
def _finish_run(run: GeneratorRun, *, status: str, action: str, error_message: str = "",
                details: dict[str, Any] | None = None, **fields: Any) -> None:
    """Terminal state, results and the event in one transaction."""
    try:
        with transaction.atomic():
            # The web may have set cancel_requested meanwhile: job_finish saves every field.
            fields["cancel_requested"] = (
                GeneratorRun.objects.filter(pk=run.pk).values_list("cancel_requested", flat=True).get()
            )
            job_finish(run, status=status, error_message=error_message, **fields)
            event_record(action=action, obj=run, organisation=run.organisation,
                         details={"status": status, **(details or {})})
    except IllegalTransition:
        # Someone else ended the run first (a cancel of a run whose worker looked dead).
        logger.warning("run %s was already %s; not marking it %s", run.pk, run.status, status)


def _requeue_after_transient_error(run: GeneratorRun) -> None:
    """Hand the run back to the queue (keeping its checkpoint) before the task retries."""
    try:
        GeneratorRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, heartbeat_at=None,
            progress_message="interrupted by a transient error; will resume from the checkpoint",
        )
    except TRANSIENT_ERRORS:
        # Still unreachable: the claim of a stale run resumes it after STALE_AFTER.
        logger.warning("could not requeue run %s after a transient error", run.pk)


def run_train(
    *, run_id: int, on_progress: Callable[[Progress], None] | None = None
) -> GeneratorRun | None:
    """Train a queued run (or resume an abandoned one); None when another worker has it.

    A run whose worker died is claimed again once its heartbeat is stale; it then carries
    on from the checkpoint it last copied to storage.
    """
    run = job_claim(GeneratorRun, run_id)
    if run is None:
        return None
    workdir = Path(tempfile.mkdtemp(prefix=f"synthome-run-{run.pk}-"))
    recorder = TrainingRecorder(run, workdir / "checkpoint.pt", on_progress=on_progress)
    try:
        return _train(run, recorder, workdir)
    except TRANSIENT_ERRORS:
        _requeue_after_transient_error(run)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _train(run: GeneratorRun, recorder: TrainingRecorder, workdir: Path) -> GeneratorRun:
    try:
        if recorder.restore_checkpoint():
            job_report_progress(run, run.progress, "resuming from the checkpoint")
            with transaction.atomic():
                event_record(action="run.resumed", obj=run, organisation=run.organisation,
                             details={"checkpoint": run.checkpoint_file, "worker": run.worker})
        else:
            job_report_progress(run, 0.0, "loading the training split")
        data = training_data(run.cohort, run.training_level)
        model = get_generator_class(run.model_name)(run.hyperparameters, seed=run.seed)
        model.fit(
            data.haplotypes,
            data.populations,
            privacy=run.privacy_config(),
            progress=recorder,
            should_stop=recorder.should_stop,
            max_seconds=60.0 * run.max_minutes,
            checkpoint_path=recorder.local_checkpoint,
        )
        recorder.flush()
        model_path = workdir / "model.pt"
        model.save(model_path)
        with open(model_path, "rb") as local:
            model_file = store.save_file(f"{run_dir(run.pk)}/model.pt", File(local))
    except TrainingCancelled as stop:
        recorder.flush()
        _finish_run(run, status=JobStatus.CANCELLED, action="run.cancelled",
                    progress_history=recorder.history, progress_message=str(stop)[:300],
                    details={"at_step": recorder.history[-1]["step"] if recorder.history else 0})
        return run
    except (EngineError, InvalidGenotypeError, CohortNotReady) as error:
        _finish_run(run, status=JobStatus.FAILED, action="run.failed",
                    error_message=_sentence(str(error)), progress_history=recorder.history,
                    details={"error": str(error)})
        return run
    except SoftTimeLimitExceeded:
        recorder.sync_checkpoint()
        message = (f"Training passed the worker's time limit (the run asked for {run.max_minutes} "
                   "minutes); the last checkpoint is kept.")
        _finish_run(run, status=JobStatus.FAILED, action="run.failed", error_message=message,
                    progress_history=recorder.history, details={"error": "time limit"})
        return run
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        logger.exception("training of run %s failed", run.pk)
        _finish_run(run, status=JobStatus.FAILED, action="run.failed",
                    error_message="Training " + INTERNAL_ERROR, progress_history=recorder.history,
                    details={"error": "internal"})
        return run
    old_checkpoint = run.checkpoint_file
    latest = recorder.history[-1] if recorder.history else None
    summary = "trained"
    if latest:
        summary = f"trained: {latest['step']} of {latest['total']} epochs"
        if latest["step"] < latest["total"]:
            out_of_time = run.duration is not None and run.duration.total_seconds() >= 60 * run.max_minutes
            summary += " (time limit reached)" if out_of_time else " (stopped early)"
    _finish_run(
        run, status=JobStatus.SUCCEEDED, action="run.succeeded",
        model_file=model_file, checkpoint_file="", progress_history=recorder.history,
        epsilon_spent=model.epsilon_spent_, delta=model.delta_, train_seconds=model.train_seconds_,
        progress_message=summary,
        details={"epsilon_spent": model.epsilon_spent_, "delta": model.delta_,
                 "train_seconds": round(model.train_seconds_, 3), "worker": run.worker,
                 "epochs": latest["step"] if latest else 0},
    )
    # The final model supersedes the checkpoint.
    store.delete_files(old_checkpoint)
    return run


@transaction.atomic
def run_cancel(*, run: GeneratorRun, user: Any) -> GeneratorRun:
    """Cancel a queued run at once; ask a running one to stop after its current epoch."""
    run = GeneratorRun.objects.select_for_update().get(pk=run.pk)
    if run.is_terminal:
        raise GenerationError(
            f"run {run.pk} has already {run.get_status_display().lower()}: only a queued or "
            "running run can be cancelled"
        )
    run.cancel_requested = True
    worker_gone = run.heartbeat_at is None or run.heartbeat_at < timezone.now() - STALE_AFTER
    if run.status == JobStatus.QUEUED or worker_gone:
        # No worker holds it: nobody else would ever mark it cancelled.
        run.status = JobStatus.CANCELLED
        run.finished_at = timezone.now()
        run.progress_message = "cancelled before training started" if run.started_at is None else "cancelled"
    run.save()
    event_record(action="run.cancel_requested", obj=run, actor=user, organisation=run.organisation,
                 details={"status": run.status})
    return run


# -- sampling -------------------------------------------------------------------------
@transaction.atomic
def sample_create(
    *,
    run: GeneratorRun,
    user: Any,
    n_individuals: int,
    population: str | None = None,
    seed: int = 0,
    queue: bool = True,
) -> SyntheticSet:
    """Validate and queue the sampling of ``n_individuals`` synthetic individuals."""
    from .selectors import run_populations

    if run.status != JobStatus.SUCCEEDED or not run.model_file:
        raise GenerationError(
            f"run {run.pk} has not finished training (status: {run.get_status_display().lower()}): "
            "sample from a run that succeeded"
        )
    if not 1 <= n_individuals <= MAX_INDIVIDUALS:
        raise GenerationError(
            f"the number of individuals must be between 1 and {MAX_INDIVIDUALS:,}; found {n_individuals}",
            field="n_individuals",
        )
    if seed < 0:
        raise GenerationError(f"the seed must be 0 or more; found {seed}", field="seed")
    population = (population or "").strip()
    if population:
        known = run_populations(run)
        if not known:
            raise GenerationError(
                f"model '{run.model_name}' of run {run.pk} was not trained per population: "
                "leave the population empty",
                field="population",
            )
        if population not in known:
            raise GenerationError(
                f"unknown population {population!r}; this run knows {', '.join(known)}",
                field="population",
            )
    synthetic_set = SyntheticSet.objects.create(
        run=run, created_by=user, n_individuals=n_individuals, population=population, seed=seed
    )
    event_record(
        action="synthetic_set.created", obj=synthetic_set, actor=user, organisation=run.organisation,
        details={"run": run.pk, "n_individuals": n_individuals, "population": population, "seed": seed},
    )
    if queue:
        from .tasks import sample_run

        dispatch(sample_run, synthetic_set.pk)
    return synthetic_set


def sample_generate(*, sample_id: int) -> SyntheticSet | None:
    """Sample a queued synthetic set and store its files; None when another worker has it."""
    synthetic_set = job_claim(SyntheticSet, sample_id)
    if synthetic_set is None:
        return None
    run = synthetic_set.run
    written: dict[str, str] = {}
    try:
        job_report_progress(synthetic_set, 0.05, "loading the model")
        with store.local_path(run.model_file) as model_path:
            model = HaplotypeGenerator.load(model_path)
        job_report_progress(synthetic_set, 0.15, f"sampling {synthetic_set.n_haplotypes:,} haplotypes")
        haplotypes, populations = synthetic_individuals(synthetic_set, model)
        job_report_progress(synthetic_set, 0.6, "writing the VCF, its index and the panel")
        variants = store.load_variants(run.cohort.variants_file)
        written = synthetic_files_store(synthetic_set, haplotypes, variants, populations)
        with transaction.atomic():
            job_finish(synthetic_set, status=JobStatus.SUCCEEDED, progress_message="sampled", **written)
            event_record(action="synthetic_set.sampled", obj=synthetic_set,
                         organisation=synthetic_set.organisation,
                         details={"run": run.pk, "n_individuals": synthetic_set.n_individuals,
                                  "population": synthetic_set.population, "seed": synthetic_set.seed})
    except TRANSIENT_ERRORS:
        store.delete_files(*written.values())
        SyntheticSet.objects.filter(pk=synthetic_set.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, heartbeat_at=None
        )
        raise
    except Exception as error:
        store.delete_files(*written.values())
        if isinstance(error, EngineError | InvalidGenotypeError):
            message = _sentence(str(error))
        else:
            logger.exception("sampling of synthetic set %s failed", synthetic_set.pk)
            message = "Sampling " + INTERNAL_ERROR
        with transaction.atomic():
            job_finish(synthetic_set, status=JobStatus.FAILED, error_message=message)
            event_record(action="synthetic_set.failed", obj=synthetic_set,
                         organisation=synthetic_set.organisation, details={"error": message})
        return synthetic_set
    _queue_audit(synthetic_set)
    return synthetic_set


def _queue_audit(synthetic_set: SyntheticSet) -> None:
    """Hand a fresh synthetic set to the audit app, when that app can take it.

    The audit app (``audit.services.audit_queue(synthetic_set=...)``) is written alongside
    this one: until the function exists, sets are simply not audited automatically.
    A failure to queue the audit never undoes the sampling; it is logged, and the audit
    can be started again from the audit app.
    """
    try:
        from audit.services import audit_queue  # type: ignore[import-not-found,attr-defined]
    except ImportError:
        return
    try:
        audit_queue(synthetic_set=synthetic_set)
    except Exception:
        logger.exception("could not queue the audit of synthetic set %s", synthetic_set.pk)

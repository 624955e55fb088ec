"""Writes for cohorts: registration, re-upload, ingestion."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, BinaryIO

from accounts.models import Organisation
from django.conf import settings
from django.db import transaction
from events.services import event_record
from jobs.dispatch import dispatch
from jobs.models import JobStatus
from jobs.services import job_claim, job_finish, job_report_progress, job_requeue

from generation.engine.base import EngineError
from generation.engine.genotypes import InvalidGenotypeError

from . import store
from .ingest import ingest_vcf
from .models import Cohort

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")


class CohortError(ValueError):
    """A cohort request that cannot be carried out; the message tells the user why."""


def check_upload(*, filename: str, size: int) -> None:
    """Refuse a file by name and size before anything is stored."""
    if not filename.lower().endswith(ALLOWED_SUFFIXES):
        raise CohortError(
            f"{filename!r} is not a VCF or BCF file name: expected one ending in "
            f"{', '.join(ALLOWED_SUFFIXES)}"
        )
    limit = settings.SYNTHOME_MAX_UPLOAD_BYTES
    if size > limit:
        raise CohortError(
            f"the file is {size / 1024**2:,.1f} MB; the limit is {limit / 1024**2:,.0f} MB. "
            "Split it by chromosome, or ask an administrator to raise SYNTHOME_MAX_UPLOAD_BYTES"
        )


def _check_parameters(*, name: str, holdout_fraction: float) -> None:
    if not name.strip():
        raise CohortError("the cohort needs a name")
    if not (0.05 <= holdout_fraction <= 0.5):
        raise CohortError(f"the holdout fraction must be between 0.05 and 0.5; found {holdout_fraction}")


def _source_suffix(filename: str) -> str:
    lowered = filename.lower()
    return next(s for s in sorted(ALLOWED_SUFFIXES, key=len, reverse=True) if lowered.endswith(s))


@transaction.atomic
def cohort_register(
    *,
    organisation: Organisation,
    user: Any,
    name: str,
    source: BinaryIO,
    filename: str,
    size: int,
    panel: BinaryIO | None = None,
    description: str = "",
    holdout_fraction: float = 0.2,
    split_seed: int = 0,
    max_missing: float = 0.05,
    queue: bool = True,
) -> Cohort:
    """Store the files and queue ingestion; a failed cohort of the same name is replaced.

    With ``queue=False`` the caller runs :func:`cohort_ingest` itself (the management
    command does, in its own process); otherwise a Celery task does once this commits.
    """
    _check_parameters(name=name, holdout_fraction=holdout_fraction)
    check_upload(filename=filename, size=size)
    existing = Cohort.objects.select_for_update().filter(organisation=organisation, name=name).first()
    if existing is not None and existing.status != JobStatus.FAILED:
        raise CohortError(
            f"a cohort named {name!r} already exists in {organisation}: choose another name"
        )
    cohort = existing or Cohort(organisation=organisation, name=name, created_by=user)
    cohort.description = description
    cohort.holdout_fraction = holdout_fraction
    cohort.split_seed = split_seed
    cohort.max_missing = max_missing
    cohort.source_filename = Path(filename).name
    cohort.source_bytes = size
    if existing is not None:
        job_requeue(cohort)
    else:
        cohort.save()
    directory = store.cohort_dir(cohort.pk)
    store.delete_files(cohort.source_file, cohort.panel_file)
    cohort.source_file = store.save_file(f"{directory}/source{_source_suffix(filename)}", source)
    cohort.panel_file = store.save_file(f"{directory}/panel.tsv", panel) if panel else ""
    cohort.save()
    event_record(
        action="cohort.reuploaded" if existing else "cohort.registered", obj=cohort, actor=user,
        organisation=organisation,
        details={"name": name, "file": cohort.source_filename, "bytes": size,
                 "holdout_fraction": holdout_fraction, "split_seed": split_seed},
    )
    if queue:
        from .tasks import ingest_cohort

        dispatch(ingest_cohort, cohort.pk)
    return cohort


def cohort_ingest(*, cohort_id: int) -> Cohort | None:
    """Run ingestion for a queued cohort; a no-op when another worker has claimed it."""
    cohort = job_claim(Cohort, cohort_id)
    if cohort is None:
        return None
    directory = store.cohort_dir(cohort.pk)
    written: list[str] = []
    try:
        with store.local_path(cohort.source_file) as vcf_path:
            if cohort.panel_file:
                with store.local_path(cohort.panel_file) as panel_path:
                    result = _ingest(cohort, vcf_path, panel_path)
            else:
                result = _ingest(cohort, vcf_path, None)
        job_report_progress(cohort, 0.95, "storing matrices")
        written = [
            store.save_matrix(f"{directory}/train.npz", result.train_packed, result.n_train_haplotypes),
            store.save_matrix(f"{directory}/holdout.npz", result.holdout_packed, result.n_holdout_haplotypes),
            store.save_variants(f"{directory}/variants.tsv", result.variants),
            store.save_samples(f"{directory}/samples.tsv", result.sample_rows()),
        ]
        job_finish(
            cohort,
            status=JobStatus.SUCCEEDED,
            phased=result.phased,
            n_samples=len(result.samples),
            n_variants=len(result.variants),
            n_train_samples=len(result.split.train),
            n_holdout_samples=len(result.split.holdout),
            populations=result.population_counts(),
            qc=result.qc.to_dict(),
            summary=result.summary,
            train_file=written[0],
            holdout_file=written[1],
            variants_file=written[2],
            samples_file=written[3],
            progress_message="ingested",
        )
        event_record(
            action="cohort.ingested", obj=cohort, organisation=cohort.organisation,
            details={"snps": len(result.variants), "samples": len(result.samples),
                     "phased": result.phased, "holdout_samples": len(result.split.holdout)},
        )
    except (InvalidGenotypeError, EngineError) as error:
        store.delete_files(*written)
        job_finish(cohort, status=JobStatus.FAILED, error_message=_with_remedy(str(error)))
        event_record(action="cohort.failed", obj=cohort, organisation=cohort.organisation,
                     details={"error": cohort.error_message})
    except Exception:
        store.delete_files(*written)
        logger.exception("ingestion of cohort %s failed", cohort.pk)
        job_finish(
            cohort,
            status=JobStatus.FAILED,
            error_message="Ingestion stopped on an internal error; the administrators have the "
            "details in the worker log. Try again, or contact them if it happens again.",
        )
    return cohort


def _with_remedy(message: str) -> str:
    text = message[0].upper() + message[1:]
    return text if text.endswith(".") else text + "."


def _ingest(cohort: Cohort, vcf_path: Path, panel_path: Path | None):  # type: ignore[no-untyped-def]
    return ingest_vcf(
        vcf_path,
        panel_path,
        holdout_fraction=cohort.holdout_fraction,
        split_seed=cohort.split_seed,
        max_missing=cohort.max_missing,
        progress=lambda fraction, message: job_report_progress(cohort, fraction, message),
    )

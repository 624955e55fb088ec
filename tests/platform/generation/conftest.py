"""Fixtures for the generation app: tiny model settings, runs and synthetic sets."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Two cores shared by several test sessions: torch's default of one thread per core makes
# tiny models dozens of times slower when the machine is busy. Set before the shared Celery
# worker starts, so it inherits the setting too (override it in the environment).
os.environ.setdefault("OMP_NUM_THREADS", "1")

# An RBM that trains on the simulated cohort in a fraction of a second.
TINY_RBM = {"epochs": 3, "n_hidden": 8, "batch_size": 16, "gibbs_steps": 1, "sample_gibbs_steps": 5}


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def unthrottled(monkeypatch):  # type: ignore[no-untyped-def]
    """Write progress and read cancel_requested on every epoch (deterministic tests)."""
    from generation import progress

    monkeypatch.setattr(progress, "WRITE_INTERVAL", 0.0)
    monkeypatch.setattr(progress, "STOP_CHECK_INTERVAL", 0.0)


@pytest.fixture
def tiny_rbm() -> dict[str, int]:
    return dict(TINY_RBM)


@pytest.fixture
def queued_run(ingested_cohort, custodian):  # type: ignore[no-untyped-def]
    """A run of the tiny RBM, created but not trained (nothing dispatched in a test transaction)."""
    from generation.services import run_create

    return run_create(cohort=ingested_cohort, user=custodian, model_name="rbm",
                      hyperparameters=TINY_RBM, seed=3)


@pytest.fixture
def trained_run(queued_run):  # type: ignore[no-untyped-def]
    from generation.services import run_train

    run = run_train(run_id=queued_run.pk)
    assert run is not None and run.status == "succeeded", run and run.error_message
    return run


@pytest.fixture
def synthetic_set(trained_run, custodian):  # type: ignore[no-untyped-def]
    from generation.services import sample_create, sample_generate

    created = sample_create(run=trained_run, user=custodian, n_individuals=10, seed=5)
    sampled = sample_generate(sample_id=created.pk)
    assert sampled is not None and sampled.status == "succeeded", sampled and sampled.error_message
    return sampled


@pytest.fixture
def other_run(other_custodian):  # type: ignore[no-untyped-def]
    """Another organisation's succeeded run with one synthetic set (rows only, no files)."""
    from cohorts.models import Cohort

    from generation.models import GeneratorRun, SyntheticSet

    cohort = Cohort.objects.create(
        organisation=other_custodian.membership.organisation, name="Elsewhere",
        created_by=other_custodian, source_file="x", source_filename="x.vcf", status="succeeded",
        phased=True, train_file="x",
    )
    run = GeneratorRun.objects.create(cohort=cohort, created_by=other_custodian, model_name="rbm",
                                      status="succeeded", model_file="x")
    SyntheticSet.objects.create(run=run, created_by=other_custodian, n_individuals=2)
    return run

"""sample_create and sample_generate: validation, the four files, events, the audit hand-off."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from cohorts.store import load_variants
from django.core.files.storage import default_storage
from events.models import Event

from generation.engine.vcf import read_vcf
from generation.models import SyntheticSet
from generation.selectors import synthetic_panel, synthetic_populations
from generation.services import GenerationError, sample_create, sample_generate

pytestmark = pytest.mark.django_db


def test_a_synthetic_set_has_haplotypes_vcf_index_and_panel(synthetic_set, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    haplotypes = synthetic_set.load_haplotypes()
    variants = load_variants(ingested_cohort.variants_file)
    assert haplotypes.shape == (20, len(variants)) and haplotypes.dtype == np.uint8

    vcf = read_vcf(default_storage.path(synthetic_set.vcf_file))
    assert vcf.phased and vcf.samples == [f"SYN{synthetic_set.pk}_{i:06d}" for i in range(1, 11)]
    # read_vcf drops SNPs without an alternate call in these 10 individuals; the rest are
    # the cohort's SNPs, in order, with the stored alleles.
    keys, written = variants.keys(), vcf.variants.keys()
    columns = [keys.index(key) for key in written]
    assert columns == sorted(columns) and len(columns) > len(keys) / 2
    np.testing.assert_array_equal(vcf.haplotypes, haplotypes[:, columns])
    assert vcf.qc.records == len(variants)  # every cohort SNP is in the file

    assert synthetic_set.index_file.endswith(".tbi") and default_storage.exists(synthetic_set.index_file)
    panel = synthetic_panel(synthetic_set)
    assert [row["sample"] for row in panel] == vcf.samples
    assert {row["population"] for row in panel} == {"synthetic"}
    assert synthetic_populations(synthetic_set) is None  # no real population per individual
    assert Event.objects.filter(action="synthetic_set.sampled", object_id=str(synthetic_set.pk)).exists()


def test_a_set_is_sampled_once(synthetic_set) -> None:  # type: ignore[no-untyped-def]
    assert sample_generate(sample_id=synthetic_set.pk) is None


def test_the_same_seed_gives_the_same_individuals(trained_run, custodian) -> None:  # type: ignore[no-untyped-def]
    first, second = (sample_create(run=trained_run, user=custodian, n_individuals=4, seed=8) for _ in range(2))
    for created in (first, second):
        sample_generate(sample_id=created.pk)
    np.testing.assert_array_equal(SyntheticSet.objects.get(pk=first.pk).load_haplotypes(),
                                  SyntheticSet.objects.get(pk=second.pk).load_haplotypes())


@pytest.mark.parametrize(
    ("arguments", "message", "field"),
    [
        ({"n_individuals": 0}, "between 1 and 100,000; found 0", "n_individuals"),
        ({"n_individuals": 5, "seed": -2}, "seed must be 0 or more", "seed"),
        ({"n_individuals": 5, "population": "POP0"}, "was not trained per population", "population"),
    ],
)
def test_bad_sampling_requests_are_refused(trained_run, custodian, arguments, message: str, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GenerationError) as caught:
        sample_create(run=trained_run, user=custodian, **arguments)
    assert message in str(caught.value) and caught.value.field == field
    assert not SyntheticSet.objects.exists()


def test_a_conditional_run_samples_one_population(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    from generation.services import run_create, run_train

    run = run_create(cohort=ingested_cohort, user=custodian, model_name="autoregressive",
                     hyperparameters={"hidden": 8, "max_epochs": 2, "batch_size": 32})
    run = run_train(run_id=run.pk)
    assert run.status == "succeeded", run.error_message
    with pytest.raises(GenerationError, match="unknown population 'POP9'; this run knows POP0, POP1"):
        sample_create(run=run, user=custodian, n_individuals=3, population="POP9")
    created = sample_create(run=run, user=custodian, n_individuals=3, population="POP1")
    sampled = sample_generate(sample_id=created.pk)
    assert sampled.status == "succeeded", sampled.error_message
    assert synthetic_populations(sampled) == ["POP1"] * 6

    mixture = sample_generate(sample_id=sample_create(run=run, user=custodian, n_individuals=40, seed=1).pk)
    labels = synthetic_populations(mixture)
    assert len(labels) == 80 and set(labels) == {"POP0", "POP1"}  # one population per individual
    assert labels[0::2] == labels[1::2]
    assert [row["population"] for row in synthetic_panel(mixture)] == labels[0::2]


def test_a_finished_set_is_handed_to_the_audit_when_the_audit_app_can_take_it(trained_run, custodian, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    queued: list[SyntheticSet] = []
    fake = types.ModuleType("audit.services")
    fake.audit_queue = lambda *, synthetic_set: queued.append(synthetic_set)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "audit.services", fake)
    created = sample_create(run=trained_run, user=custodian, n_individuals=2)
    sample_generate(sample_id=created.pk)
    assert [s.pk for s in queued] == [created.pk] and queued[0].status == "succeeded"


def test_a_failing_audit_hand_off_does_not_undo_the_sampling(trained_run, custodian, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*, synthetic_set):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit app not ready")

    fake = types.ModuleType("audit.services")
    fake.audit_queue = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "audit.services", fake)
    created = sample_create(run=trained_run, user=custodian, n_individuals=2)
    assert sample_generate(sample_id=created.pk).status == "succeeded"


def test_a_sampling_failure_is_recorded_and_leaves_no_files(trained_run, custodian, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from generation.engine.base import EngineError
    from generation.engine.models.rbm import RBMGenerator

    def refuse(self, n, **kwargs):  # type: ignore[no-untyped-def]
        raise EngineError("the model is not fitted")

    monkeypatch.setattr(RBMGenerator, "sample", refuse)
    created = sample_create(run=trained_run, user=custodian, n_individuals=2)
    failed = sample_generate(sample_id=created.pk)
    assert failed.status == "failed" and failed.error_message == "The model is not fitted."
    assert not failed.vcf_file and not default_storage.exists(f"synthetic/{created.pk}/haplotypes.npz")

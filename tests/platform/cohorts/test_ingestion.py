"""Ingestion: QC, the split, storage, and the train-only door to generators."""

from __future__ import annotations

import numpy as np
import pytest
from cohorts.holdout import holdout_haplotypes, holdout_populations
from cohorts.store import load_samples
from cohorts.training import CohortNotReady, training_data
from events.models import Event
from events.services import events_verify


@pytest.mark.django_db
def test_ingested_cohort_records_counts_split_and_summaries(ingested_cohort, simulated) -> None:  # type: ignore[no-untyped-def]
    cohort = ingested_cohort
    assert cohort.status == "succeeded", cohort.error_message
    assert cohort.phased is True
    assert cohort.n_samples == len(simulated.samples) == 60
    assert cohort.n_variants == len(simulated.variants)
    assert cohort.n_train_samples + cohort.n_holdout_samples == 60
    assert cohort.n_holdout_samples == 12  # 20% of 30 in each of two populations
    assert cohort.populations == {"POP0": {"train": 24, "holdout": 6}, "POP1": {"train": 24, "holdout": 6}}
    assert sum(cohort.summary["allele_frequency_spectrum"]["counts"]) == cohort.n_variants
    assert len(cohort.summary["pca"]["x"]) == 60


@pytest.mark.django_db
def test_training_data_is_exactly_the_train_individuals(ingested_cohort, simulated) -> None:  # type: ignore[no-untyped-def]
    rows = load_samples(ingested_cohort.samples_file)
    train_index = [i for i, row in enumerate(rows) if row["split"] == "train"]
    holdout_index = [i for i, row in enumerate(rows) if row["split"] == "holdout"]
    expected_rows = np.array([r for i in train_index for r in (2 * i, 2 * i + 1)])
    data = training_data(ingested_cohort)
    np.testing.assert_array_equal(data.haplotypes, simulated.haplotypes[expected_rows])
    assert data.populations == [simulated.populations[i] for i in train_index for _ in range(2)]
    holdout = holdout_haplotypes(ingested_cohort)
    np.testing.assert_array_equal(
        holdout, simulated.haplotypes[[r for i in holdout_index for r in (2 * i, 2 * i + 1)]]
    )
    assert holdout_populations(ingested_cohort) == [simulated.populations[i] for i in holdout_index for _ in range(2)]
    assert not set(train_index) & set(holdout_index)


@pytest.mark.django_db
def test_split_keeps_both_haplotypes_of_an_individual_together(ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    sides = {row["sample"]: row["split"] for row in load_samples(ingested_cohort.samples_file)}
    assert set(sides.values()) == {"train", "holdout"}
    assert len(sides) == ingested_cohort.n_samples


@pytest.mark.django_db
def test_registration_and_ingestion_are_logged_in_the_chain(ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    actions = list(Event.objects.values_list("action", flat=True))
    assert actions == ["cohort.registered", "cohort.ingested"]
    assert events_verify().ok


@pytest.mark.django_db
def test_a_cohort_that_is_not_ingested_gives_no_training_data(custodian) -> None:  # type: ignore[no-untyped-def]
    from cohorts.models import Cohort

    cohort = Cohort.objects.create(organisation=custodian.membership.organisation, name="x",
                                   created_by=custodian, source_file="x", source_filename="x.vcf")
    with pytest.raises(CohortNotReady):
        training_data(cohort)

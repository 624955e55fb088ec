"""What a run conditions on: population, superpopulation or nothing, end to end.

The simulated cohort has two populations (POP0, POP1) in one superpopulation (SUPER), so
the levels differ in names and in the number of groups.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cohorts.models import Cohort
from cohorts.services import cohort_ingest, cohort_register
from django.core.management import call_command
from django.urls import reverse

from audit.services import audit_queue, audit_run
from generation.engine.models.autoregressive import AutoregressiveGenerator
from generation.models import GeneratorRun
from generation.selectors import run_populations, synthetic_panel, synthetic_populations
from generation.services import (
    GenerationError,
    run_create,
    run_train,
    sample_create,
    sample_generate,
)

pytestmark = pytest.mark.django_db
TINY_AUTOREGRESSIVE = {"hidden": 8, "components": 2, "max_epochs": 2, "batch_size": 32}


def _train(cohort, user, condition_on: str, model_name: str = "autoregressive"):  # type: ignore[no-untyped-def]
    hyperparameters = TINY_AUTOREGRESSIVE if model_name == "autoregressive" else {"epochs": 2, "n_hidden": 8}
    run = run_create(cohort=cohort, user=user, model_name=model_name, hyperparameters=hyperparameters,
                     condition_on=condition_on, queue=False)
    trained = run_train(run_id=run.pk)
    assert trained is not None and trained.status == "succeeded", trained and trained.error_message
    return trained


@pytest.fixture
def fitted_labels(monkeypatch) -> list[list[str] | None]:  # type: ignore[no-untyped-def]
    """The labels each autoregressive fit of the test receives."""
    seen: list[list[str] | None] = []
    original_fit = AutoregressiveGenerator.fit

    def spy_fit(self, haplotypes, populations=None, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(None if populations is None else list(populations))
        return original_fit(self, haplotypes, populations, **kwargs)

    monkeypatch.setattr(AutoregressiveGenerator, "fit", spy_fit)
    return seen


def test_superpopulation_run_trains_samples_labels_and_audits_at_that_level(
    ingested_cohort, custodian, fitted_labels
) -> None:  # type: ignore[no-untyped-def]
    run = _train(ingested_cohort, custodian, "superpopulation")
    assert run.condition_on == "superpopulation"
    assert fitted_labels == [["SUPER"] * 2 * ingested_cohort.n_train_samples]
    assert run_populations(run) == ["SUPER"]

    with pytest.raises(GenerationError, match="unknown population 'POP0'; this run knows SUPER"):
        sample_create(run=run, user=custodian, n_individuals=4, population="POP0", queue=False)
    created = sample_create(run=run, user=custodian, n_individuals=6, population="SUPER", queue=False)
    synthetic_set = sample_generate(sample_id=created.pk)
    assert synthetic_set is not None and synthetic_set.status == "succeeded", synthetic_set.error_message
    panel = synthetic_panel(synthetic_set)
    assert [set(row) for row in panel] == [{"sample", "superpopulation"}] * 6
    assert synthetic_populations(synthetic_set) == ["SUPER"] * 12

    report = audit_run(report_id=audit_queue(synthetic_set=synthetic_set, queue=False).pk)
    assert report is not None and report.status == "succeeded", report.error_message
    # real individuals are compared by superpopulation too, not by POP0 / POP1
    proportions = report.report["metrics"]["population_structure"]["proportions"]
    assert set(proportions["real"]) == {"SUPER"}


def test_population_run_learns_the_populations(ingested_cohort, custodian, fitted_labels) -> None:  # type: ignore[no-untyped-def]
    run = _train(ingested_cohort, custodian, "population")
    assert set(fitted_labels[0]) == {"POP0", "POP1"}
    assert run_populations(run) == ["POP0", "POP1"]


def test_conditioning_on_nothing_trains_without_labels(ingested_cohort, custodian, fitted_labels) -> None:  # type: ignore[no-untyped-def]
    run = _train(ingested_cohort, custodian, "none")
    assert run.condition_on == "none"
    assert fitted_labels == [None]
    assert run_populations(run) == []
    with pytest.raises(GenerationError, match="was not trained per population"):
        sample_create(run=run, user=custodian, n_individuals=4, population="POP0", queue=False)


def test_a_model_that_cannot_condition_is_recorded_as_conditioning_on_nothing(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    run = run_create(cohort=ingested_cohort, user=custodian, model_name="rbm",
                     hyperparameters={"epochs": 2}, condition_on="superpopulation", queue=False)
    assert run.condition_on == "none"


@pytest.fixture
def cohort_without_superpopulations(custodian, cohort_files, tmp_path: Path) -> Cohort:  # type: ignore[no-untyped-def]
    vcf, panel = cohort_files
    bare_panel = tmp_path / "panel.tsv"
    bare_panel.write_text("\n".join("\t".join(line.split("\t")[:2]) for line in panel.read_text().splitlines()) + "\n")
    with open(vcf, "rb") as source, open(bare_panel, "rb") as panel_file:
        cohort = cohort_register(
            organisation=custodian.membership.organisation, user=custodian, name="No superpopulations",
            source=source, filename=vcf.name, size=vcf.stat().st_size, panel=panel_file, queue=False,
        )
    cohort_ingest(cohort_id=cohort.pk)
    return Cohort.objects.get(pk=cohort.pk)


def test_superpopulations_a_panel_lacks_are_refused_and_nothing_is_created(
    cohort_without_superpopulations, custodian
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GenerationError, match="has no superpopulation for every sample") as refused:
        run_create(cohort=cohort_without_superpopulations, user=custodian, model_name="autoregressive",
                   condition_on="superpopulation", queue=False)
    assert refused.value.field == "condition_on"
    assert not GeneratorRun.objects.exists()
    # the default still works: population labels are there
    run = run_create(cohort=cohort_without_superpopulations, user=custodian, model_name="autoregressive",
                     queue=False)
    assert run.condition_on == "population"


def test_unknown_choice_is_refused(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GenerationError, match="condition on expects one of population, superpopulation, none"):
        run_create(cohort=ingested_cohort, user=custodian, model_name="autoregressive",
                   condition_on="continent", queue=False)


# -- in the browser's terms: the run form and the run page ------------------------------------
def _form(**overrides: object) -> dict[str, object]:
    data = {"model_name": "autoregressive", "seed": 0, "max_minutes": 5, "condition_on": "superpopulation",
            "target_epsilon": "", "target_delta": "", "max_grad_norm": ""}
    return {**data, **overrides}


def test_the_run_form_offers_the_choice_and_the_run_page_shows_it(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    form_page = custodian_client.get(reverse("run_new", args=[ingested_cohort.pk])).content.decode()
    assert 'name="condition_on" value="superpopulation"' in form_page
    response = custodian_client.post(reverse("run_new", args=[ingested_cohort.pk]), _form())
    run = GeneratorRun.objects.get()
    assert response.status_code == 302 and run.condition_on == "superpopulation"
    page = custodian_client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "<th>Conditioned on</th><td>Superpopulation</td>" in page


def test_the_run_form_keeps_everything_on_a_bad_choice(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(reverse("run_new", args=[ingested_cohort.pk]),
                                     _form(condition_on="continent", seed=11))
    assert response.status_code == 400
    assert "Select a valid choice. continent is not one of the available choices." in response.content.decode()
    assert 'name="seed" value="11"' in response.content.decode()
    assert not GeneratorRun.objects.exists()


def test_sample_form_names_the_level(custodian_client, ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    run = _train(ingested_cohort, custodian, "superpopulation")
    page = custodian_client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "Sample one superpopulation, or the training mixture." in page
    assert '<option value="SUPER">SUPER</option>' in page


def test_train_command_conditions_on_superpopulations(ingested_cohort, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("train", "Simulated", model="autoregressive", condition_on="superpopulation",
                 param=["hidden=8", "components=2", "max_epochs=2"], sample=3, population="SUPER")
    run = GeneratorRun.objects.get()
    assert run.condition_on == "superpopulation"
    assert "synthetic set" in capsys.readouterr().out

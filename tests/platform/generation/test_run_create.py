"""run_create: settings validated through the engine, stored with defaults, logged, queued."""

from __future__ import annotations

import pytest
from events.models import Event

from generation.models import GeneratorRun
from generation.services import GenerationError, run_create

pytestmark = pytest.mark.django_db


def _create(cohort, user, **overrides):  # type: ignore[no-untyped-def]
    arguments = {"cohort": cohort, "user": user, "model_name": "rbm", "hyperparameters": {"epochs": 2}}
    return run_create(**{**arguments, **overrides})


def test_a_run_stores_every_hyperparameter_with_defaults_filled(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    run = _create(ingested_cohort, custodian, hyperparameters={"epochs": "4", "n_hidden": 16}, seed=9)
    assert run.status == "queued" and run.seed == 9 and run.max_minutes == 10
    assert run.hyperparameters["epochs"] == 4 and run.hyperparameters["n_hidden"] == 16
    assert run.hyperparameters["learning_rate"] == 0.01  # the model's default, written down
    assert run.target_epsilon is None and not run.uses_dp and run.privacy_config() is None
    assert run.organisation == ingested_cohort.organisation
    event = Event.objects.get(action="run.created")
    assert event.actor == custodian and event.details["model"] == "rbm"


def test_dp_settings_are_stored_with_a_default_clipping_norm(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    run = _create(ingested_cohort, custodian, model_name="autoregressive", hyperparameters={},
                  target_epsilon=3.0, target_delta=1e-4)
    assert (run.target_epsilon, run.target_delta, run.max_grad_norm) == (3.0, 1e-4, 1.0)
    assert run.privacy_config().target_epsilon == 3.0


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"model_name": "nonesuch"}, "unknown model 'nonesuch'; choose one of", "model_name"),
        ({"hyperparameters": {"epochs": 0}}, "rbm: epochs must be >= 1; found 0", "hyperparameters.epochs"),
        ({"hyperparameters": {"layers_of_fun": 2}}, "unknown hyperparameter(s) layers_of_fun", None),
        ({"hyperparameters": {"epochs": "many"}}, "epochs expects an integer; found 'many'", "hyperparameters.epochs"),
        ({"model_name": "rbm", "target_epsilon": 1.0}, "model 'rbm' cannot be trained with differential privacy", "target_epsilon"),
        ({"model_name": "autoregressive", "hyperparameters": {}, "target_epsilon": 0.0}, "target epsilon must be greater than 0; found 0.0", "target_epsilon"),
        ({"model_name": "autoregressive", "hyperparameters": {}, "target_epsilon": -1.0}, "greater than 0", "target_epsilon"),
        ({"model_name": "autoregressive", "hyperparameters": {}, "target_epsilon": 1.0, "target_delta": 1.5}, "delta must be between 0 and 1", "target_delta"),
        ({"model_name": "autoregressive", "hyperparameters": {}, "target_epsilon": 1.0, "max_grad_norm": 0.0}, "clipping norm must be greater than 0", "max_grad_norm"),
        ({"target_delta": 1e-5}, "only apply with differential privacy", "target_delta"),
        ({"max_minutes": 0}, "max minutes must be between 1 and", "max_minutes"),
        ({"seed": -1}, "seed must be 0 or more", "seed"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    ingested_cohort, custodian, overrides, message: str, field: str | None  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(GenerationError) as caught:
        _create(ingested_cohort, custodian, **overrides)
    assert message in str(caught.value)
    assert caught.value.field == field
    assert not GeneratorRun.objects.exists()
    assert not Event.objects.filter(action="run.created").exists()


def test_an_unphased_cohort_is_refused_for_haplotype_models(ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    ingested_cohort.phased = False
    ingested_cohort.save()
    with pytest.raises(GenerationError, match="is unphased .* phase the VCF"):
        _create(ingested_cohort, custodian)


def test_a_cohort_that_is_not_ingested_is_refused(custodian) -> None:  # type: ignore[no-untyped-def]
    from cohorts.models import Cohort

    cohort = Cohort.objects.create(organisation=custodian.membership.organisation, name="Raw",
                                   created_by=custodian, source_file="x", source_filename="x.vcf")
    with pytest.raises(GenerationError, match="not ingested yet"):
        _create(cohort, custodian)


def test_the_training_task_is_queued_on_commit(ingested_cohort, custodian, django_capture_on_commit_callbacks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from generation import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.train_run, "delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        run = _create(ingested_cohort, custodian)
    assert sent == [run.pk]
    assert tasks.train_run.name == "generation.tasks.train_run"

"""The run form: model choice, hyperparameters from the model, DP settings, errors kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import GeneratorRun

pytestmark = pytest.mark.django_db


def _url(cohort) -> str:  # type: ignore[no-untyped-def]
    return reverse("run_new", args=[cohort.pk])


def _data(**overrides: object) -> dict[str, object]:
    data = {"model_name": "rbm", "hp_epochs": 2, "hp_n_hidden": 8, "hp_chains": "data",
            "target_epsilon": "", "target_delta": "", "max_grad_norm": "", "seed": 4, "max_minutes": 5}
    return {**data, **overrides}


# -- permissions ------------------------------------------------------------------------
def test_anonymous_is_sent_to_login(client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_url(ingested_cohort))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_researcher_is_refused(researcher_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(ingested_cohort)).status_code == 403
    assert researcher_client.post(_url(ingested_cohort), _data()).status_code == 403


def test_other_organisation_gets_404(other_custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.get(_url(ingested_cohort)).status_code == 404
    assert other_custodian_client.post(_url(ingested_cohort), _data()).status_code == 404
    assert not GeneratorRun.objects.exists()


def test_reviewer_cannot_start_a_run(reviewer_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.get(_url(ingested_cohort)).status_code == 403
    assert reviewer_client.post(_url(ingested_cohort), _data()).status_code == 403
    assert not GeneratorRun.objects.exists()


# -- the form ---------------------------------------------------------------------------
def test_the_form_lists_models_and_the_chosen_models_hyperparameters(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(ingested_cohort) + "?model_name=rbm").content.decode()
    for name in ("rbm", "gan", "autoregressive"):
        assert f'<option value="{name}"' in page
    assert "Restricted Boltzmann machine" in page  # the model's description
    assert 'name="hp_n_hidden"' in page and 'value="500"' in page  # default
    assert 'min="1"' in page and 'max="20000"' in page  # bounds from the dataclass metadata
    assert "Number of binary hidden units" in page  # help from the dataclass metadata
    assert 'name="target_epsilon"' in page and 'name="max_minutes"' in page


def test_choosing_another_model_swaps_the_hyperparameter_fields(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(ingested_cohort) + "?model_name=autoregressive",
                                HTTP_HX_REQUEST="true").content.decode()
    assert 'name="hp_dp_epochs"' in page and 'name="hp_n_hidden"' not in page
    assert 'hx-select="#hyperparameters"' in page


def test_a_valid_form_creates_the_run_and_opens_its_page(custodian_client, ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(ingested_cohort), _data())
    run = GeneratorRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("run_detail", args=[run.pk])
    assert run.created_by == custodian and run.cohort == ingested_cohort and run.seed == 4
    assert run.hyperparameters["epochs"] == 2 and run.hyperparameters["n_hidden"] == 8
    assert run.hyperparameters["chains"] == "data" and run.max_minutes == 5
    assert run.hyperparameters["gibbs_steps"] == 50  # left empty: the default
    assert run.hyperparameters["centered"] is False  # a checkbox left unticked


def test_the_form_offers_booleans_as_checkboxes_ticked_at_their_default(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(ingested_cohort) + "?model_name=rbm").content.decode()
    assert 'type="checkbox" name="hp_centered"' in page and "checked" in page.split('name="hp_centered"')[1][:80]
    custodian_client.post(_url(ingested_cohort), _data(hp_centered="on"))
    assert GeneratorRun.objects.get().hyperparameters["centered"] is True


def test_dp_on_a_model_without_dp_is_explained_next_to_epsilon(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(ingested_cohort), _data(target_epsilon="2.5"))
    assert response.status_code == 400
    form = response.context["form"]
    assert "cannot be trained with differential privacy" in form.errors["target_epsilon"][0]
    page = response.content.decode()
    assert 'value="2.5"' in page and 'value="4"' in page  # input kept
    assert not GeneratorRun.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hp_epochs": 0}, "hp_epochs", "greater than or equal to 1"),
        ({"model_name": "autoregressive", "target_epsilon": "0"}, "target_epsilon", "greater than 0"),
        ({"target_delta": "0.001"}, "target_delta", "only apply with differential privacy"),
        ({"max_minutes": 0}, "max_minutes", "greater than or equal to 1"),
        ({"model_name": "nonesuch"}, "model_name", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_kept(custodian_client, ingested_cohort, overrides, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(ingested_cohort), _data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not GeneratorRun.objects.exists()


def test_an_unphased_cohort_is_explained(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    ingested_cohort.phased = False
    ingested_cohort.save()
    response = custodian_client.post(_url(ingested_cohort), _data())
    assert response.status_code == 400 and "is unphased" in response.content.decode()

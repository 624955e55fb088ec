"""Sampling from a run's page: custodians only, validated, queued."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import SyntheticSet

pytestmark = pytest.mark.django_db


def _url(run) -> str:  # type: ignore[no-untyped-def]
    return reverse("sample_new", args=[run.pk])


def test_anonymous_is_sent_to_login(client, trained_run) -> None:  # type: ignore[no-untyped-def]
    assert client.post(_url(trained_run), {"n_individuals": 5, "seed": 0}).status_code == 302
    assert not SyntheticSet.objects.exists()


def test_researcher_is_refused(researcher_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.post(_url(trained_run), {"n_individuals": 5, "seed": 0}).status_code == 403


def test_other_organisation_gets_404(other_custodian_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.post(_url(trained_run), {"n_individuals": 5, "seed": 0}).status_code == 404
    assert not SyntheticSet.objects.exists()


def test_reviewer_cannot_sample(reviewer_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.post(_url(trained_run), {"n_individuals": 5, "seed": 0}).status_code == 403
    assert not SyntheticSet.objects.exists()


def test_custodian_samples_and_lands_on_the_set(custodian_client, trained_run, custodian) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(trained_run), {"n_individuals": 7, "seed": 2})
    synthetic_set = SyntheticSet.objects.get()
    assert response["Location"] == reverse("synthetic_set_detail", args=[synthetic_set.pk])
    assert (synthetic_set.n_individuals, synthetic_set.seed, synthetic_set.population) == (7, 2, "")
    assert synthetic_set.status == "queued" and synthetic_set.created_by == custodian


def test_bad_input_is_explained_on_the_run_page(custodian_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(trained_run), {"n_individuals": 0, "seed": 1})
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not SyntheticSet.objects.exists()


def test_an_unfinished_run_cannot_be_sampled(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(queued_run), {"n_individuals": 3, "seed": 1})
    assert response.status_code == 400 and "has not finished training" in response.content.decode()

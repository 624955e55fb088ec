"""The run page: status, progress, settings, privacy, timings, and the sampling form."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(run) -> str:  # type: ignore[no-untyped-def]
    return reverse("run_detail", args=[run.pk])


def test_anonymous_is_sent_to_login(client, queued_run) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_url(queued_run))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_researcher_is_refused(researcher_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(queued_run)).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_run)).status_code == 404


def test_reviewer_sees_a_queued_run_without_cancel(reviewer_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(_url(queued_run)).content.decode()
    assert "Cancel training" not in page and 'role="progressbar"' in page


def test_reviewer_sees_a_trained_run_without_sampling(reviewer_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(_url(trained_run)).content.decode()
    assert "Succeeded" in page and "Sample synthetic individuals" not in page


def test_a_queued_run_polls_for_progress_and_offers_cancel(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(queued_run)).content.decode()
    assert f'hx-get="{reverse("run_progress", args=[queued_run.pk])}"' in page
    assert reverse("run_cancel", args=[queued_run.pk]) in page and "Cancel training" in page


def test_a_trained_run_shows_results_settings_and_the_sampling_form(custodian_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(trained_run)).content.decode()
    assert "Succeeded" in page and "Epoch 3 of 3" in page and "reconstruction_error" in page
    assert "<svg" in page and "<polyline" in page  # the loss chart
    assert "n_hidden" in page and "Trained without differential privacy" in page
    assert trained_run.worker in page and "Training time" in page
    assert "Cancel training" not in page
    assert reverse("sample_new", args=[trained_run.pk]) in page and 'name="n_individuals"' in page
    assert 'name="population"' not in page  # the RBM is unconditional


def test_a_dp_run_shows_its_privacy_settings(custodian_client, ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    from generation.services import run_create

    run = run_create(cohort=ingested_cohort, user=custodian, model_name="autoregressive",
                     target_epsilon=2.0, max_grad_norm=0.5)
    page = custodian_client.get(_url(run)).content.decode()
    assert "Target ε" in page and "2.0" in page and "0.5" in page and "1 / (10 × individuals)" in page


def test_a_failed_run_shows_why(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    queued_run.status, queued_run.error_message = "failed", "Expected more haplotypes."
    queued_run.save()
    page = custodian_client.get(_url(queued_run)).content.decode()
    assert "Training failed." in page and "Expected more haplotypes." in page


def test_run_page_says_what_an_automatic_mixture_size_means(custodian_client, ingested_cohort, custodian) -> None:  # type: ignore[no-untyped-def]
    from generation.services import run_create

    run = run_create(cohort=ingested_cohort, user=custodian, model_name="autoregressive", queue=False)
    page = custodian_client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "<td>0 (automatic: one per label, 4 to 16)</td>" in page

"""The htmx progress partial of a run: epoch, losses, epsilon, chart; refresh when done."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(run) -> str:  # type: ignore[no-untyped-def]
    return reverse("run_progress", args=[run.pk])


def test_anonymous_is_sent_to_login(client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert client.get(_url(queued_run)).status_code == 302


def test_researcher_is_refused(researcher_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(queued_run)).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_run)).status_code == 404


def test_reviewer_sees_progress(reviewer_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.get(_url(queued_run)).status_code == 200


def test_a_running_run_shows_epoch_losses_epsilon_and_a_chart(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    queued_run.status, queued_run.progress = "running", 0.4
    queued_run.progress_history = [
        {"step": s, "total": 5, "metrics": {"d_loss": 1.0 / s, "g_loss": 0.5 * s}, "epsilon": 0.3 * s,
         "at": "2026-01-01T00:00:00+00:00"} for s in (1, 2)
    ]
    queued_run.save()
    response = custodian_client.get(_url(queued_run))
    page = response.content.decode()
    assert "HX-Refresh" not in response
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="40"' in page
    assert "Epoch 2 of 5" in page and "d_loss 0.5000" in page and "g_loss 1.0000" in page
    assert "ε spent so far 0.600" in page
    assert page.count("<polyline") == 3  # two losses and epsilon, each on its own scale


def test_a_finished_run_tells_htmx_to_reload_the_page(custodian_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.get(_url(trained_run))
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()

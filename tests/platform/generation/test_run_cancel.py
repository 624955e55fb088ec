"""Cancelling a run: POST only, custodians of the run's organisation only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import GeneratorRun

pytestmark = pytest.mark.django_db


def _url(run) -> str:  # type: ignore[no-untyped-def]
    return reverse("run_cancel", args=[run.pk])


def _status(run) -> str:  # type: ignore[no-untyped-def]
    return GeneratorRun.objects.get(pk=run.pk).status


def test_anonymous_is_sent_to_login(client, queued_run) -> None:  # type: ignore[no-untyped-def]
    response = client.post(_url(queued_run))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert _status(queued_run) == "queued"


def test_researcher_is_refused(researcher_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.post(_url(queued_run)).status_code == 403
    assert _status(queued_run) == "queued"


def test_other_organisation_gets_404(other_custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.post(_url(queued_run)).status_code == 404
    assert _status(queued_run) == "queued"


def test_reviewer_cannot_cancel(reviewer_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.post(_url(queued_run)).status_code == 403
    assert _status(queued_run) == "queued"


def test_get_does_not_cancel(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(queued_run)).status_code == 405
    assert _status(queued_run) == "queued"


def test_custodian_cancels_a_queued_run(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(queued_run), follow=True)
    assert response.redirect_chain[-1][0] == reverse("run_detail", args=[queued_run.pk])
    assert _status(queued_run) == "cancelled"
    assert f"Run {queued_run.pk} is cancelled." in response.content.decode()


def test_a_running_run_is_asked_to_stop(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    GeneratorRun.objects.filter(pk=queued_run.pk).update(status="running", heartbeat_at=timezone.now())
    response = custodian_client.post(_url(queued_run), follow=True)
    run = GeneratorRun.objects.get(pk=queued_run.pk)
    assert run.status == "running" and run.cancel_requested
    assert "stops after its current epoch" in response.content.decode()


def test_a_finished_run_cannot_be_cancelled(custodian_client, trained_run) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(_url(trained_run), follow=True)
    assert "has already succeeded" in response.content.decode()
    assert _status(trained_run) == "succeeded"

"""The htmx progress partial of a synthetic set."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(synthetic_set) -> str:  # type: ignore[no-untyped-def]
    return reverse("synthetic_set_progress", args=[synthetic_set.pk])


def test_anonymous_is_sent_to_login(client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert client.get(_url(other_run.synthetic_sets.get())).status_code == 302


def test_researcher_is_refused(researcher_client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(other_run.synthetic_sets.get())).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_run.synthetic_sets.get())).status_code == 404


def test_reviewer_and_custodian_see_progress_until_done(other_custodian_client, other_run) -> None:  # type: ignore[no-untyped-def]
    synthetic_set = other_run.synthetic_sets.get()
    response = other_custodian_client.get(_url(synthetic_set))
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert 'hx-trigger="every 1s"' in response.content.decode()
    synthetic_set.status = "succeeded"
    synthetic_set.save()
    assert other_custodian_client.get(_url(synthetic_set))["HX-Refresh"] == "true"

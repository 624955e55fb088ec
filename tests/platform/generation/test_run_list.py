"""The organisation's runs page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = reverse("run_list")


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_researcher_is_refused(researcher_client) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(URL).status_code == 403


def test_other_organisations_runs_are_not_listed(custodian_client, queued_run, other_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(URL).content.decode()
    assert reverse("run_detail", args=[queued_run.pk]) in page
    assert reverse("run_detail", args=[other_run.pk]) not in page


def test_reviewer_sees_the_runs(reviewer_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    response = reviewer_client.get(URL)
    assert response.status_code == 200
    assert f"Run {queued_run.pk}" in response.content.decode()


def test_custodian_sees_runs_with_model_status_and_privacy(custodian_client, queued_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(URL).content.decode()
    assert "rbm" in page and "Queued" in page and "no DP" in page and "Simulated" in page


def test_the_nav_links_to_runs_for_staff_only(custodian_client, researcher_client) -> None:  # type: ignore[no-untyped-def]
    assert f'href="{URL}"' in custodian_client.get(reverse("dashboard")).content.decode()
    assert f'href="{URL}"' not in researcher_client.get(reverse("dashboard")).content.decode()

"""The list of audits: staff of the organisation only, their own reports only."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/audits/"


def test_the_url_name() -> None:
    assert reverse("audit_list") == URL


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_researcher_is_refused(researcher_client) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(URL).status_code == 403


def test_reviewer_sees_the_organisations_audits(reviewer_client, queued_report) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(URL).content.decode()
    assert f"Audit {queued_report.pk}" in page and "Queued" in page


def test_another_organisations_audits_are_not_listed(custodian_client, queued_report, other_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(URL).content.decode()
    assert reverse("audit_report_detail", args=[queued_report.pk]) in page
    assert reverse("audit_report_detail", args=[other_report.pk]) not in page


def test_a_finished_audit_shows_its_verdict_and_failing_checks(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(URL).content.decode()
    assert 'class="badge fail"' in page and "exact_copies" in page


def test_the_nav_links_audits_and_policy_for_staff(custodian_client, researcher_client) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(reverse("dashboard")).content.decode()
    assert f'href="{URL}"' in page and f'href="{reverse("release_policy")}"' in page
    page = researcher_client.get(reverse("dashboard")).content.decode()
    assert f'href="{URL}"' not in page

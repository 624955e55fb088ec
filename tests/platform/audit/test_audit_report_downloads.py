"""report.json and the self-contained report.html, streamed from storage as attachments."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

KINDS = ["audit_report_json", "audit_report_html"]


@pytest.mark.parametrize("name", KINDS)
def test_anonymous_is_sent_to_login(client, finished_report, name) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse(name, args=[finished_report.pk])).status_code == 302


@pytest.mark.parametrize("name", KINDS)
def test_researcher_is_refused(researcher_client, finished_report, name) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(reverse(name, args=[finished_report.pk])).status_code == 403


@pytest.mark.parametrize("name", KINDS)
def test_other_organisation_gets_404(other_custodian_client, finished_report, name) -> None:  # type: ignore[no-untyped-def]
    assert other_custodian_client.get(reverse(name, args=[finished_report.pk])).status_code == 404


@pytest.mark.parametrize("name", KINDS)
def test_nothing_to_download_before_the_audit_finishes(custodian_client, queued_report, name) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(reverse(name, args=[queued_report.pk])).status_code == 404


def test_reviewer_downloads_report_json(reviewer_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    response = reviewer_client.get(reverse("audit_report_json", args=[finished_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"audit-{finished_report.pk}-" in response["Content-Disposition"]
    document = json.loads(b"".join(response.streaming_content))
    assert document["verdict"] == finished_report.verdict
    assert document["headline"] == finished_report.headline


def test_custodian_downloads_a_self_contained_report_html(custodian_client, finished_report) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.get(reverse("audit_report_html", args=[finished_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Disposition"].startswith("attachment;")
    page = b"".join(response.streaming_content).decode()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "<script" not in page and 'src="http' not in page and "<link" not in page

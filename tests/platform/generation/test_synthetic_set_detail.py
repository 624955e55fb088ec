"""The synthetic set page: status, files, and the audit report when there is one."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(synthetic_set) -> str:  # type: ignore[no-untyped-def]
    return reverse("synthetic_set_detail", args=[synthetic_set.pk])


def test_anonymous_is_sent_to_login(client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    assert client.get(_url(synthetic_set)).status_code == 302


def test_researcher_is_refused(researcher_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(_url(synthetic_set)).status_code == 403


def test_other_organisation_gets_404(custodian_client, other_run) -> None:  # type: ignore[no-untyped-def]
    assert custodian_client.get(_url(other_run.synthetic_sets.get())).status_code == 404


def test_reviewer_sees_the_set(reviewer_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.get(_url(synthetic_set)).status_code == 200


def test_a_sampled_set_lists_its_files(custodian_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(_url(synthetic_set)).content.decode()
    assert "Succeeded" in page and "10 individuals" in page
    for name in (synthetic_set.vcf_file, synthetic_set.index_file, synthetic_set.panel_file):
        assert name in page
    assert reverse("run_detail", args=[synthetic_set.run_id]) in page


def test_a_queued_set_polls_for_progress(custodian_client, trained_run, custodian) -> None:  # type: ignore[no-untyped-def]
    from generation.services import sample_create

    queued = sample_create(run=trained_run, user=custodian, n_individuals=3)
    page = custodian_client.get(_url(queued)).content.decode()
    assert f'hx-get="{reverse("synthetic_set_progress", args=[queued.pk])}"' in page


def test_sampling_queues_the_audit_and_the_page_links_it(custodian_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditReport

    report = AuditReport.objects.get(synthetic_set=synthetic_set)  # queued by sample_generate
    page = custodian_client.get(_url(synthetic_set)).content.decode()
    assert reverse("audit_report_detail", args=[report.pk]) in page and "Queued" in page
    report.delete()
    page = custodian_client.get(_url(synthetic_set)).content.decode()
    assert "No audit report yet." in page and reverse("audit_start", args=[synthetic_set.pk]) in page


def test_reviewer_is_not_offered_to_start_an_audit(reviewer_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    synthetic_set.audit.delete()
    page = reviewer_client.get(_url(synthetic_set)).content.decode()
    assert reverse("audit_start", args=[synthetic_set.pk]) not in page

"""Runs where staff meet them: the cohort page and the staff dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_custodian_can_start_a_run_from_the_cohort_page(custodian_client, ingested_cohort, queued_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(reverse("cohort_detail", args=[ingested_cohort.pk])).content.decode()
    assert "Train a generator" in page and reverse("run_new", args=[ingested_cohort.pk]) in page
    assert reverse("run_detail", args=[queued_run.pk]) in page


def test_reviewer_sees_the_cohorts_runs_but_no_train_button(reviewer_client, ingested_cohort, queued_run) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(reverse("cohort_detail", args=[ingested_cohort.pk])).content.decode()
    assert "Train a generator" not in page
    assert reverse("run_detail", args=[queued_run.pk]) in page


def test_the_dashboard_lists_runs_awaiting_action(custodian_client, trained_run, other_run) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(reverse("dashboard")).content.decode()
    assert "Training runs awaiting action" in page
    assert reverse("run_detail", args=[trained_run.pk]) in page and "sample a synthetic set" in page
    assert reverse("run_detail", args=[other_run.pk]) not in page


def test_a_sampled_run_no_longer_awaits_action(reviewer_client, synthetic_set) -> None:  # type: ignore[no-untyped-def]
    page = reviewer_client.get(reverse("dashboard")).content.decode()
    assert reverse("run_detail", args=[synthetic_set.run_id]) not in page
    assert "Nothing waiting" in page

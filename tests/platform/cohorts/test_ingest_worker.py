"""Upload in the browser, ingestion by a real Celery worker over Redis, progress, result."""

from __future__ import annotations

import pytest
from cohorts.models import Cohort
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from factories import wait_for


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_upload_is_ingested_by_the_worker(celery_worker_process, celery_media, custodian, cohort_files) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(custodian)
    vcf, panel = cohort_files
    response = client.post(reverse("cohort_upload"), {
        "name": "Worker cohort", "holdout_fraction": 0.2, "split_seed": 3,
        "vcf": SimpleUploadedFile("c.vcf.gz", vcf.read_bytes()),
        "panel": SimpleUploadedFile("p.tsv", panel.read_bytes()),
    })
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="Worker cohort")
    progress = client.get(reverse("cohort_progress", args=[cohort.pk]))
    assert progress.status_code == 200 and 'role="progressbar"' in progress.content.decode()

    done = wait_for(lambda: Cohort.objects.filter(pk=cohort.pk, status__in=["succeeded", "failed"]).first())
    assert done.status == "succeeded", done.error_message
    assert done.worker and done.n_samples == 60 and done.n_populations == 2
    final = client.get(reverse("cohort_progress", args=[cohort.pk]))
    assert final["HX-Refresh"] == "true"
    page = client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()
    assert "PCA of the real individuals" in page

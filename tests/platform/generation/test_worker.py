"""The whole path on a real Celery worker over Redis: form -> train -> sample -> VCF."""

from __future__ import annotations

import numpy as np
import pytest
from cohorts.store import load_variants
from django.core.files.storage import default_storage
from django.urls import reverse
from factories import wait_for

from generation.engine.vcf import VcfReader, read_vcf
from generation.models import GeneratorRun, SyntheticSet


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_run_is_trained_and_sampled_by_the_worker(  # type: ignore[no-untyped-def]
    celery_worker_process, celery_media, ingested_cohort, custodian_client
) -> None:
    response = custodian_client.post(reverse("run_new", args=[ingested_cohort.pk]), {
        "model_name": "rbm", "hp_epochs": 3, "hp_n_hidden": 8, "hp_batch_size": 16,
        "hp_gibbs_steps": 1, "hp_sample_gibbs_steps": 5, "seed": 1,
        "max_minutes": 2,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    run = GeneratorRun.objects.get()

    trained = wait_for(lambda: GeneratorRun.objects.filter(
        pk=run.pk, status__in=["succeeded", "failed", "cancelled"]).first(), timeout=120)
    assert trained.status == "succeeded", trained.error_message
    assert trained.worker.startswith("test-worker") or trained.worker  # a hostname, recorded
    assert [entry["step"] for entry in trained.progress_history] == [1, 2, 3]
    assert custodian_client.get(reverse("run_progress", args=[run.pk]))["HX-Refresh"] == "true"

    response = custodian_client.post(reverse("sample_new", args=[run.pk]), {"n_individuals": 6, "seed": 3})
    assert response.status_code == 302
    synthetic_set = SyntheticSet.objects.get()
    done = wait_for(lambda: SyntheticSet.objects.filter(
        pk=synthetic_set.pk, status__in=["succeeded", "failed"]).first(), timeout=120)
    assert done.status == "succeeded", done.error_message

    variants = load_variants(ingested_cohort.variants_file)
    path = default_storage.path(done.vcf_file)
    vcf = read_vcf(path)
    assert vcf.phased and len(vcf.samples) == 6 and vcf.qc.records == len(variants)
    all_snps = [key for chunk in VcfReader(path).chunks() for key in chunk.variants.keys()]  # noqa: SIM118
    assert all_snps == variants.keys()  # the cohort's variant table, every SNP, in order
    haplotypes = done.load_haplotypes()
    keys, written = variants.keys(), vcf.variants.keys()
    columns = [keys.index(key) for key in written]
    np.testing.assert_array_equal(vcf.haplotypes, haplotypes[:, columns])
    assert default_storage.exists(done.index_file) and default_storage.exists(done.panel_file)
    page = custodian_client.get(reverse("synthetic_set_detail", args=[done.pk])).content.decode()
    assert done.vcf_file in page

    from audit.models import AuditReport  # sampling hands the set to the audit by itself

    report = wait_for(lambda: AuditReport.objects.filter(synthetic_set=done).first(), timeout=30)
    page = custodian_client.get(reverse("synthetic_set_detail", args=[done.pk])).content.decode()
    assert reverse("audit_report_detail", args=[report.pk]) in page

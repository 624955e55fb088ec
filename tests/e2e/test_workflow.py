"""The whole workflow in headless Chromium, against the served site and a real worker."""

from __future__ import annotations

import re

import pytest
from browser import screenshot, sign_in
from factories import PASSWORD
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_custodian_registers_a_cohort_and_watches_ingestion(
    new_page, celery_worker_process, celery_media, custodian, cohort_files, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    vcf, panel = cohort_files
    page = new_page()
    sign_in(page, custodian.username, PASSWORD)

    # A bad upload shows its error on the cohort page.
    bad = tmp_path / "broken.vcf"
    bad.write_text("this is not a VCF\n")
    page.get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="Register a cohort").click()
    page.get_by_label("Name").fill("Broken upload")
    page.get_by_label("Genotypes (VCF, VCF.gz or BCF)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.get_by_role("alert")).to_contain_text("Not a VCF file", timeout=60_000)
    screenshot(page, "cohort-failed")

    page.goto("/cohorts/upload/")
    page.get_by_label("Name").fill("Simulated cohort")
    page.get_by_label("Genotypes (VCF, VCF.gz or BCF)").set_input_files(str(vcf))
    page.get_by_label("Sample panel (TSV, optional)").set_input_files(str(panel))
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.get_by_role("heading", name=re.compile("Simulated cohort"))).to_be_visible()
    expect(page.get_by_text("biallelic SNPs kept", exact=True)).to_be_visible(timeout=90_000)
    expect(page.get_by_text("PCA of the real individuals")).to_be_visible()
    screenshot(page, "cohort")


def test_researcher_is_refused_custodian_pages(new_page, researcher, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_in(page, researcher.username, PASSWORD)
    response = page.goto(f"/cohorts/{ingested_cohort.pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()

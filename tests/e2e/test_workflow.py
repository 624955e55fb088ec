"""The whole workflow in headless Chromium, against the served site and a real worker.

A custodian uploads a cohort and watches it ingest, trains a DP generator and watches it
train, samples, reads the audit, proposes a release; a reviewer approves it; a researcher
signs up, requests access; the custodian grants it; the researcher downloads the bundle
and verifies it offline; an expired link is refused. Screenshots of the pages go to a
temporary folder, or to ``docs/screenshots/`` (linked from the README) when run as
``SYNTHOME_SCREENSHOTS=docs/screenshots ./run test tests/e2e``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from datetime import timedelta

import pytest
from browser import screenshot, sign_in
from factories import PASSWORD
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WORKER_WAIT = 180_000  # ms: ingestion, training, sampling, audit and bundle run on one worker

# A pilot policy for a 48-individual toy cohort: the privacy checks stay on, fidelity
# thresholds that a cohort this small cannot support are switched off (blank), and the
# attack-AUC bound is widened: with 12 holdout individuals its standard error is about 0.1,
# so the platform default of 0.6 would judge noise.
PILOT_POLICY = {
    "af_r2 (minimum)": "",
    "ld_r2_correlation (minimum)": "",
    "pca_distance (maximum)": "",
    "pairwise_wasserstein (maximum)": "",
    "c2st_auc (maximum)": "",
    "aats_holdout (maximum)": "",
    "near_copies_fraction (maximum)": "",
    "segment_copy_excess (maximum)": "",
    "mia_best_auc (maximum)": "0.8",
    "mia_best_tpr_at_1pct_fpr (maximum)": "",
    "epsilon (maximum)": "10",
}


def _fill_policy(page) -> None:  # type: ignore[no-untyped-def]
    for label, value in PILOT_POLICY.items():
        page.get_by_label(label).fill(value)


def test_the_whole_release_workflow(  # type: ignore[no-untyped-def]
    new_page, celery_worker_process, celery_media, custodian, reviewer, cohort_files, tmp_path
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

    # The real upload: progress, then the cohort page with its plots.
    page.goto("/cohorts/upload/")
    page.get_by_label("Name").fill("Simulated cohort")
    page.get_by_label("Genotypes (VCF, VCF.gz or BCF)").set_input_files(str(vcf))
    page.get_by_label("Sample panel (TSV, optional)").set_input_files(str(panel))
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.get_by_role("heading", name=re.compile("Simulated cohort"))).to_be_visible()
    expect(page.get_by_text("biallelic SNPs kept", exact=True)).to_be_visible(timeout=90_000)
    expect(page.get_by_text("PCA of the real individuals")).to_be_visible()
    screenshot(page, "cohort")

    # The organisation's release policy, changed in the browser and versioned.
    page.get_by_role("link", name="Policy").click()
    _fill_policy(page)
    page.get_by_label("What changed and why").fill("Pilot thresholds for the 60-person test cohort.")
    page.get_by_role("button", name=re.compile("Save as version")).click()
    expect(page.get_by_role("heading", name=re.compile("Release policy"))).to_contain_text("v2")

    # A differentially private training run, watched live.
    page.get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="Simulated cohort").first.click()
    page.get_by_role("link", name="Train a generator").click()
    page.get_by_label("Model").select_option("autoregressive")
    page.wait_for_load_state("networkidle")  # the model's hyperparameter fields are swapped in
    expect(page.locator("#hyperparameters legend")).to_contain_text("autoregressive")
    expect(page.get_by_role("radio", name="Population", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Superpopulation")).to_be_visible()
    screenshot(page, "run-form")
    page.get_by_label("Dp epochs").fill("6")
    page.get_by_label("Target epsilon (ε)").fill("8")
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_role("heading", name=re.compile(r"Run \d+: autoregressive"))).to_be_visible()
    expect(page.get_by_role("button", name="Sample synthetic individuals")).to_be_visible(timeout=WORKER_WAIT)
    expect(page.get_by_text("Epoch 6 of 6")).to_be_visible()
    expect(page.get_by_role("row", name="Conditioned on Population")).to_be_visible()
    expect(page.get_by_text(re.compile(r"ε spent|epsilon spent", re.I)).first).to_be_visible()
    screenshot(page, "run")

    # Sampling; the audit starts by itself when sampling finishes.
    page.get_by_label("Individuals").fill("30")
    page.get_by_role("button", name="Sample synthetic individuals").click()
    expect(page.get_by_role("heading", name=re.compile(r"Synthetic set \d+"))).to_be_visible()
    page.get_by_role("link", name="Open the audit report").click(timeout=WORKER_WAIT)
    verdict = page.locator("#verdict-heading")
    expect(verdict).to_be_visible(timeout=WORKER_WAIT)
    screenshot(page, "audit")
    assert "Pass" in verdict.inner_text(), page.locator("section.card").first.inner_text()

    # Proposing the release.
    page.get_by_role("link", name="Propose a release").click()
    page.get_by_label("Title").fill("Simulated two-population panel")
    page.get_by_label("Description").fill("Synthetic haplotypes for method development.")
    page.get_by_label("Licence").select_option("CC-BY-4.0")
    page.get_by_role("checkbox", name=re.compile(r"\bGRU\b")).check()
    page.get_by_role("button", name="Propose for release").click()
    expect(page.get_by_text("Waiting for a reviewer")).to_be_visible()

    # The reviewer approves; the signed bundle is built by the worker.
    review = new_page()
    sign_in(review, reviewer.username, PASSWORD)
    review.get_by_role("link", name="Releases").click()
    review.get_by_role("link", name="Simulated two-population panel").first.click()
    review.get_by_label("Approve").check()
    review.get_by_label("Comment").fill("Audit passed on policy v2; fine to release.")
    review.get_by_role("button", name="Record decision").click()
    expect(review.get_by_text("manifest SHA-256")).to_be_visible(timeout=WORKER_WAIT)
    screenshot(review, "release")

    # A researcher signs up and asks for access.
    research = new_page()
    research.goto("/accounts/signup/")
    research.get_by_label("Username").fill("ada")
    research.get_by_label("Email").fill("ada@example.org")
    research.get_by_label("Affiliation").fill("Example University")
    research.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    research.get_by_label("Password confirmation").fill(PASSWORD)
    research.get_by_role("button", name="Create my account").click()
    research.get_by_role("link", name="Catalogue").first.click()
    screenshot(research, "catalogue")
    research.get_by_role("link", name="Simulated two-population panel").click()
    research.get_by_label("Purpose").fill(
        "Benchmarking admixture inference on synthetic genomes from two populations."
    )
    research.get_by_label(re.compile("I accept the data-use terms")).check()
    research.get_by_role("button", name="Request access").click()
    expect(research.get_by_text("Pending", exact=False).first).to_be_visible()

    # The custodian grants it.
    page.goto("/releases/requests/")
    page.get_by_role("link", name="ada").first.click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("heading", name="Grant")).to_be_visible()

    # The researcher downloads the bundle and verifies it offline.
    research.get_by_role("link", name="My access").click()
    research.get_by_role("link", name=re.compile("Simulated two-population panel")).first.click()
    research.get_by_role("button", name="Create my download link").click()
    link = research.locator("#download-link")
    download_path = link.get_attribute("href")
    assert download_path and download_path.startswith("/download/")
    screenshot(research, "grant")
    link.click()
    with research.expect_download() as downloaded:
        research.get_by_role("link", name=re.compile("Download everything")).click()
    archive = tmp_path / "bundle.tar.gz"
    downloaded.value.save_as(archive)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "bundle", filter="data")
    (bundle_dir,) = (tmp_path / "bundle").iterdir()
    keys = tmp_path / "synthome-keys.json"
    keys.write_bytes(research.request.get("/.well-known/synthome-keys.json").body())
    verified = subprocess.run(
        [sys.executable, "-I", str(bundle_dir / "verify_bundle.py"), str(bundle_dir), "--key", str(keys)],
        capture_output=True, text=True, timeout=60,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK" in verified.stdout

    # Time passes: the grant expires and the same link is refused.
    from django.utils import timezone
    from releases.models import AccessGrant

    AccessGrant.objects.filter(access_request__researcher__username="ada").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = research.goto(download_path)
    assert response is not None and response.status in (403, 410)
    expect(research.get_by_role("heading", name=re.compile("Download refused"))).to_be_visible()
    screenshot(research, "download-refused")

    # Readable on a phone: the catalogue fits the viewport without sideways scrolling.
    phone = new_page(phone=True)
    sign_in(phone, "ada", PASSWORD)
    phone.goto("/catalogue/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "catalogue-phone")


def test_researcher_is_refused_custodian_pages(new_page, researcher, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_in(page, researcher.username, PASSWORD)
    response = page.goto(f"/cohorts/{ingested_cohort.pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()

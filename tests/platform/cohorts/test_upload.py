"""Uploading cohorts in the browser: permissions first, then every bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from cohorts.models import Cohort
from cohorts.services import cohort_ingest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from factories import vcf_text

pytestmark = pytest.mark.django_db


def _good_vcf() -> bytes:
    return gzip.compress(vcf_text(["A", "B", "C"], [
        "1 10 a A G 0|1 1|0 0|0", "1 20 b C T 1|1 0|1 0|0", "1 30 c G A 0|0 0|1 1|1",
    ]).encode())


def _post(client, name: str, content: bytes, filename: str = "c.vcf.gz", panel: bytes | None = None):  # type: ignore[no-untyped-def]
    data = {"name": name, "description": "", "holdout_fraction": 0.34, "split_seed": 0,
            "vcf": SimpleUploadedFile(filename, content)}
    if panel is not None:
        data["panel"] = SimpleUploadedFile("panel.tsv", panel)
    return client.post(reverse("cohort_upload"), data)


def _ingest_after_upload(name: str) -> Cohort:
    cohort = Cohort.objects.get(name=name)
    cohort_ingest(cohort_id=cohort.pk)  # the on_commit dispatch does not fire in a test transaction
    return Cohort.objects.get(pk=cohort.pk)


# -- permissions ------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("cohort_upload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("url_name", ["cohort_list", "cohort_upload"])
def test_researcher_is_refused_custodian_pages(researcher_client, url_name: str) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(reverse(url_name)).status_code == 403


def test_reviewer_can_list_but_not_upload(reviewer_client) -> None:  # type: ignore[no-untyped-def]
    assert reviewer_client.get(reverse("cohort_list")).status_code == 200
    assert reviewer_client.get(reverse("cohort_upload")).status_code == 403
    assert _post(reviewer_client, "x", _good_vcf()).status_code == 403
    assert not Cohort.objects.exists()


def test_other_organisation_cannot_see_a_cohort(ingested_cohort, other_custodian_client, researcher_client) -> None:  # type: ignore[no-untyped-def]
    for url in (reverse("cohort_detail", args=[ingested_cohort.pk]), reverse("cohort_progress", args=[ingested_cohort.pk])):
        assert other_custodian_client.get(url).status_code == 404
        assert researcher_client.get(url).status_code == 403
    assert ingested_cohort.name not in other_custodian_client.get(reverse("cohort_list")).content.decode()


# -- the happy path -------------------------------------------------------------------------------

def test_upload_then_page_shows_results(custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = _post(custodian_client, "Good", _good_vcf())
    cohort = Cohort.objects.get(name="Good")
    assert response.status_code == 302 and response["Location"] == reverse("cohort_detail", args=[cohort.pk])
    assert cohort.status == "queued"
    page = custodian_client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()
    assert 'role="progressbar"' in page
    _ingest_after_upload("Good")
    page = custodian_client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()
    assert "biallelic SNPs kept" in page and "<svg" in page


# -- bad input: one test per case; the cohort is marked failed with the reason -----------------

def _assert_failed_with(client, name: str, content: bytes, expected: str, **kwargs) -> Cohort:  # type: ignore[no-untyped-def]
    _post(client, name, content, **kwargs)
    cohort = _ingest_after_upload(name)
    assert cohort.status == "failed"
    assert expected.lower() in cohort.error_message.lower()
    assert not cohort.train_file and not cohort.holdout_file and cohort.n_variants is None
    page = client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()
    assert cohort.error_message in page.replace("&#x27;", "'") and "Traceback" not in page
    return cohort


def test_truncated_gzip(custodian_client) -> None:  # type: ignore[no-untyped-def]
    whole = gzip.compress(vcf_text(["A", "B", "C"], [f"1 {10 + i} v{i} A G 0|1 1|0 0|{i % 2}" for i in range(4000)]).encode())
    _assert_failed_with(custodian_client, "Cut", whole[: len(whole) // 2], "ends early")


def test_broken_header(custodian_client) -> None:  # type: ignore[no-untyped-def]
    _assert_failed_with(custodian_client, "Header", b"##fileformat=VCFv4.2\n1\t10\ta\tA\tG\t.\t.\t.\tGT\t0|1\n",
                        "broken header", filename="h.vcf")


def test_ragged_rows(custodian_client) -> None:  # type: ignore[no-untyped-def]
    text = vcf_text(["A", "B", "C"], ["1 10 a A G 0|1 1|0 0|0", "1 20 b A G 0|1 1|0"])
    _assert_failed_with(custodian_client, "Ragged", text.encode(), "line 6: expected 12", filename="r.vcf")


def test_non_vcf_file(custodian_client) -> None:  # type: ignore[no-untyped-def]
    _assert_failed_with(custodian_client, "Notvcf", b"name,age\nbob,3\n", "not a VCF file", filename="x.vcf")


def test_empty_file(custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = _post(custodian_client, "Empty", b"", filename="e.vcf")
    # Django's form refuses an empty upload before anything is stored.
    assert response.status_code == 200 and "The submitted file is empty" in response.content.decode()
    assert not Cohort.objects.exists()


def test_empty_vcf_body_has_no_snps(custodian_client) -> None:  # type: ignore[no-untyped-def]
    _assert_failed_with(custodian_client, "Nosnps", vcf_text(["A", "B"], []).encode(), "no usable biallelic SNP",
                        filename="n.vcf")


def test_wrong_file_name_is_refused_in_the_form(custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = _post(custodian_client, "Csv", b"a,b\n", filename="table.csv")
    assert "is not a VCF or BCF file name" in response.content.decode()
    assert not Cohort.objects.exists()


def test_file_over_the_size_limit(custodian_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SYNTHOME_MAX_UPLOAD_BYTES = 100
    response = _post(custodian_client, "Big", _good_vcf() + b"\0" * 200)
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not Cohort.objects.exists()


def test_file_far_over_the_limit_is_refused_before_reading(custodian_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SYNTHOME_MAX_UPLOAD_BYTES = 10
    response = _post(custodian_client, "Huge", b"x" * (2 * 1024**2))
    assert response.status_code == 413
    assert "larger than the limit" in response.content.decode()
    assert not Cohort.objects.exists()


def test_panel_with_unknown_samples(custodian_client) -> None:  # type: ignore[no-untyped-def]
    panel = b"sample\tpopulation\nA\tP\nB\tP\nC\tP\nZED\tP\n"
    _assert_failed_with(custodian_client, "Unknown", _good_vcf(), "not in the VCF", panel=panel)


def test_panel_with_missing_columns(custodian_client) -> None:  # type: ignore[no-untyped-def]
    _assert_failed_with(custodian_client, "Columns", _good_vcf(), "lacks the column(s) population",
                        panel=b"sample\tsex\nA\tm\nB\tf\nC\tm\n")


def test_failure_touches_no_other_cohort_and_a_corrected_upload_works(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    before = Cohort.objects.values().get(pk=ingested_cohort.pk)
    failed = _assert_failed_with(custodian_client, "Retry", b"garbage\n", "not a VCF file", filename="g.vcf")
    assert Cohort.objects.values().get(pk=ingested_cohort.pk) == before
    _post(custodian_client, "Retry", _good_vcf())
    fixed = _ingest_after_upload("Retry")
    assert fixed.pk == failed.pk and fixed.status == "succeeded" and fixed.n_variants == 3
    assert fixed.error_message == ""


def test_a_name_in_use_is_refused(custodian_client, ingested_cohort) -> None:  # type: ignore[no-untyped-def]
    response = _post(custodian_client, ingested_cohort.name, _good_vcf())
    assert "already exists" in response.content.decode()
    assert Cohort.objects.count() == 1


def test_unphased_cohort_is_stored_as_genotypes(custodian_client) -> None:  # type: ignore[no-untyped-def]
    text = vcf_text(["A", "B", "C"], ["1 10 a A G 0/1 1/0 0/0", "1 20 b C T 1/1 0/1 0/0"])
    _post(custodian_client, "Unphased", text.encode(), filename="u.vcf")
    cohort = _ingest_after_upload("Unphased")
    assert cohort.status == "succeeded" and cohort.phased is False
    assert "unphased" in custodian_client.get(reverse("cohort_detail", args=[cohort.pk])).content.decode()


def test_bcf_upload(custodian_client, cohort_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pysam

    vcf, _ = cohort_files
    bcf = tmp_path / "c.bcf"
    with pysam.VariantFile(str(vcf)) as source, pysam.VariantFile(str(bcf), "wb", header=source.header) as out:
        for record in source:
            out.write(record)
    _post(custodian_client, "Bcf", bcf.read_bytes(), filename="c.bcf")
    cohort = _ingest_after_upload("Bcf")
    assert cohort.status == "succeeded" and cohort.n_samples == 60

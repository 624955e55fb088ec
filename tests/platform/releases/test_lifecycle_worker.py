"""The whole release lifecycle through HTTP, with the bundle built by a real Celery worker,
ending with the researcher verifying the downloaded bundle with the script inside it."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client
from events.services import events_verify
from factories import wait_for
from release_factories import DUO, PURPOSE, extract_bytes, make_audited_set
from releases.models import AccessGrant, AccessRequest, DownloadLog, Release


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_propose_approve_build_request_grant_download_verify(  # type: ignore[no-untyped-def]
    celery_worker_process, celery_media, settings, tmp_path, custodian, reviewer, researcher,
    custodian_client, reviewer_client, researcher_client,
) -> None:
    # The worker signs with the key directory the shared fixture gives it.
    settings.SYNTHOME_SIGNING_KEY_DIR = celery_media.parent / "keys"
    synthetic_set = make_audited_set(custodian)

    proposal = custodian_client.post("/releases/propose/", {
        "synthetic_set": synthetic_set.pk, "title": "Worker panel", "version": "1.0",
        "description": "Built by the worker.", "licence": "CC-BY-4.0", "duo_codes": DUO,
    })
    assert proposal.status_code == 302, proposal.content.decode()
    release = Release.objects.get(title="Worker panel")
    assert release.status == "proposed"
    assert "Worker panel" in reviewer_client.get("/").content.decode()  # awaiting approval

    decision = reviewer_client.post(f"/releases/{release.pk}/decide/", {
        "decision": "approve", "comment": "Audit passed; terms are right.",
    })
    assert decision.status_code == 302
    published = wait_for(lambda: Release.objects.filter(pk=release.pk, status="published").first()
                         or _stop_if_failed(release.pk), timeout=120)
    bundle = published.bundle
    assert bundle.worker and bundle.status == "succeeded" and bundle.keyid

    catalogue = researcher_client.get("/catalogue/").content.decode()
    assert "Worker panel" in catalogue
    page = researcher_client.get(f"/catalogue/{release.pk}/").content.decode()
    assert "general research use" in page and "release policy version 1" in page

    request = researcher_client.post(f"/catalogue/{release.pk}/request/",
                                     {"purpose": PURPOSE, "accept_terms": "on"})
    assert request.status_code == 302
    access_request = AccessRequest.objects.get(release=release)
    assert "remy" in custodian_client.get("/releases/requests/").content.decode()
    decided = custodian_client.post(f"/releases/requests/{access_request.pk}/", {"decision": "approve", "days": 30})
    assert decided.status_code == 302
    grant = AccessGrant.objects.get(access_request=access_request)

    link = researcher_client.post(f"/access/grants/{grant.pk}/link/")
    token = link.context["token"]
    download = researcher_client.get(f"/download/{token}/archive/", HTTP_USER_AGENT="pytest-browser")
    assert download.status_code == 200
    bundle_dir = extract_bytes(b"".join(download.streaming_content), tmp_path / "download")
    keys = tmp_path / "synthome-keys.json"
    keys.write_bytes(Client().get("/.well-known/synthome-keys.json").content)
    verified = subprocess.run(
        [sys.executable, "-I", str(bundle_dir / "verify_bundle.py"), str(bundle_dir), "--key", str(keys)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: Worker panel version 1.0" in verified.stdout

    # The same through the API, with a token made by the management command.
    out = io.StringIO()
    call_command("create_api_token", researcher.username, stdout=out)
    api = Client(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert [r["title"] for r in api.get("/api/releases/").json()] == ["Worker panel"]
    listing = api.get(f"/api/downloads/{token}/").json()
    assert {f["path"] for f in listing["files"]} >= {"synthetic.vcf.gz", "manifest.dsse.json"}
    assert api.get(f"/api/grants/{grant.pk}/").json()["state"] == "active"
    assert Client(HTTP_AUTHORIZATION="Token not-a-token").get("/api/releases/").status_code == 401

    log = DownloadLog.objects.get()
    assert (log.username, log.file, log.outcome, log.user_agent) == ("remy", "archive", "served", "pytest-browser")
    assert events_verify().ok


def _stop_if_failed(pk: int) -> None:
    bundle = Release.objects.get(pk=pk).bundle
    if bundle.status == "failed":
        pytest.fail(f"the worker failed to build the bundle: {bundle.error_message}")

"""Access requests, grants, download links and the download log."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from release_factories import PURPOSE, extract_bytes
from releases.access_services import (
    access_request_approve,
    access_request_create,
    access_request_reject,
    grant_issue_link,
    grant_revoke,
)
from releases.models import AccessGrant, AccessRequest, DownloadLog
from releases.services import ReleaseError, ReleaseForbidden

pytestmark = pytest.mark.django_db


def test_request_needs_the_terms_accepted_and_a_purpose(published_release, researcher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseError, match="accept the release's data-use terms"):
        access_request_create(release=published_release, researcher=researcher, purpose=PURPOSE,
                              accept_terms=False)
    with pytest.raises(ReleaseError, match="at least 20 characters"):
        access_request_create(release=published_release, researcher=researcher, purpose="science",
                              accept_terms=True)


def test_request_through_the_page_records_the_accepted_terms(published_release, researcher_client, researcher) -> None:  # type: ignore[no-untyped-def]
    url = f"/catalogue/{published_release.pk}/request/"
    refused = researcher_client.post(url, {"purpose": PURPOSE})
    assert refused.status_code == 400 and AccessRequest.objects.count() == 0
    response = researcher_client.post(url, {"purpose": PURPOSE, "accept_terms": "on"})
    assert response.status_code == 302 and response["Location"] == "/access/"
    access_request = AccessRequest.objects.get()
    assert access_request.researcher == researcher
    assert access_request.accepted_duo_codes == published_release.duo_codes
    page = researcher_client.get("/access/").content.decode()
    assert "Pending" in page and published_release.title in page
    again = researcher_client.post(url, {"purpose": PURPOSE, "accept_terms": "on"})
    assert again.status_code == 400 and "already have a pending request" in again.content.decode()


def test_custodian_approves_with_expiry_default_30_days(published_release, researcher, custodian_client) -> None:  # type: ignore[no-untyped-def]
    access_request = access_request_create(release=published_release, researcher=researcher, purpose=PURPOSE,
                                           accept_terms=True)
    page = custodian_client.get(f"/releases/requests/{access_request.pk}/")
    assert page.status_code == 200 and PURPOSE in page.content.decode()
    response = custodian_client.post(f"/releases/requests/{access_request.pk}/",
                                     {"decision": "approve", "days": 30})
    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    assert grant.researcher == researcher and grant.token_hash is None
    assert abs((grant.expires_at - grant.created_at) - timedelta(days=30)) < timedelta(seconds=1)


def test_custodian_rejects_with_a_reason_the_researcher_sees(published_release, researcher, custodian,  # type: ignore[no-untyped-def]
                                                             researcher_client) -> None:
    access_request = access_request_create(release=published_release, researcher=researcher, purpose=PURPOSE,
                                           accept_terms=True)
    with pytest.raises(ReleaseError, match="reason"):
        access_request_reject(access_request=access_request, custodian=custodian, reason="")
    access_request_reject(access_request=access_request, custodian=custodian,
                          reason="Commercial use is excluded by NCU.")
    assert "Commercial use is excluded by NCU." in researcher_client.get("/access/").content.decode()


def test_reviewer_and_other_organisation_cannot_decide_requests(published_release, researcher, reviewer,  # type: ignore[no-untyped-def]
                                                                other_custodian) -> None:
    access_request = access_request_create(release=published_release, researcher=researcher, purpose=PURPOSE,
                                           accept_terms=True)
    for user in (reviewer, other_custodian):
        with pytest.raises(ReleaseForbidden):
            access_request_approve(access_request=access_request, custodian=user)


def test_link_token_is_random_stored_hashed_and_shown_once(grant, researcher_client) -> None:  # type: ignore[no-untyped-def]
    page = researcher_client.get(f"/access/grants/{grant.pk}/").content.decode()
    assert "Create my download link" in page
    response = researcher_client.post(f"/access/grants/{grant.pk}/link/")
    assert response["Cache-Control"] == "no-store"
    token = response.context["token"]
    assert token.startswith("sgd_") and len(token) > 40 and token in response.content.decode()
    grant.refresh_from_db()
    assert grant.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not AccessGrant.objects.filter(token_hash=token).exists()
    again = researcher_client.get(f"/access/grants/{grant.pk}/").content.decode()
    assert token not in again and "Create a new download link" in again
    # A new link replaces the old one.
    second = researcher_client.post(f"/access/grants/{grant.pk}/link/").context["token"]
    assert second != token
    assert researcher_client.get(f"/download/{token}/").status_code == 404
    assert researcher_client.get(f"/download/{second}/").status_code == 200


def test_download_is_logged_with_who_when_ip_agent_and_file(download_token, researcher_client, researcher,  # type: ignore[no-untyped-def]
                                                             tmp_path) -> None:
    response = researcher_client.get(f"/download/{download_token}/archive/", HTTP_USER_AGENT="curl/8.5",
                                     REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    bundle = extract_bytes(b"".join(response.streaming_content), tmp_path)
    assert (bundle / "manifest.json").exists()
    single = researcher_client.get(f"/download/{download_token}/files/synthetic.vcf.gz")
    assert single.status_code == 200 and single["Content-Disposition"].endswith('"synthetic.vcf.gz"')
    assert researcher_client.get(f"/download/{download_token}/files/../../etc/passwd").status_code == 404
    logs = list(DownloadLog.objects.order_by("at"))
    assert [(log.file, log.outcome) for log in logs] == [("archive", "served"), ("synthetic.vcf.gz", "served")]
    assert logs[0].user == researcher and logs[0].ip_address == "192.0.2.7"
    assert logs[0].user_agent == "curl/8.5" and logs[0].at is not None


def test_expired_link_is_refused_with_410(grant, download_token, researcher_client) -> None:  # type: ignore[no-untyped-def]
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for url in (f"/download/{download_token}/", f"/download/{download_token}/archive/"):
        response = researcher_client.get(url)
        assert response.status_code == 410
        assert "This download link has expired" in response.content.decode()
    api = researcher_client.get(f"/api/downloads/{download_token}/archive/")
    assert api.status_code == 410 and api.json()["state"] == "expired"
    assert DownloadLog.objects.filter(outcome="expired").count() == 2
    with pytest.raises(ReleaseError, match="expired: it gives no link"):
        grant_issue_link(grant=grant, researcher=grant.researcher)


def test_revoked_link_is_refused_with_403(grant, download_token, custodian, custodian_client, researcher_client) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(f"/releases/requests/{grant.access_request_id}/revoke/",
                                     {"reason": "Terms breached."})
    assert response.status_code == 302
    refused = researcher_client.get(f"/download/{download_token}/archive/")
    assert refused.status_code == 403 and "revoked" in refused.content.decode()
    assert researcher_client.get(f"/api/downloads/{download_token}/").status_code == 403
    with pytest.raises(ReleaseError, match="already revoked"):
        grant_revoke(grant=grant, user=custodian, reason="again")


def test_a_link_opens_nothing_for_another_account(download_token, other_researcher) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(other_researcher)
    assert client.get(f"/download/{download_token}/archive/").status_code == 404
    assert client.get(f"/api/downloads/{download_token}/archive/").status_code == 404
    assert Client().get(f"/download/{download_token}/archive/").status_code == 302  # sign in first
    assert DownloadLog.objects.count() == 0


def test_researcher_sees_no_cohort_run_or_unreleased_audit(researcher_client, proposed_release, audited_set) -> None:  # type: ignore[no-untyped-def]
    cohort = audited_set.run.cohort
    for url in (f"/cohorts/{cohort.pk}/", f"/runs/{audited_set.run_id}/", f"/releases/{proposed_release.pk}/",
                f"/catalogue/{proposed_release.pk}/", f"/catalogue/{proposed_release.pk}/manifest.json",
                f"/api/releases/{proposed_release.pk}/"):
        assert researcher_client.get(url).status_code in (403, 404), url
    assert proposed_release.title not in researcher_client.get("/catalogue/").content.decode()
    assert researcher_client.get("/api/releases/").json() == []

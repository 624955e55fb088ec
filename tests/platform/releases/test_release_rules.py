"""The release lifecycle's rules: four eyes, audit overrides, transitions, withdrawal."""

from __future__ import annotations

import json

import pytest
from accounts.models import Membership
from events.models import Event
from events.services import events_verify
from release_factories import DUO, grant_access, make_audited_set, propose, publish
from releases.models import AccessRequestStatus, Release, ReleaseStatus
from releases.services import (
    IllegalReleaseTransition,
    ReleaseError,
    ReleaseForbidden,
    release_approve,
    release_propose,
    release_reject,
    release_withdraw,
)

pytestmark = pytest.mark.django_db


def test_proposal_records_terms_composition_and_audit(proposed_release, audited_set) -> None:  # type: ignore[no-untyped-def]
    release = proposed_release
    assert release.status == ReleaseStatus.PROPOSED
    assert release.duo_codes == DUO
    assert release.population_composition == {"POP0": 8, "POP1": 4}
    assert (release.n_individuals, release.n_snps, release.epsilon) == (12, 40, pytest.approx(2.4))
    assert release.audit == audited_set.audit and release.audit_verdict == "pass"
    assert Event.objects.get(action="release.proposed").object_id == str(release.pk)


def test_reviewer_cannot_approve_own_proposal(audited_set, custodian, reviewer) -> None:  # type: ignore[no-untyped-def]
    release = propose(audited_set, custodian)
    # The proposer later becomes a reviewer: still the same pair of eyes.
    Membership.objects.filter(user=custodian).update(role="reviewer")
    custodian.refresh_from_db()
    with pytest.raises(ReleaseForbidden, match="four-eyes"):
        release_approve(release=release, reviewer=custodian, comment="looks good to me")
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.PROPOSED


def test_proposer_cannot_approve(proposed_release, custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseForbidden, match="only a reviewer"):
        release_approve(release=proposed_release, reviewer=custodian, comment="ok")


def test_second_custodian_cannot_approve_either(proposed_release, second_custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseForbidden, match="only a reviewer"):
        release_approve(release=proposed_release, reviewer=second_custodian, comment="ok")


def test_reviewer_of_another_organisation_cannot_decide(proposed_release, other_reviewer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseForbidden, match="only staff of North Biobank"):
        release_approve(release=proposed_release, reviewer=other_reviewer, comment="ok")
    with pytest.raises(ReleaseForbidden):
        release_reject(release=proposed_release, reviewer=other_reviewer, comment="no")


def test_reviewer_cannot_propose(audited_set, reviewer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseForbidden, match="only a custodian"):
        propose(audited_set, reviewer)


def test_failing_audit_cannot_be_approved_without_justification(failing_set, custodian, reviewer) -> None:  # type: ignore[no-untyped-def]
    release = propose(failing_set, custodian)
    with pytest.raises(ReleaseError, match="the audit failed \\(privacy_loss\\).*justification"):
        release_approve(release=release, reviewer=reviewer, comment="ok")
    with pytest.raises(ReleaseError, match="at least 30 characters"):
        release_approve(release=release, reviewer=reviewer, comment="ok", override_justification="fine")
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.PROPOSED


def test_override_justification_stays_visible_on_page_manifest_and_catalogue(  # type: ignore[no-untyped-def]
    failing_set, custodian, reviewer, researcher_client,
) -> None:
    why = "Privacy loss of 0.2 is driven by a single rare haplotype, removed in review."
    release = publish(propose(failing_set, custodian), reviewer, justification=why)
    assert release.status == ReleaseStatus.PUBLISHED and release.override_justification == why
    page = researcher_client.get(f"/catalogue/{release.pk}/").content.decode()
    assert why in page and "Released despite a failing audit" in page
    assert "released by override" in researcher_client.get("/catalogue/").content.decode()
    manifest = json.loads(researcher_client.get(f"/catalogue/{release.pk}/manifest.json").content)
    assert manifest["approval"]["override_justification"] == why
    assert manifest["approval"]["audit_override"] is True
    assert manifest["audit"]["failing_checks"] == ["privacy_loss"]
    api = researcher_client.get(f"/api/releases/{release.pk}/").json()
    assert api["audit"]["override_justification"] == why


def test_passing_audit_takes_no_justification(proposed_release, reviewer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseError, match="nothing to override"):
        release_approve(release=proposed_release, reviewer=reviewer, comment="ok",
                        override_justification="x" * 40)


def test_decision_needs_a_comment(proposed_release, reviewer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseError, match="comment must not be empty"):
        release_reject(release=proposed_release, reviewer=reviewer, comment="  ")


def test_rejected_release_cannot_be_approved_or_withdrawn(proposed_release, reviewer, custodian) -> None:  # type: ignore[no-untyped-def]
    release_reject(release=proposed_release, reviewer=reviewer, comment="Too few individuals.")
    with pytest.raises(IllegalReleaseTransition, match="rejected: it cannot become approved"):
        release_approve(release=proposed_release, reviewer=reviewer, comment="changed my mind")
    with pytest.raises(IllegalReleaseTransition):
        release_withdraw(release=proposed_release, user=custodian, reason="x")


def test_a_set_is_proposed_only_once(proposed_release, audited_set, custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseError, match="already proposed or released"):
        propose(audited_set, custodian, version="1.1")


def test_proposal_checks_duo_terms(audited_set, custodian) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleaseError, match="exactly one data-use permission"):
        release_propose(synthetic_set=audited_set, proposer=custodian, title="T", version="1",
                        description="d", licence="CC0-1.0", duo_codes=["DUO:0000042", "DUO:0000006"])
    with pytest.raises(ReleaseError, match="unknown DUO code"):
        release_propose(synthetic_set=audited_set, proposer=custodian, title="T", version="1",
                        description="d", licence="CC0-1.0", duo_codes=["DUO:9999999"])


def test_unaudited_set_cannot_be_proposed(custodian) -> None:  # type: ignore[no-untyped-def]
    synthetic_set = make_audited_set(custodian)
    synthetic_set.audit.delete()
    with pytest.raises(ReleaseError, match="no finished audit"):
        propose(synthetic_set, custodian)


def test_withdrawal_stops_every_grant_and_marks_the_catalogue(  # type: ignore[no-untyped-def]
    grant, download_token, published_release, custodian, researcher_client, other_researcher,
) -> None:
    from releases.access_services import access_request_create

    pending = access_request_create(release=published_release, researcher=other_researcher,
                                    purpose="A second study on ancestry inference methods.", accept_terms=True)
    release_withdraw(release=published_release, user=custodian, reason="A consent was withdrawn.")
    grant.refresh_from_db()
    pending.refresh_from_db()
    assert grant.revoked_at is not None and grant.state == "withdrawn"
    assert pending.status == AccessRequestStatus.CLOSED
    listing = researcher_client.get("/catalogue/").content.decode()
    assert "Withdrawn" in listing and published_release.title in listing
    page = researcher_client.get(f"/catalogue/{published_release.pk}/")
    assert "This release was withdrawn" in page.content.decode()
    refused = researcher_client.get(f"/download/{download_token}/archive/")
    assert refused.status_code == 410 and "withdrawn" in refused.content.decode()
    api = researcher_client.get(f"/api/downloads/{download_token}/archive/")
    assert api.status_code == 410 and api.json()["state"] == "withdrawn"
    event = Event.objects.get(action="release.withdrawn")
    assert event.details["grants_revoked"] == 1 and event.details["requests_closed"] == 1
    assert events_verify().ok


def test_withdrawn_release_takes_no_new_requests(published_release, custodian, researcher) -> None:  # type: ignore[no-untyped-def]
    release_withdraw(release=published_release, user=custodian, reason="Superseded.")
    with pytest.raises(ReleaseError, match="withdrawn: it takes no requests"):
        grant_access(published_release, researcher, custodian)


def test_bundle_failure_is_reported_and_retryable(proposed_release, reviewer, custodian) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.storage import default_storage
    from releases.services import bundle_build, bundle_retry

    vcf = proposed_release.synthetic_set.vcf_file
    content = default_storage.open(vcf, "rb").read()
    default_storage.delete(vcf)
    release_approve(release=proposed_release, reviewer=reviewer, comment="Fine.")
    bundle = bundle_build(bundle_id=proposed_release.bundle.pk)
    assert bundle.status == "failed" and "synthetic VCF" in bundle.error_message
    assert Release.objects.get(pk=proposed_release.pk).status == ReleaseStatus.APPROVED
    default_storage.save(vcf, __import__("io").BytesIO(content))
    bundle_retry(release=proposed_release, user=custodian)
    assert bundle_build(bundle_id=bundle.pk).status == "succeeded"
    assert Release.objects.get(pk=proposed_release.pk).status == ReleaseStatus.PUBLISHED
    assert bundle_build(bundle_id=bundle.pk) is None  # a redelivered task does nothing


def test_every_step_is_in_the_event_chain(grant, download_token, researcher_client) -> None:  # type: ignore[no-untyped-def]
    researcher_client.get(f"/download/{download_token}/archive/")
    actions = list(Event.objects.values_list("action", flat=True))
    for action in ("release.proposed", "release.approved", "release.bundle_built", "release.published",
                   "access.requested", "access.approved", "grant.link_issued", "grant.downloaded"):
        assert action in actions
    assert events_verify().ok

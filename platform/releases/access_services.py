"""Writes for researchers' access: requests, grants, download links and the download log.

A download link is a random token; only its SHA-256 is stored. The researcher asks for
the link on their grant page and sees it once; asking again replaces it. Downloading
also needs the researcher's own session or API token, so a forwarded link alone opens
nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from accounts.models import Role
from accounts.selectors import RESEARCHER, role_of
from django.db import transaction
from django.utils import timezone
from events.services import event_record

from .models import (
    ACCESS_TRANSITIONS,
    AccessGrant,
    AccessRequest,
    AccessRequestStatus,
    DownloadLog,
    GrantState,
    Release,
    ReleaseStatus,
)
from .services import ReleaseError, ReleaseForbidden, require_member

DEFAULT_GRANT_DAYS = 30
MAX_GRANT_DAYS = 365
MIN_PURPOSE = 20  # characters
TOKEN_PREFIX = "sgd_"


class AccessError(ReleaseError):
    """An access request or grant action that cannot be carried out."""


class DownloadRefused(Exception):
    """A download through a grant that is expired, revoked, or whose release was withdrawn."""

    def __init__(self, grant: AccessGrant, state: str) -> None:
        self.grant = grant
        self.state = state
        super().__init__(GrantState(state).label)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_access_transition(access_request: AccessRequest, target: str) -> None:
    if target not in ACCESS_TRANSITIONS[access_request.status]:
        raise AccessError(
            f"this request is already {access_request.get_status_display().lower()}"
        )


@transaction.atomic
def access_request_create(
    *, release: Release, researcher: Any, purpose: str, accept_terms: bool
) -> AccessRequest:
    """A researcher asks to download a published release, accepting its DUO terms."""
    if role_of(researcher) != RESEARCHER:
        raise ReleaseForbidden("only researcher accounts request access to releases")
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.status != ReleaseStatus.PUBLISHED:
        raise AccessError(f"this release is {release.get_status_display().lower()}: it takes no requests")
    if not accept_terms:
        raise AccessError("tick the box to accept the release's data-use terms")
    if len(purpose.strip()) < MIN_PURPOSE:
        raise AccessError(
            f"describe the purpose of your research in at least {MIN_PURPOSE} characters"
        )
    mine = AccessRequest.objects.filter(release=release, researcher=researcher)
    if mine.filter(status=AccessRequestStatus.PENDING).exists():
        raise AccessError("you already have a pending request for this release")
    active = AccessGrant.objects.filter(
        release=release, researcher=researcher, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if active.exists():
        raise AccessError("you already have an active grant for this release")
    access_request = AccessRequest.objects.create(
        release=release, researcher=researcher, purpose=purpose.strip(),
        accepted_duo_codes=list(release.duo_codes),
    )
    event_record(action="access.requested", obj=access_request, actor=researcher,
                 organisation=release.organisation,
                 details={"release": release.pk, "accepted_duo": release.duo_codes})
    return access_request


@transaction.atomic
def access_request_approve(
    *, access_request: AccessRequest, custodian: Any, days: int = DEFAULT_GRANT_DAYS
) -> AccessGrant:
    """A custodian of the owning organisation grants download access for ``days`` days."""
    access_request = AccessRequest.objects.select_for_update().select_related("release").get(
        pk=access_request.pk
    )
    release = access_request.release
    require_member(custodian, release.organisation, (Role.CUSTODIAN,), "decide access requests")
    _check_access_transition(access_request, AccessRequestStatus.APPROVED)
    if release.status != ReleaseStatus.PUBLISHED:
        raise AccessError(f"the release is {release.get_status_display().lower()}: it cannot be granted")
    if not (1 <= days <= MAX_GRANT_DAYS):
        raise AccessError(f"a grant lasts between 1 and {MAX_GRANT_DAYS} days; found {days}")
    now = timezone.now()
    access_request.status = AccessRequestStatus.APPROVED
    access_request.decided_by = custodian
    access_request.decided_at = now
    access_request.save()
    grant = AccessGrant.objects.create(
        access_request=access_request, release=release, researcher=access_request.researcher,
        granted_by=custodian, created_at=now, expires_at=now + timedelta(days=days),
    )
    event_record(action="access.approved", obj=access_request, actor=custodian,
                 organisation=release.organisation,
                 details={"grant": grant.pk, "days": days, "expires_at": grant.expires_at.isoformat()})
    return grant


@transaction.atomic
def access_request_reject(*, access_request: AccessRequest, custodian: Any, reason: str) -> AccessRequest:
    access_request = AccessRequest.objects.select_for_update().select_related("release").get(
        pk=access_request.pk
    )
    require_member(custodian, access_request.release.organisation, (Role.CUSTODIAN,),
                    "decide access requests")
    _check_access_transition(access_request, AccessRequestStatus.REJECTED)
    if not reason.strip():
        raise AccessError("give the researcher a reason for the rejection")
    access_request.status = AccessRequestStatus.REJECTED
    access_request.decided_by = custodian
    access_request.decided_at = timezone.now()
    access_request.decision_reason = reason.strip()
    access_request.save()
    event_record(action="access.rejected", obj=access_request, actor=custodian,
                 organisation=access_request.release.organisation, details={"reason": reason.strip()})
    return access_request


@transaction.atomic
def grant_issue_link(*, grant: AccessGrant, researcher: Any) -> str:
    """A new download token for the grant's researcher; the previous one stops working.

    Returns the token itself, which is not stored and cannot be shown again.
    """
    grant = AccessGrant.objects.select_for_update().select_related("release").get(pk=grant.pk)
    if grant.researcher_id != researcher.pk:
        raise ReleaseForbidden("only the researcher the grant was made to may create its link")
    if grant.state != GrantState.ACTIVE:
        raise AccessError(f"this grant is {grant.get_state_display().lower()}: it gives no link")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    replaced = grant.token_hash is not None
    grant.token_hash = token_hash(token)
    grant.token_issued_at = timezone.now()
    grant.save(update_fields=["token_hash", "token_issued_at"])
    event_record(action="grant.link_issued", obj=grant, actor=researcher,
                 organisation=grant.release.organisation, details={"replaced_previous": replaced})
    return token


@transaction.atomic
def grant_revoke(*, grant: AccessGrant, user: Any, reason: str) -> AccessGrant:
    grant = AccessGrant.objects.select_for_update().select_related("release").get(pk=grant.pk)
    require_member(user, grant.release.organisation, (Role.CUSTODIAN,), "revoke grants")
    if grant.revoked_at is not None:
        raise AccessError("this grant is already revoked")
    if not reason.strip():
        raise AccessError("give a reason for revoking the grant")
    grant.revoked_at = timezone.now()
    grant.revoked_by = user
    grant.revoke_reason = reason.strip()
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    event_record(action="grant.revoked", obj=grant, actor=user, organisation=grant.release.organisation,
                 details={"reason": grant.revoke_reason})
    return grant


def grants_stop_for_withdrawal(*, release: Release, user: Any) -> dict[str, int]:
    """Revoke every unrevoked grant and close every pending request (inside the withdrawal)."""
    now = timezone.now()
    reason = f"release withdrawn: {release.withdrawal_reason}"
    revoked = AccessGrant.objects.filter(release=release, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=user, revoke_reason=reason
    )
    closed = AccessRequest.objects.filter(release=release, status=AccessRequestStatus.PENDING).update(
        status=AccessRequestStatus.CLOSED, decided_at=now, decided_by=user, decision_reason=reason
    )
    return {"grants_revoked": revoked, "requests_closed": closed}


@dataclass(frozen=True)
class DownloadClient:
    """Who is downloading, for the log."""

    user: Any
    ip_address: str | None
    user_agent: str


def grant_for_download(*, token: str, user: Any) -> AccessGrant | None:
    """The grant a token opens for ``user``, or None (unknown token, or someone else's)."""
    if not token.startswith(TOKEN_PREFIX) or not getattr(user, "is_authenticated", False):
        return None
    grant = (
        AccessGrant.objects.select_related("release__organisation", "release__bundle")
        .filter(token_hash=token_hash(token)).first()
    )
    if grant is None or grant.researcher_id != user.pk:
        return None
    return grant


@transaction.atomic
def download_record(
    *, grant: AccessGrant, client: DownloadClient, file: str, outcome: str, size: int | None = None
) -> DownloadLog:
    log = DownloadLog.objects.create(
        grant=grant, user=client.user, username=client.user.get_username(), ip_address=client.ip_address,
        user_agent=client.user_agent[:500], file=file[:300], outcome=outcome, bytes=size,
    )
    event_record(
        action="grant.downloaded" if outcome == "served" else "grant.download_refused",
        obj=grant, actor=client.user, organisation=grant.release.organisation,
        details={"file": log.file, "outcome": outcome, "ip": client.ip_address, "download": log.pk},
    )
    return log


def download_authorise(*, grant: AccessGrant, client: DownloadClient, file: str) -> None:
    """Refuse (and log the refusal) unless the grant opens downloads now."""
    state = grant.state
    if state != GrantState.ACTIVE:
        download_record(grant=grant, client=client, file=file, outcome=state)
        raise DownloadRefused(grant, state)
    bundle = getattr(grant.release, "bundle", None)
    if bundle is None or not bundle.files:
        raise AccessError("the release's bundle is not available yet")

"""Releases of audited synthetic sets, their signed bundles, and researchers' access."""

from __future__ import annotations

from accounts.models import Organisation
from django.conf import settings
from django.db import models
from django.utils import timezone
from jobs.models import Job

from .terms import LICENCE_CHOICES


class ReleaseStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved, bundle building"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The one table of legal release transitions; services refuse anything else.
RELEASE_TRANSITIONS: dict[str, frozenset[str]] = {
    ReleaseStatus.PROPOSED: frozenset(
        {ReleaseStatus.APPROVED, ReleaseStatus.REJECTED, ReleaseStatus.WITHDRAWN}
    ),
    ReleaseStatus.APPROVED: frozenset({ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN}),
    ReleaseStatus.PUBLISHED: frozenset({ReleaseStatus.WITHDRAWN}),
    ReleaseStatus.REJECTED: frozenset(),
    ReleaseStatus.WITHDRAWN: frozenset(),
}
ACTIVE_RELEASE_STATUSES = (ReleaseStatus.PROPOSED, ReleaseStatus.APPROVED, ReleaseStatus.PUBLISHED)


class Release(models.Model):
    """A synthetic set offered to researchers, under one organisation's four-eyes approval.

    Everything a researcher sees about the source cohort is copied here at proposal time
    as aggregate counts: the catalogue never reads the cohort itself.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="releases")
    synthetic_set = models.ForeignKey(
        "generation.SyntheticSet", on_delete=models.PROTECT, related_name="releases"
    )
    audit = models.ForeignKey("audit.AuditReport", on_delete=models.PROTECT, related_name="releases")
    title = models.CharField(max_length=200)
    description = models.TextField()
    version = models.CharField(max_length=40)
    licence = models.CharField(max_length=40, choices=LICENCE_CHOICES)
    duo_codes = models.JSONField(default=list)
    population_composition = models.JSONField(default=dict)  # population -> synthetic individuals
    n_individuals = models.PositiveIntegerField()
    n_snps = models.PositiveIntegerField()
    epsilon = models.FloatField(null=True, blank=True)  # None: trained without DP
    audit_verdict = models.CharField(max_length=10)  # "pass" / "fail" when proposed

    status = models.CharField(max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="releases_proposed"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="releases_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    override_justification = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="releases_withdrawn",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "title", "version"], name="release_version_unique_in_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_justification)

    @property
    def in_catalogue(self) -> bool:
        return self.published_at is not None

    @property
    def populations_label(self) -> str:
        return ", ".join(sorted(self.population_composition))


class ReleaseBundle(Job):
    """Building the signed bundle of an approved release (the job) and what it produced."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="bundle")
    name = models.CharField(max_length=200, blank=True)  # the bundle directory's name
    storage_prefix = models.CharField(max_length=300, blank=True)
    files = models.JSONField(default=list, blank=True)  # [{path, size, sha256}], manifest order
    archive_file = models.CharField(max_length=500, blank=True)
    archive_size = models.BigIntegerField(null=True, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    keyid = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"bundle of {self.release}"

    def storage_name(self, path: str) -> str:
        return f"{self.storage_prefix}/{path}"

    @property
    def archive_name(self) -> str:
        return f"{self.name}.tar.gz"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CLOSED = "closed", "Closed (release withdrawn)"


ACCESS_TRANSITIONS: dict[str, frozenset[str]] = {
    AccessRequestStatus.PENDING: frozenset(
        {AccessRequestStatus.APPROVED, AccessRequestStatus.REJECTED, AccessRequestStatus.CLOSED}
    ),
    AccessRequestStatus.APPROVED: frozenset(),
    AccessRequestStatus.REJECTED: frozenset(),
    AccessRequestStatus.CLOSED: frozenset(),
}


class AccessRequest(models.Model):
    """A researcher's request to download a release, with the purpose and the terms accepted."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="access_requests")
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    purpose = models.TextField()
    accepted_duo_codes = models.JSONField(default=list)  # the terms as shown when accepted
    status = models.CharField(
        max_length=20, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"request #{self.pk} by {self.researcher} for {self.release}"


class GrantState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    WITHDRAWN = "withdrawn", "Release withdrawn"


class AccessGrant(models.Model):
    """Permission to download one release until ``expires_at``, through a secret link.

    Only the SHA-256 of the link's token is stored: the token itself is shown once, to
    the researcher, and a database leak gives no working link.
    """

    access_request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="grants")
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants"
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"grant #{self.pk} to {self.researcher} for {self.release}"

    @property
    def state(self) -> str:
        """Why the grant does or does not open downloads now (withdrawal first)."""
        if self.release.status == ReleaseStatus.WITHDRAWN:
            return GrantState.WITHDRAWN
        if self.revoked_at is not None:
            return GrantState.REVOKED
        if self.expires_at <= timezone.now():
            return GrantState.EXPIRED
        return GrantState.ACTIVE

    def get_state_display(self) -> str:
        return GrantState(self.state).label


class DownloadLog(models.Model):
    """One download attempt through a grant's link: served or refused, and why."""

    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    file = models.CharField(max_length=300)
    outcome = models.CharField(max_length=20)  # "served" or a GrantState that refused it
    bytes = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} {self.file} at {self.at:%Y-%m-%d %H:%M}"

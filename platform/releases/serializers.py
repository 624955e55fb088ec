"""API representations. Read-only views of models; every write goes through a service."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import AccessGrant, AccessRequest, Release
from .selectors import built_bundle
from .terms import duo_terms


class DataUseTermSerializer(serializers.Serializer):
    code = serializers.CharField()
    shorthand = serializers.CharField()
    label = serializers.CharField()


class AuditSummarySerializer(serializers.Serializer):
    verdict = serializers.CharField()
    headline = serializers.JSONField()
    failing_checks = serializers.JSONField()
    policy_version = serializers.IntegerField()
    override_justification = serializers.CharField(allow_null=True)


class BundleSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    archive_size = serializers.IntegerField()
    archive_sha256 = serializers.CharField()
    manifest_sha256 = serializers.CharField()
    keyid = serializers.CharField()
    files = serializers.JSONField()


class ReleaseSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    data_use = serializers.SerializerMethodField()
    audit = serializers.SerializerMethodField()
    bundle = serializers.SerializerMethodField()
    manifest_url = serializers.SerializerMethodField()
    envelope_url = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id", "title", "version", "description", "organisation", "licence", "data_use",
            "population_composition", "n_individuals", "n_snps", "epsilon", "status",
            "published_at", "withdrawn_at", "withdrawal_reason", "audit", "bundle",
            "manifest_url", "envelope_url",
        ]

    @extend_schema_field(DataUseTermSerializer(many=True))
    def get_data_use(self, release: Release) -> list[dict[str, str]]:
        return [term.as_json() for term in duo_terms(release.duo_codes)]

    @extend_schema_field(AuditSummarySerializer)
    def get_audit(self, release: Release) -> dict[str, Any]:
        audit = release.audit
        return {
            "verdict": audit.verdict, "headline": audit.headline, "failing_checks": audit.failing_checks,
            "policy_version": audit.policy.version,
            "override_justification": release.override_justification or None,
        }

    @extend_schema_field(BundleSummarySerializer(allow_null=True))
    def get_bundle(self, release: Release) -> dict[str, Any] | None:
        bundle = built_bundle(release)
        if bundle is None:
            return None
        return {
            "name": bundle.name, "archive_size": bundle.archive_size, "archive_sha256": bundle.archive_sha256,
            "manifest_sha256": bundle.manifest_sha256, "keyid": bundle.keyid, "files": bundle.files,
        }

    def _absolute(self, name: str, release: Release) -> str:
        path = reverse(name, args=[release.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_manifest_url(self, release: Release) -> str:
        return self._absolute("api_release_manifest", release)

    def get_envelope_url(self, release: Release) -> str:
        return self._absolute("api_release_envelope", release)


class AccessRequestSerializer(serializers.ModelSerializer):
    release_title = serializers.CharField(source="release.title")
    grant = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = ["id", "release", "release_title", "purpose", "accepted_duo_codes", "status",
                  "created_at", "decided_at", "decision_reason", "grant"]

    def get_grant(self, access_request: AccessRequest) -> int | None:
        grant = getattr(access_request, "grant", None)
        return grant.pk if grant is not None else None


class AccessRequestCreateSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    accept_terms = serializers.BooleanField(
        help_text="true: you accept the release's data-use terms (its DUO codes)."
    )


class AccessGrantSerializer(serializers.ModelSerializer):
    release_title = serializers.CharField(source="release.title")
    state = serializers.CharField()

    class Meta:
        model = AccessGrant
        fields = ["id", "release", "release_title", "created_at", "expires_at", "state",
                  "token_issued_at", "revoked_at", "revoke_reason"]


class DownloadLinkSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once: only its SHA-256 is stored.")
    download_url = serializers.CharField()
    archive_url = serializers.CharField()
    expires_at = serializers.DateTimeField()


class DownloadListingSerializer(serializers.Serializer):
    release = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    archive = serializers.CharField()
    files = serializers.JSONField()


class PublicKeySerializer(serializers.Serializer):
    keyid = serializers.CharField()
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="base64 of the 32 raw Ed25519 public key bytes")
    public_key_pem = serializers.CharField()
    created = serializers.CharField()
    retired = serializers.CharField(allow_null=True)
    active = serializers.BooleanField()

"""Reads for releases: staff views scoped to their organisation, the catalogue for all.

The catalogue shows only what has been published (and, marked as such, what was
withdrawn after publication): never a proposal, never a rejected release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from accounts.models import Organisation
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from jobs.models import JobStatus

from .models import (
    AccessGrant,
    AccessRequest,
    AccessRequestStatus,
    Release,
    ReleaseBundle,
    ReleaseStatus,
)
from .verify_bundle import ENVELOPE_NAME, MANIFEST_NAME

_RELATED = ("organisation", "proposed_by", "decided_by", "audit__policy", "bundle")


def releases_of(organisation: Organisation) -> QuerySet[Release]:
    return Release.objects.filter(organisation=organisation).select_related(*_RELATED)


def release_of_organisation(organisation: Organisation, pk: int) -> Release:
    """The release, or 404 when it belongs to another organisation."""
    return get_object_or_404(releases_of(organisation), pk=pk)


def releases_awaiting_approval(organisation: Organisation) -> QuerySet[Release]:
    return releases_of(organisation).filter(status=ReleaseStatus.PROPOSED)


def synthetic_sets_ready_for_release(organisation: Organisation) -> QuerySet[Any]:
    """Audited synthetic sets of the organisation that no active release already uses."""
    from generation.models import SyntheticSet

    return (
        SyntheticSet.objects.filter(
            run__cohort__organisation=organisation, status=JobStatus.SUCCEEDED,
            audit__status=JobStatus.SUCCEEDED,
        )
        .exclude(releases__status__in=[
            ReleaseStatus.PROPOSED, ReleaseStatus.APPROVED, ReleaseStatus.PUBLISHED,
        ])
        .select_related("run__cohort", "audit")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class CatalogueFilter:
    population: str = ""
    min_snps: int | None = None
    max_snps: int | None = None
    max_epsilon: float | None = None
    include_withdrawn: bool = True


def catalogue_releases(filters: CatalogueFilter | None = None) -> QuerySet[Release]:
    filters = filters or CatalogueFilter()
    releases = Release.objects.filter(published_at__isnull=False).filter(
        status__in=[ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN]
    )
    if not filters.include_withdrawn:
        releases = releases.filter(status=ReleaseStatus.PUBLISHED)
    if filters.population:
        releases = releases.filter(population_composition__has_key=filters.population)
    if filters.min_snps is not None:
        releases = releases.filter(n_snps__gte=filters.min_snps)
    if filters.max_snps is not None:
        releases = releases.filter(n_snps__lte=filters.max_snps)
    if filters.max_epsilon is not None:
        releases = releases.filter(epsilon__isnull=False, epsilon__lte=filters.max_epsilon)
    return releases.select_related(*_RELATED).order_by("status", "-published_at")


def catalogue_release(pk: int) -> Release:
    """A release in the catalogue, or 404 (proposals and rejections are not public)."""
    return get_object_or_404(catalogue_releases(), pk=pk)


def catalogue_populations() -> list[str]:
    names: set[str] = set()
    for composition in catalogue_releases().values_list("population_composition", flat=True):
        names.update(composition or {})
    return sorted(names)


def requests_of_researcher(user: Any) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(researcher=user).select_related(
        "release__organisation", "grant"
    )


def grants_of_researcher(user: Any) -> QuerySet[AccessGrant]:
    return AccessGrant.objects.filter(researcher=user).select_related("release__organisation")


def grant_of_researcher(user: Any, pk: int) -> AccessGrant:
    return get_object_or_404(grants_of_researcher(user).select_related("release__bundle"), pk=pk)


def request_of_researcher(user: Any, pk: int) -> AccessRequest:
    return get_object_or_404(requests_of_researcher(user), pk=pk)


def latest_request_for(user: Any, release: Release) -> AccessRequest | None:
    return requests_of_researcher(user).filter(release=release).first()


def access_requests_of(organisation: Organisation) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(release__organisation=organisation).select_related(
        "release", "researcher__researcher_profile", "decided_by", "grant"
    )


def pending_access_requests(organisation: Organisation) -> QuerySet[AccessRequest]:
    return access_requests_of(organisation).filter(status=AccessRequestStatus.PENDING)


def access_request_of_organisation(organisation: Organisation, pk: int) -> AccessRequest:
    return get_object_or_404(access_requests_of(organisation), pk=pk)


def grants_of_release(release: Release) -> QuerySet[AccessGrant]:
    return AccessGrant.objects.filter(release=release).select_related("researcher", "release")


def built_bundle(release: Release) -> ReleaseBundle | None:
    bundle = getattr(release, "bundle", None)
    try:
        bundle = ReleaseBundle.objects.get(release=release) if bundle is None else bundle
    except ReleaseBundle.DoesNotExist:
        return None
    return bundle if bundle.status == JobStatus.SUCCEEDED and bundle.files else None


def bundle_file(bundle: ReleaseBundle, path: str) -> tuple[str, int]:
    """Storage name and size of one file the manifest lists (404 for anything else)."""
    entry = next((e for e in bundle.files if e["path"] == path), None)
    if entry is None:
        raise Http404("no such file in this bundle")
    return bundle.storage_name(path), int(entry["size"])


def _read_json(bundle: ReleaseBundle, path: str) -> dict[str, Any]:
    name, _ = bundle_file(bundle, path)
    with default_storage.open(name, "rb") as stored:
        return json.loads(stored.read())


def signed_documents(release: Release) -> tuple[bytes, bytes]:
    """The bytes of manifest.json and manifest.dsse.json, as in the bundle (404 if none)."""
    bundle = built_bundle(release)
    if bundle is None:
        raise Http404("this release has no signed bundle yet")
    contents = []
    for path in (MANIFEST_NAME, ENVELOPE_NAME):
        name, _ = bundle_file(bundle, path)
        with default_storage.open(name, "rb") as stored:
            contents.append(stored.read())
    return contents[0], contents[1]


def release_manifest(release: Release) -> dict[str, Any]:
    manifest, _ = signed_documents(release)
    return json.loads(manifest)


"""Serving bundle files through a grant: shared by the download pages and the API."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

from .access_services import DownloadClient, download_authorise, download_record
from .models import AccessGrant, GrantState
from .selectors import bundle_file

ARCHIVE = "archive"

# How a refusal reads to people and programs: expired and withdrawn are gone for good
# (410); a revoked grant is a decision against this user (403).
REFUSAL_STATUS = {GrantState.EXPIRED: 410, GrantState.WITHDRAWN: 410, GrantState.REVOKED: 403}
REFUSAL_TEXT = {
    GrantState.EXPIRED: "This download link has expired. Request access again from the release page.",
    GrantState.REVOKED: "This grant was revoked by the data custodian; its link no longer works.",
    GrantState.WITHDRAWN: "This release has been withdrawn by its custodian: it can no longer be downloaded.",
}


def client_of(request: HttpRequest) -> DownloadClient:
    return DownloadClient(
        user=request.user,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def serve(request: HttpRequest, grant: AccessGrant, path: str) -> FileResponse:
    """The file (or, for ``archive``, the whole .tar.gz); logs it, or raises DownloadRefused."""
    client = client_of(request)
    download_authorise(grant=grant, client=client, file=path)
    bundle = grant.release.bundle
    if path == ARCHIVE:
        name, size, filename = bundle.archive_file, bundle.archive_size, bundle.archive_name
    else:
        name, size = bundle_file(bundle, path)
        filename = PurePosixPath(path).name
    if not default_storage.exists(name):
        raise Http404("the bundle file is missing from storage")
    response = FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename=filename)
    download_record(grant=grant, client=client, file=path, outcome="served", size=size)
    return response

"""The REST API: the catalogue, access requests, grants, downloads, manifests and keys.

Token authentication (``Authorization: Token <key>``; researchers create theirs on the
"My access" page or with ``manage.py create_api_token``). Thin views: check access,
call the same selectors and services as the pages, serialise.
"""

from __future__ import annotations

from typing import Any

from accounts.selectors import RESEARCHER, role_of
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .access_services import (
    DownloadRefused,
    access_request_create,
    grant_for_download,
    grant_issue_link,
)
from .downloads import ARCHIVE, REFUSAL_STATUS, REFUSAL_TEXT, serve
from .models import GrantState
from .selectors import (
    CatalogueFilter,
    built_bundle,
    catalogue_release,
    catalogue_releases,
    grant_of_researcher,
    grants_of_researcher,
    request_of_researcher,
    requests_of_researcher,
    signed_documents,
)
from .serializers import (
    AccessGrantSerializer,
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    DownloadLinkSerializer,
    DownloadListingSerializer,
    PublicKeySerializer,
    ReleaseSerializer,
)
from .services import ReleaseError, ReleaseForbidden
from .signing import public_keys


class IsResearcher(permissions.BasePermission):
    message = "Only researcher accounts may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and role_of(request.user) == RESEARCHER)


def _number(request: Request, name: str, kind: type) -> Any:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise ValidationError({name: f"expected a number; found {raw!r}"}) from None
    if value < 0:
        raise ValidationError({name: "must not be negative"})
    return value


class ReleaseListApi(APIView):
    @extend_schema(
        summary="The catalogue: published releases (and withdrawn ones, marked so)",
        parameters=[
            OpenApiParameter("population", str, description="releases that include this population"),
            OpenApiParameter("min_snps", int), OpenApiParameter("max_snps", int),
            OpenApiParameter("max_epsilon", float, description="DP releases with ε spent at most this"),
        ],
        responses=ReleaseSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = CatalogueFilter(
            population=request.query_params.get("population", ""),
            min_snps=_number(request, "min_snps", int), max_snps=_number(request, "max_snps", int),
            max_epsilon=_number(request, "max_epsilon", float),
        )
        releases = catalogue_releases(filters)
        return Response(ReleaseSerializer(releases, many=True, context={"request": request}).data)


class ReleaseDetailApi(APIView):
    @extend_schema(summary="One catalogue release, with its audit summary", responses=ReleaseSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReleaseSerializer(catalogue_release(pk), context={"request": request}).data)


class ReleaseManifestApi(APIView):
    @extend_schema(summary="manifest.json, byte for byte as in the bundle", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> HttpResponse:
        manifest, _ = signed_documents(catalogue_release(pk))
        return HttpResponse(manifest, content_type="application/json")


class ReleaseEnvelopeApi(APIView):
    @extend_schema(summary="manifest.dsse.json: the signed DSSE envelope", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> HttpResponse:
        _, envelope = signed_documents(catalogue_release(pk))
        return HttpResponse(envelope, content_type="application/json")


def _refusal(error: ReleaseError) -> Exception:
    return PermissionDenied(str(error)) if isinstance(error, ReleaseForbidden) else ValidationError(
        {"detail": str(error)}
    )


class AccessRequestCreateApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="Request access to a release", request=AccessRequestCreateSerializer,
                   responses={201: AccessRequestSerializer})
    def post(self, request: Request, pk: int) -> Response:
        release = catalogue_release(pk)
        payload = AccessRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            access_request = access_request_create(
                release=release, researcher=request.user, purpose=payload.validated_data["purpose"],
                accept_terms=payload.validated_data["accept_terms"],
            )
        except ReleaseError as error:
            raise _refusal(error) from None
        return Response(AccessRequestSerializer(access_request).data, status=status.HTTP_201_CREATED)


class AccessRequestListApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="Your access requests", responses=AccessRequestSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AccessRequestSerializer(requests_of_researcher(request.user), many=True).data)


class AccessRequestDetailApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="One of your access requests", responses=AccessRequestSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AccessRequestSerializer(request_of_researcher(request.user, pk)).data)


class GrantListApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="Your grants", responses=AccessGrantSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AccessGrantSerializer(grants_of_researcher(request.user), many=True).data)


class GrantDetailApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="One of your grants", responses=AccessGrantSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AccessGrantSerializer(grant_of_researcher(request.user, pk)).data)


class GrantLinkApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="A new download token for your grant (the previous one stops working)",
                   request=None, responses={201: DownloadLinkSerializer})
    def post(self, request: Request, pk: int) -> Response:
        grant = grant_of_researcher(request.user, pk)
        try:
            token = grant_issue_link(grant=grant, researcher=request.user)
        except ReleaseError as error:
            raise _refusal(error) from None
        listing = request.build_absolute_uri(reverse("api_download", args=[token]))
        archive = request.build_absolute_uri(reverse("api_download_archive", args=[token]))
        response = Response(
            DownloadLinkSerializer({"token": token, "download_url": listing, "archive_url": archive,
                                    "expires_at": grant.expires_at}).data,
            status=status.HTTP_201_CREATED,
        )
        response["Cache-Control"] = "no-store"
        return response


def _grant_or_404(request: Request, token: str) -> Any:
    grant = grant_for_download(token=token, user=request.user)
    if grant is None:
        raise Http404("no download link matches this token for your account")
    return grant


def _refused(state: str) -> Response:
    return Response({"detail": REFUSAL_TEXT[GrantState(state)], "state": state},
                    status=REFUSAL_STATUS[GrantState(state)])


class DownloadListApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="What a download token opens: the bundle's files",
                   responses={200: DownloadListingSerializer, 403: OpenApiTypes.OBJECT, 410: OpenApiTypes.OBJECT})
    def get(self, request: Request, token: str) -> Response:
        grant = _grant_or_404(request, token)
        if grant.state != GrantState.ACTIVE:
            return _refused(grant.state)
        bundle = built_bundle(grant.release)
        files = [
            {**entry, "url": request.build_absolute_uri(reverse("api_download_file", args=[token, entry["path"]]))}
            for entry in (bundle.files if bundle else [])
        ]
        return Response(DownloadListingSerializer({
            "release": grant.release_id, "expires_at": grant.expires_at,
            "archive": request.build_absolute_uri(reverse("api_download_archive", args=[token])),
            "files": files,
        }).data)


class DownloadFileApi(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(summary="Download one bundle file, or the whole archive (every download is logged)",
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              403: OpenApiTypes.OBJECT, 410: OpenApiTypes.OBJECT})
    def get(self, request: Request, token: str, path: str = ARCHIVE) -> FileResponse | Response:
        grant = _grant_or_404(request, token)
        try:
            return serve(request, grant, path)
        except DownloadRefused as refusal:
            return _refused(refusal.state)
        except ReleaseError as error:
            raise Http404(str(error)) from None


class PublicKeysApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Every public key that ever signed a manifest", responses=PublicKeySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([record.as_json() for record in public_keys()])

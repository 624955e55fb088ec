"""Researcher pages: the catalogue, release pages, access requests, grants and downloads."""

from __future__ import annotations

from accounts.access import roles_required
from accounts.selectors import RESEARCHER, role_of
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .access_services import (
    DownloadRefused,
    access_request_create,
    grant_for_download,
    grant_issue_link,
)
from .api_tokens import api_token_create, api_token_exists
from .downloads import ARCHIVE, REFUSAL_STATUS, REFUSAL_TEXT, serve
from .forms import AccessRequestForm, CatalogueFilterForm
from .models import AccessGrant, GrantState, Release, ReleaseStatus
from .selectors import (
    CatalogueFilter,
    built_bundle,
    catalogue_populations,
    catalogue_release,
    catalogue_releases,
    grant_of_researcher,
    grants_of_researcher,
    latest_request_for,
    requests_of_researcher,
    signed_documents,
)
from .services import ReleaseError, ReleaseForbidden
from .terms import duo_terms

researcher_required = roles_required(RESEARCHER)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None, populations=catalogue_populations())
    filters = CatalogueFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = CatalogueFilter(population=data["population"] or "", min_snps=data["min_snps"],
                                  max_snps=data["max_snps"], max_epsilon=data["max_epsilon"])
    return render(request, "releases/catalogue.html", {"form": form, "releases": catalogue_releases(filters)})


def _release_page(request: HttpRequest, release: Release, form: AccessRequestForm | None = None,
                  status: int = 200) -> HttpResponse:
    is_researcher = role_of(request.user) == RESEARCHER
    my_request = latest_request_for(request.user, release) if is_researcher else None
    grant = getattr(my_request, "grant", None) if my_request else None
    waiting = my_request is not None and (
        my_request.status == "pending" or (grant is not None and grant.state == GrantState.ACTIVE)
    )
    return render(request, "releases/release_page.html", {
        "release": release,
        "audit": release.audit,
        "terms": duo_terms(release.duo_codes),
        "bundle": built_bundle(release),
        "is_researcher": is_researcher,
        "my_request": my_request,
        "can_request": is_researcher and release.status == ReleaseStatus.PUBLISHED and not waiting,
        "form": form or AccessRequestForm(),
    }, status=status)


@login_required
def catalogue_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _release_page(request, catalogue_release(pk))


@login_required
def release_manifest_view(request: HttpRequest, pk: int) -> HttpResponse:
    manifest, _ = signed_documents(catalogue_release(pk))
    return HttpResponse(manifest, content_type="application/json")


@login_required
def release_envelope_view(request: HttpRequest, pk: int) -> HttpResponse:
    _, envelope = signed_documents(catalogue_release(pk))
    return HttpResponse(envelope, content_type="application/json")


@require_POST
@researcher_required
def access_request_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    release = catalogue_release(pk)
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        try:
            access_request_create(release=release, researcher=request.user,
                                  purpose=form.cleaned_data["purpose"],
                                  accept_terms=form.cleaned_data["accept_terms"])
        except ReleaseForbidden as error:
            raise PermissionDenied(str(error)) from None
        except ReleaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Request sent; a custodian of the releasing biobank decides.")
            return redirect("my_access")
    return _release_page(request, release, form=form, status=400)


@researcher_required
def my_access(request: HttpRequest) -> HttpResponse:
    return render(request, "releases/my_access.html", {
        "requests": requests_of_researcher(request.user),
        "grants": grants_of_researcher(request.user),
        "has_api_token": api_token_exists(request.user),
    })


@require_POST
@researcher_required
def api_token_view(request: HttpRequest) -> HttpResponse:
    token = api_token_create(user=request.user)
    return render(request, "releases/api_token.html", {"token": token})


def _grant_page(request: HttpRequest, grant: AccessGrant, token: str = "") -> HttpResponse:
    return render(request, "releases/grant.html", {
        "grant": grant, "token": token, "bundle": built_bundle(grant.release),
        "downloads": grant.downloads.all()[:50], "active": grant.state == GrantState.ACTIVE,
    })


@researcher_required
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _grant_page(request, grant_of_researcher(request.user, pk))


@require_POST
@researcher_required
def grant_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    grant = grant_of_researcher(request.user, pk)
    try:
        token = grant_issue_link(grant=grant, researcher=request.user)
    except ReleaseError as error:
        messages.error(request, str(error))
        return redirect("grant_detail", pk=grant.pk)
    response = _grant_page(request, grant, token=token)
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, grant: AccessGrant, state: str) -> HttpResponse:
    return render(request, "releases/download_refused.html", {
        "grant": grant, "state": state, "message": REFUSAL_TEXT[GrantState(state)],
    }, status=REFUSAL_STATUS[GrantState(state)])


def _grant_for(request: HttpRequest, token: str) -> AccessGrant:
    grant = grant_for_download(token=token, user=request.user)
    if grant is None:
        raise Http404("no download link matches this address for your account")
    return grant


@researcher_required
def download_landing(request: HttpRequest, token: str) -> HttpResponse:
    grant = _grant_for(request, token)
    state = grant.state
    if state != GrantState.ACTIVE:
        return _refused(request, grant, state)
    return render(request, "releases/download.html", {
        "grant": grant, "token": token, "bundle": built_bundle(grant.release),
    })


@researcher_required
def download_file(request: HttpRequest, token: str, path: str = ARCHIVE) -> HttpResponse:
    grant = _grant_for(request, token)
    try:
        return serve(request, grant, path)
    except DownloadRefused as refusal:
        return _refused(request, grant, refusal.state)
    except ReleaseError as error:
        raise Http404(str(error)) from None

"""Staff pages: proposing, deciding, withdrawing releases; deciding access requests."""

from __future__ import annotations

from typing import Any

from accounts.access import custodian_required, roles_required, staff_member_required
from accounts.models import Role
from accounts.selectors import role_of
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .access_services import access_request_approve, access_request_reject, grant_revoke
from .forms import GrantDecisionForm, ReasonForm, ReleaseDecisionForm, ReleaseProposalForm
from .models import AccessGrant, Release, ReleaseStatus
from .selectors import (
    access_request_of_organisation,
    access_requests_of,
    grants_of_release,
    release_of_organisation,
    releases_of,
    synthetic_sets_ready_for_release,
)
from .services import (
    ReleaseError,
    ReleaseForbidden,
    bundle_retry,
    release_approve,
    release_propose,
    release_reject,
    release_withdraw,
)
from .terms import duo_terms


@staff_member_required
def release_list(request: HttpRequest) -> HttpResponse:
    releases = releases_of(request.organisation)  # type: ignore[attr-defined]
    return render(request, "releases/list.html", {"releases": releases})


@custodian_required
def release_propose_view(request: HttpRequest) -> HttpResponse:
    synthetic_sets = synthetic_sets_ready_for_release(request.organisation)  # type: ignore[attr-defined]
    form = ReleaseProposalForm(
        request.POST or None, synthetic_sets=synthetic_sets,
        initial={"synthetic_set": request.GET.get("synthetic_set")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = release_propose(
                synthetic_set=data["synthetic_set"], proposer=request.user, title=data["title"],
                description=data["description"], version=data["version"], licence=data["licence"],
                duo_codes=data["duo_codes"],
            )
        except ReleaseForbidden as error:
            raise PermissionDenied(str(error)) from None
        except ReleaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{release} proposed; a reviewer of your organisation decides next.")
            return redirect("release_detail", pk=release.pk)
    return render(request, "releases/propose.html", {"form": form, "has_sets": synthetic_sets.exists()})


def _detail(request: HttpRequest, release: Release, status: int = 200, **forms: Any) -> HttpResponse:
    user_id = request.user.pk
    can_decide = (
        release.status == ReleaseStatus.PROPOSED
        and role_of(request.user) == Role.REVIEWER
        and release.proposed_by_id != user_id
    )
    context = {
        "release": release,
        "bundle": getattr(release, "bundle", None),
        "terms": duo_terms(release.duo_codes),
        "audit": release.audit,
        "can_decide": can_decide,
        "decision_form": forms.get("decision_form") or ReleaseDecisionForm(),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(),
        "can_withdraw": release.status in (ReleaseStatus.PROPOSED, ReleaseStatus.APPROVED, ReleaseStatus.PUBLISHED),
        "access_requests": access_requests_of(request.organisation).filter(release=release),  # type: ignore[attr-defined]
        "grants": grants_of_release(release),
    }
    return render(request, "releases/detail.html", context, status=status)


def _staff_release(request: HttpRequest, pk: int) -> Release:
    return release_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]


@staff_member_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _staff_release(request, pk))


@require_POST
@roles_required(Role.REVIEWER)
def release_decide(request: HttpRequest, pk: int) -> HttpResponse:
    release = _staff_release(request, pk)
    form = ReleaseDecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, release, status=400, decision_form=form)
    data = form.cleaned_data
    try:
        if data["decision"] == "approve":
            release_approve(release=release, reviewer=request.user, comment=data["comment"],
                            override_justification=data["override_justification"])
            messages.success(request, "Approved: the signed bundle is being built.")
        else:
            release_reject(release=release, reviewer=request.user, comment=data["comment"])
            messages.success(request, "Rejected; the proposer sees your comment.")
    except ReleaseForbidden as error:
        raise PermissionDenied(str(error)) from None
    except ReleaseError as error:
        form.add_error(None, str(error))
        return _detail(request, release, status=400, decision_form=form)
    return redirect("release_detail", pk=release.pk)


@require_POST
@staff_member_required
def release_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    release = _staff_release(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail(request, release, status=400, withdraw_form=form)
    try:
        release_withdraw(release=release, user=request.user, reason=form.cleaned_data["reason"])
    except ReleaseForbidden as error:
        raise PermissionDenied(str(error)) from None
    except ReleaseError as error:
        form.add_error(None, str(error))
        return _detail(request, release, status=400, withdraw_form=form)
    messages.success(request, "Withdrawn: every grant is stopped and the catalogue marks it withdrawn.")
    return redirect("release_detail", pk=release.pk)


@require_POST
@custodian_required
def release_bundle_retry(request: HttpRequest, pk: int) -> HttpResponse:
    release = _staff_release(request, pk)
    try:
        bundle_retry(release=release, user=request.user)
    except ReleaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The bundle is queued again.")
    return redirect("release_detail", pk=release.pk)


@staff_member_required
def release_progress(request: HttpRequest, pk: int) -> HttpResponse:
    release = _staff_release(request, pk)
    bundle = getattr(release, "bundle", None)
    if bundle is None:
        return HttpResponse(status=204)
    response = render(request, "jobs/progress.html", {"job": bundle, "poll_url": request.path})
    if bundle.is_terminal:
        response["HX-Refresh"] = "true"
    return response


@custodian_required
def access_request_list(request: HttpRequest) -> HttpResponse:
    requests = access_requests_of(request.organisation)  # type: ignore[attr-defined]
    return render(request, "releases/access_requests.html", {
        "pending": requests.filter(status="pending"), "decided": requests.exclude(status="pending")[:50],
    })


@custodian_required
def access_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    form = GrantDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                access_request_approve(access_request=access_request, custodian=request.user, days=data["days"])
                messages.success(request, f"Access granted for {data['days']} days.")
            else:
                access_request_reject(access_request=access_request, custodian=request.user,
                                      reason=data["reason"] or "")
                messages.success(request, "Request rejected; the researcher sees your reason.")
        except ReleaseForbidden as error:
            raise PermissionDenied(str(error)) from None
        except ReleaseError as error:
            form.add_error(None, str(error))
        else:
            return redirect("access_request_detail", pk=access_request.pk)
    return render(request, "releases/access_request_detail.html", {
        "access_request": access_request, "form": form, "revoke_form": ReasonForm(),
        "terms": duo_terms(access_request.accepted_duo_codes),
        "grant": AccessGrant.objects.filter(access_request=access_request).first(),
    }, status=400 if form.errors else 200)


@require_POST
@custodian_required
def grant_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    grant = AccessGrant.objects.filter(access_request=access_request).first()
    form = ReasonForm(request.POST)
    if grant is None or not form.is_valid():
        messages.error(request, "Give a reason for revoking the grant.")
    else:
        try:
            grant_revoke(grant=grant, user=request.user, reason=form.cleaned_data["reason"])
        except ReleaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Grant revoked: its download link no longer works.")
    return redirect("access_request_detail", pk=access_request.pk)

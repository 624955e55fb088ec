"""Audit pages: list, report with plots and live progress, downloads, re-run; the policy."""

from __future__ import annotations

from accounts.access import custodian_required, staff_member_required
from accounts.models import Role
from accounts.selectors import role_of
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from jobs.models import JobStatus

from . import presentation
from .forms import PolicyForm
from .selectors import policy_versions, report_of_organisation, reports_of
from .services import (
    AuditRequestError,
    PolicyError,
    audit_queue,
    audit_rerun,
    policy_current,
    policy_update,
)


@staff_member_required
def audit_list(request: HttpRequest) -> HttpResponse:
    reports = reports_of(request.organisation)  # type: ignore[attr-defined]
    return render(request, "audit/list.html", {"reports": reports})


@staff_member_required
def audit_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    context: dict[str, object] = {"report": report, "job": report}
    if report.status == JobStatus.SUCCEEDED:
        context.update(presentation.report_context(report))
    return render(request, "audit/detail.html", context)


@staff_member_required
def audit_report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    response = render(request, "jobs/progress.html", {"job": report, "poll_url": request.path})
    if report.is_terminal:
        response["HX-Refresh"] = "true"
    return response


DOWNLOADS = {
    "json": ("json_file", "application/json"),
    "html": ("html_file", "text/html; charset=utf-8"),
}


def _download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    report = report_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    field, content_type = DOWNLOADS[kind]
    name = getattr(report, field)
    if report.status != JobStatus.SUCCEEDED or not name or not default_storage.exists(name):
        raise Http404("This audit has no report to download yet.")
    return FileResponse(
        default_storage.open(name, "rb"), as_attachment=True, content_type=content_type,
        filename=f"audit-{report.pk}-synthetic-set-{report.synthetic_set_id}-report.{kind}",
    )


@staff_member_required
def audit_report_json(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, pk, "json")


@staff_member_required
def audit_report_html(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, pk, "html")


@require_POST
@custodian_required
def audit_report_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    try:
        report = audit_rerun(report=report, user=request.user)
    except AuditRequestError as error:
        messages.error(request, str(error))
    else:
        if report.status == JobStatus.SUCCEEDED:
            messages.success(
                request, f"Judged again on policy v{report.policy.version}: {report.get_verdict_display()}."
            )
        else:
            messages.success(request, "The audit is queued to run again.")
    return redirect("audit_report_detail", pk=report.pk)


@require_POST
@custodian_required
def audit_start(request: HttpRequest, synthetic_set_pk: int) -> HttpResponse:
    """Audit a synthetic set by hand (sampling queues it by itself); idempotent."""
    from generation.selectors import synthetic_set_of_organisation

    synthetic_set = synthetic_set_of_organisation(request.organisation, synthetic_set_pk)  # type: ignore[attr-defined]
    try:
        report = audit_queue(synthetic_set=synthetic_set, user=request.user)
    except AuditRequestError as error:
        messages.error(request, str(error)[0].upper() + str(error)[1:])
        return redirect("synthetic_set_detail", pk=synthetic_set.pk)
    return redirect("audit_report_detail", pk=report.pk)


@staff_member_required
def release_policy(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    can_edit = role_of(request.user) == Role.CUSTODIAN
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only custodians change the release policy.")
    current = policy_current(organisation=organisation)
    form = PolicyForm(request.POST or None, thresholds=current.thresholds) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            policy = policy_update(
                organisation=organisation, user=request.user, thresholds=form.thresholds(),
                note=form.cleaned_data["note"],
            )
        except PolicyError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"Release policy v{policy.version} saved.")
            return redirect("release_policy")
    return render(request, "audit/policy.html", {
        "policy": current,
        "thresholds": presentation.threshold_rows(current.thresholds),
        "history": presentation.policy_history(policy_versions(organisation)),
        "form": form,
    }, status=400 if form is not None and form.errors else 200)

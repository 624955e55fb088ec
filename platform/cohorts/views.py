"""Cohort pages: list, upload, detail with live ingestion progress, re-upload."""

from __future__ import annotations

from accounts.access import custodian_required, staff_member_required
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from jobs.models import JobStatus

from . import charts
from .forms import CohortUploadForm, upload_limit_message
from .selectors import cohort_of_organisation, cohorts_of
from .services import CohortError, cohort_register


@staff_member_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = cohorts_of(request.organisation)  # type: ignore[attr-defined]
    return render(request, "cohorts/list.html", {"cohorts": cohorts})


def _too_large(request: HttpRequest) -> bool:
    # Refuse before Django reads the body: an oversized upload never reaches the disk.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.SYNTHOME_MAX_UPLOAD_BYTES + 1024**2


@custodian_required
def cohort_upload(request: HttpRequest) -> HttpResponse:
    form = CohortUploadForm()
    refusal = ""
    if request.method == "POST":
        if _too_large(request):
            refusal = (f"The upload is larger than the limit of {upload_limit_message()}. "
                       "Split the file by chromosome, or ask an administrator to raise the limit.")
        else:
            form = CohortUploadForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    cohort = cohort_register(
                        organisation=request.organisation,  # type: ignore[attr-defined]
                        user=request.user,
                        name=data["name"],
                        description=data["description"],
                        source=data["vcf"],
                        filename=data["vcf"].name,
                        size=data["vcf"].size,
                        panel=data["panel"],
                        holdout_fraction=data["holdout_fraction"],
                        split_seed=data["split_seed"],
                    )
                except CohortError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, f"Cohort {cohort.name} uploaded; ingestion has started.")
                    return redirect("cohort_detail", pk=cohort.pk)
    return render(
        request, "cohorts/upload.html",
        {"form": form, "limit": upload_limit_message(), "refusal": refusal},
        status=413 if refusal else 200,
    )


@staff_member_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    context: dict[str, object] = {"cohort": cohort, "job": cohort}
    if cohort.status == JobStatus.SUCCEEDED:
        summary = cohort.summary or {}
        if summary.get("allele_frequency_spectrum"):
            context["spectrum_svg"] = mark_safe(  # noqa: S308  (matplotlib output)
                charts.allele_frequency_spectrum_svg(summary["allele_frequency_spectrum"])
            )
        if summary.get("pca"):
            context["pca_svg"] = mark_safe(charts.pca_svg(summary["pca"]))  # noqa: S308
        context["dropped"] = sorted((cohort.qc.get("dropped") or {}).items())
    if cohort.status == JobStatus.FAILED:
        context["form"] = CohortUploadForm(initial={
            "name": cohort.name, "description": cohort.description,
            "holdout_fraction": cohort.holdout_fraction, "split_seed": cohort.split_seed,
        })
    return render(request, "cohorts/detail.html", context)


@staff_member_required
def cohort_progress(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    response = render(request, "jobs/progress.html", {"job": cohort, "poll_url": request.path})
    if cohort.is_terminal:
        response["HX-Refresh"] = "true"
    return response

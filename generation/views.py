"""Run and synthetic-set pages: list, form, detail with live progress, cancel, sample.

Every view checks access first: researchers get 403, another organisation's runs and
sets 404, and only custodians start, cancel or sample (reviewers may look).
"""

from __future__ import annotations

from typing import Any

from accounts.access import custodian_required, staff_member_required
from cohorts.selectors import cohort_of_organisation
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from .charts import sparklines
from .forms import RunForm, SampleForm
from .models import GeneratorRun
from .selectors import (
    audit_report_for,
    generator_choices,
    run_hyperparameters,
    run_of_organisation,
    run_populations,
    runs_of,
    synthetic_set_of_organisation,
)
from .services import GenerationError, run_cancel, run_create, sample_create


@staff_member_required
def run_list(request: HttpRequest) -> HttpResponse:
    runs = runs_of(request.organisation)  # type: ignore[attr-defined]
    return render(request, "generation/run_list.html", {"runs": runs})


@custodian_required
def run_new(request: HttpRequest, cohort_pk: int) -> HttpResponse:
    cohort = cohort_of_organisation(request.organisation, cohort_pk)  # type: ignore[attr-defined]
    submitted = request.POST if request.method == "POST" else None
    form = RunForm(submitted, model_name=RunForm.selected_model(request.POST or request.GET))
    if submitted is not None and form.is_valid():
        try:
            run = run_create(cohort=cohort, user=request.user, **form.service_arguments())
        except GenerationError as error:
            form.add_generation_error(error)
        else:
            messages.success(request, f"Run {run.pk} ({run.model_name}) is queued for training.")
            return redirect("run_detail", pk=run.pk)
    context = {"cohort": cohort, "form": form, "generators": generator_choices()}
    status = 400 if submitted is not None else 200
    return render(request, "generation/run_form.html", context, status=status)


def _run_context(run: GeneratorRun) -> dict[str, Any]:
    latest = run.latest_progress
    return {
        "run": run,
        "job": run,
        "latest": latest,
        "hyperparameters": run_hyperparameters(run),
        "charts": [{**chart, "svg": mark_safe(chart["svg"])}  # noqa: S308  (built from numbers, names escaped)
                   for chart in sparklines(run.progress_history or [])],
    }


@staff_member_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    populations = run_populations(run)
    context = {
        **_run_context(run),
        "synthetic_sets": run.synthetic_sets.select_related("created_by"),
        "sample_form": SampleForm(populations=populations, level=run.label_level),
    }
    return render(request, "generation/run_detail.html", context)


@staff_member_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    response = render(request, "generation/run_progress.html",
                      {**_run_context(run), "poll_url": request.path})
    if run.is_terminal:
        response["HX-Refresh"] = "true"
    return response


@custodian_required
@require_POST
def run_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    try:
        run = run_cancel(run=run, user=request.user)
    except GenerationError as error:
        messages.error(request, str(error))
        return redirect("run_detail", pk=run.pk)
    if run.is_terminal:
        messages.success(request, f"Run {run.pk} is cancelled.")
    else:
        messages.info(request, f"Run {run.pk} stops after its current epoch and keeps its checkpoint.")
    return redirect("run_detail", pk=run.pk)


@custodian_required
@require_POST
def sample_new(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    form = SampleForm(request.POST, populations=run_populations(run), level=run.label_level)
    if form.is_valid():
        try:
            synthetic_set = sample_create(
                run=run, user=request.user, n_individuals=form.cleaned_data["n_individuals"],
                population=form.cleaned_data.get("population") or None, seed=form.cleaned_data["seed"],
            )
        except GenerationError as error:
            form.add_generation_error(error)
        else:
            messages.success(request, f"Sampling {synthetic_set.n_individuals} individuals.")
            return redirect("synthetic_set_detail", pk=synthetic_set.pk)
    context = {**_run_context(run), "synthetic_sets": run.synthetic_sets.all(), "sample_form": form}
    return render(request, "generation/run_detail.html", context, status=400)


@staff_member_required
def synthetic_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    synthetic_set = synthetic_set_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    context = {"synthetic_set": synthetic_set, "run": synthetic_set.run, "job": synthetic_set,
               "audit_report": audit_report_for(synthetic_set)}
    return render(request, "generation/synthetic_set_detail.html", context)


@staff_member_required
def synthetic_set_progress(request: HttpRequest, pk: int) -> HttpResponse:
    synthetic_set = synthetic_set_of_organisation(request.organisation, pk)  # type: ignore[attr-defined]
    response = render(request, "jobs/progress.html", {"job": synthetic_set, "poll_url": request.path})
    if synthetic_set.is_terminal:
        response["HX-Refresh"] = "true"
    return response

"""Sign-up and the per-role dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import ResearcherSignupForm
from .selectors import organisation_of, role_of
from .services import researcher_signup


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = ResearcherSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = researcher_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            affiliation=form.cleaned_data["affiliation"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Synthome. Browse the catalogue to request data.")
        return redirect("dashboard")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from .dashboards import dashboard_context

    role = role_of(request.user)
    context = dashboard_context(request.user, role, organisation_of(request.user))
    return render(request, "accounts/dashboard.html", {"role": role, **context})

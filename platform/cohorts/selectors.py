"""Reads for cohorts, always scoped to the user's organisation."""

from __future__ import annotations

from accounts.models import Organisation
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Cohort


def cohorts_of(organisation: Organisation) -> QuerySet[Cohort]:
    return Cohort.objects.filter(organisation=organisation).select_related("created_by")


def cohort_of_organisation(organisation: Organisation, pk: int) -> Cohort:
    """The cohort, or 404 when it belongs to another organisation."""
    return get_object_or_404(Cohort, pk=pk, organisation=organisation)

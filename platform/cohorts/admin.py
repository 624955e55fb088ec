from django.contrib import admin

from .models import Cohort


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "status", "n_samples", "n_variants", "created_at")
    list_filter = ("organisation", "status")
    readonly_fields = [f.name for f in Cohort._meta.fields]

from django.contrib import admin

from .models import GeneratorRun, SyntheticSet


@admin.register(GeneratorRun)
class GeneratorRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "cohort", "model_name", "status", "target_epsilon", "epsilon_spent", "created_at")
    list_filter = ("status", "model_name", "cohort__organisation")
    readonly_fields = [f.name for f in GeneratorRun._meta.fields]


@admin.register(SyntheticSet)
class SyntheticSetAdmin(admin.ModelAdmin):
    list_display = ("pk", "run", "n_individuals", "population", "status", "created_at")
    list_filter = ("status", "run__cohort__organisation")
    readonly_fields = [f.name for f in SyntheticSet._meta.fields]

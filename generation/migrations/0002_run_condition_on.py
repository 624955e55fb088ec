from django.db import migrations, models


def unconditional_runs_condition_on_nothing(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Runs made before the choice existed: those that learnt no labels say so."""
    GeneratorRun = apps.get_model("generation", "GeneratorRun")
    # the models that could condition when this migration was written
    conditional = ["autoregressive"]
    GeneratorRun.objects.exclude(model_name__in=conditional).update(condition_on="none")
    GeneratorRun.objects.filter(cohort__populations={}).update(condition_on="none")


class Migration(migrations.Migration):

    dependencies = [
        ("generation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="generatorrun",
            name="condition_on",
            field=models.CharField(
                choices=[("population", "Population"), ("superpopulation", "Superpopulation"),
                         ("none", "Nothing (one mixture)")],
                default="population", max_length=20,
            ),
        ),
        migrations.RunPython(unconditional_runs_condition_on_nothing, migrations.RunPython.noop),
    ]

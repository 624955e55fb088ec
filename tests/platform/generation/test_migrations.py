"""Migration 0002: runs made before the "condition on" choice get what they really learnt."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("generation", "0001_initial")]
AFTER = [("generation", "0002_run_condition_on")]


def _migrate(targets: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_earlier_runs_record_what_they_were_conditioned_on(custodian) -> None:  # type: ignore[no-untyped-def]
    apps = _migrate(BEFORE)
    try:
        Cohort = apps.get_model("cohorts", "Cohort")
        Run = apps.get_model("generation", "GeneratorRun")
        owner = {"organisation_id": custodian.membership.organisation_id, "created_by_id": custodian.pk}
        with_panel = Cohort.objects.create(name="panel", source_file="x", source_filename="x.vcf",
                                           populations={"POP0": {"train": 2, "holdout": 1}}, **owner)
        without_panel = Cohort.objects.create(name="bare", source_file="y", source_filename="y.vcf",
                                              populations={}, **owner)
        runs = {
            "conditional": Run.objects.create(cohort=with_panel, model_name="autoregressive",
                                              created_by_id=custodian.pk).pk,
            "unconditional model": Run.objects.create(cohort=with_panel, model_name="rbm",
                                                      created_by_id=custodian.pk).pk,
            "no panel": Run.objects.create(cohort=without_panel, model_name="autoregressive",
                                           created_by_id=custodian.pk).pk,
        }
        apps = _migrate(AFTER)
        Run = apps.get_model("generation", "GeneratorRun")
        assert {name: Run.objects.get(pk=pk).condition_on for name, pk in runs.items()} == {
            "conditional": "population", "unconditional model": "none", "no panel": "none",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

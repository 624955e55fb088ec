"""python manage.py import_cohort PATH --name NAME --org ORG [--panel TSV] [--holdout 0.2]"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from accounts.models import Organisation, Role
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from jobs.models import JobStatus

from cohorts.models import Cohort
from cohorts.services import CohortError, cohort_ingest, cohort_register


class Command(BaseCommand):
    help = "Register and ingest a VCF/VCF.gz/BCF cohort (runs ingestion in this process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--name", required=True)
        parser.add_argument("--org", required=True, help="organisation name or slug")
        parser.add_argument("--panel", type=Path, help="sample panel TSV")
        parser.add_argument("--holdout", type=float, default=0.2, help="holdout fraction (default 0.2)")
        parser.add_argument("--seed", type=int, default=0, help="split seed (default 0)")
        parser.add_argument("--user", help="custodian username recorded as the registrant")
        parser.add_argument("--description", default="")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        panel = Path(str(options["panel"])) if options["panel"] else None
        for given in filter(None, (path, panel)):
            if not given.is_file():
                raise CommandError(f"{given} does not exist or is not a file")
        organisation = (
            Organisation.objects.filter(slug=options["org"]).first()
            or Organisation.objects.filter(name=options["org"]).first()
        )
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"no organisation {options['org']!r}; known: {known}")
        user = self._registrant(organisation, options["user"])  # type: ignore[arg-type]
        with ExitStack() as files:
            source = files.enter_context(open(path, "rb"))
            panel_file = files.enter_context(open(panel, "rb")) if panel else None
            try:
                cohort = cohort_register(
                    organisation=organisation,
                    user=user,
                    name=str(options["name"]),
                    description=str(options["description"]),
                    source=source,
                    filename=path.name,
                    size=path.stat().st_size,
                    panel=panel_file,
                    holdout_fraction=float(options["holdout"]),  # type: ignore[arg-type]
                    split_seed=int(options["seed"]),  # type: ignore[call-overload]
                    queue=False,
                )
            except CohortError as error:
                raise CommandError(str(error)) from None
        cohort_ingest(cohort_id=cohort.pk)
        cohort = Cohort.objects.get(pk=cohort.pk)
        if cohort.status != JobStatus.SUCCEEDED:
            raise CommandError(f"cohort {cohort.name!r} failed: {cohort.error_message}")
        self.stdout.write(
            f"cohort {cohort.name} (id {cohort.pk}) ingested: "
            f"{'phased' if cohort.phased else 'unphased'}, dropped={sum(cohort.qc['dropped'].values())} "
            f"haplotypes={cohort.n_haplotypes} snps={cohort.n_variants} "
            f"populations={cohort.n_populations} holdout={cohort.n_holdout_samples * 2}"
        )

    def _registrant(self, organisation: Organisation, username: str | None):  # type: ignore[no-untyped-def]
        custodians = get_user_model().objects.filter(
            membership__organisation=organisation, membership__role=Role.CUSTODIAN
        )
        if username:
            user = custodians.filter(username=username).first()
            if user is None:
                raise CommandError(f"{username!r} is not a custodian of {organisation}")
            return user
        user = custodians.order_by("pk").first()
        if user is None:
            print(f"{organisation} has no custodian: create one first", file=sys.stderr)
            raise CommandError(f"{organisation} has no custodian to register the cohort")
        return user

"""Create the demo organisation, its users, and import the demo cohort (idempotent)."""

from __future__ import annotations

from pathlib import Path

from cohorts.models import Cohort
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from jobs.models import JobStatus

from accounts.models import Role
from accounts.services import member_create, organisation_get_or_create, researcher_signup

DEMO_ORGANISATION = "Demo Biobank"
DEMO_COHORT = "1000 Genomes 805 SNPs"
DEMO_USERS = (
    ("custodian", "custodian"),
    ("reviewer", "reviewer"),
    ("researcher", "researcher"),
)
DEMO_PASSWORD = "synthome-demo"


class Command(BaseCommand):
    help = "Create demo users (custodian, reviewer, researcher) and import the demo cohort."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-cohort", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        organisation = organisation_get_or_create(name=DEMO_ORGANISATION)
        users = get_user_model().objects
        for username, role in DEMO_USERS:
            if users.filter(username=username).exists():
                continue
            if role == "researcher":
                researcher_signup(
                    username=username, email="researcher@example.org", password=DEMO_PASSWORD,
                    affiliation="Example University",
                )
            else:
                member_create(
                    username=username, password=DEMO_PASSWORD, organisation=organisation,
                    role=Role(role), email=f"{username}@example.org",
                )
        if not users.filter(username="admin").exists():
            users.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
        data = Path(settings.BASE_DIR) / "data" / "1000g_805"
        cohort = Cohort.objects.filter(organisation=organisation, name=DEMO_COHORT).first()
        if not options["skip_cohort"] and (cohort is None or cohort.status != JobStatus.SUCCEEDED):
            call_command(
                "import_cohort", str(data / "genotypes.vcf.gz"), name=DEMO_COHORT,
                org=organisation.slug, panel=str(data / "samples.tsv"), seed=42,
                description="Yelmen et al. 2021 benchmark: 2504 individuals of 26 populations, "
                "805 ancestry-informative SNPs.",
            )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in (*DEMO_USERS, ("admin", "staff/admin")):
            self.stdout.write(f"  {role:<12} {username}")

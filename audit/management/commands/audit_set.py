"""python manage.py audit_set SYNTHETIC_SET_ID [--rejudge]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from jobs.models import JobStatus

from audit.models import AuditReport
from audit.services import AuditRequestError, audit_queue, audit_rerun, audit_run
from generation.models import SyntheticSet


class Command(BaseCommand):
    help = ("Audit a synthetic set in this process, on its organisation's current release "
            "policy, and print the verdict (the same service the Celery task runs).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("synthetic_set_id", type=int)
        parser.add_argument(
            "--rejudge", action="store_true",
            help="an already finished audit: judge it again on the current policy",
        )

    def handle(self, *args: object, **options: object) -> None:
        pk = int(options["synthetic_set_id"])  # type: ignore[call-overload]
        synthetic_set = SyntheticSet.objects.filter(pk=pk).first()
        if synthetic_set is None:
            raise CommandError(f"no synthetic set with id {pk}")
        try:
            report = audit_queue(synthetic_set=synthetic_set, queue=False)
            if report.status in (JobStatus.FAILED, JobStatus.CANCELLED) or (
                report.status == JobStatus.SUCCEEDED and options["rejudge"]
            ):
                report = audit_rerun(report=report, user=None, queue=False)
        except AuditRequestError as error:
            raise CommandError(str(error)) from None
        if report.status == JobStatus.QUEUED:
            if audit_run(report_id=report.pk) is None:
                raise CommandError(f"audit {report.pk} is being run by another worker")
        elif report.status == JobStatus.RUNNING:
            raise CommandError(f"audit {report.pk} is being run by {report.worker or 'a worker'}")
        else:
            self.stdout.write(f"synthetic set {pk} was audited before (audit {report.pk})")
        report = AuditReport.objects.select_related("policy").get(pk=report.pk)
        if report.status != JobStatus.SUCCEEDED:
            raise CommandError(f"audit {report.pk} failed: {report.error_message}")
        self.stdout.write(
            f"synthetic set {pk}: {report.verdict.upper()} "
            f"(audit {report.pk}, release policy v{report.policy.version}, "
            f"{len(report.failing_checks)} failing checks)"
        )
        for check in report.failing_checks:
            self.stdout.write(f"  FAIL {check['message']}")

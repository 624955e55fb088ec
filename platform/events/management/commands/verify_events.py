"""python manage.py verify_events: check the event log's hash chain end to end."""

from django.core.management.base import BaseCommand, CommandError

from events.services import events_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident event log (exit 1 and name the first broken event)."

    def handle(self, *args: object, **options: object) -> None:
        check = events_verify()
        if not check.ok:
            raise CommandError(f"event log BROKEN at event #{check.first_broken}: {check.reason}")
        self.stdout.write(f"event log intact: {check.events} events, hash chain verified")

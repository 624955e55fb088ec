"""python manage.py create_api_token USER: a new API token for a user (replaces the old one)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from releases.api_tokens import api_token_create


class Command(BaseCommand):
    help = "Create (or replace) the REST API token of USER and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        self.stdout.write(api_token_create(user=user))

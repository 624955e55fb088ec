"""python manage.py rotate_signing_key: a new active Ed25519 key; old public keys stay published."""

from django.core.management.base import BaseCommand

from releases.signing import public_keys, rotate_signing_key


class Command(BaseCommand):
    help = (
        "Create a new active signing key for release manifests. The previous key's public half "
        "stays published (old releases keep verifying); its private half is deleted."
    )

    def handle(self, *args: object, **options: object) -> None:
        record = rotate_signing_key()
        retired = [r.keyid for r in public_keys() if not r.active]
        self.stdout.write(f"new active key {record.keyid} (created {record.created})")
        if retired:
            self.stdout.write(f"still published for verification: {', '.join(retired)}")

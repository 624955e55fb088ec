"""python manage.py verify_release BUNDLE_DIR: check a bundle's signature and every file.

The same verification as the verify_bundle.py script inside every bundle (one module).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from releases.signing import SigningKeyError, public_keys
from releases.verify_bundle import KeyFileError, load_public_keys, verify_bundle


class Command(BaseCommand):
    help = "Verify a release bundle directory against the platform's public keys (or --key FILE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle_dir")
        parser.add_argument("--key", action="append", default=[],
                            help="a PEM public key or keys JSON instead of the platform's keys")

    def handle(self, *args: object, **options: object) -> None:
        try:
            if options["key"]:
                keys = {}
                for path in options["key"]:  # type: ignore[attr-defined]
                    keys.update(load_public_keys(path))
            else:
                keys = {record.keyid: record.public_key for record in public_keys()}
        except (KeyFileError, SigningKeyError) as error:
            raise CommandError(str(error)) from None
        result = verify_bundle(options["bundle_dir"], keys)  # type: ignore[arg-type]
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"bundle verification FAILED: {len(result.problems)} problem(s)")
        self.stdout.write(
            f"bundle verified: signature by key {result.keyid}; {result.files_checked} files match "
            "the signed manifest"
        )

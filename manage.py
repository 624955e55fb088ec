#!/usr/bin/env python
"""Django's command-line utility for Synthome."""

import os
import sys
from pathlib import Path


def main() -> None:
    # platform/ is a plain folder on sys.path, never a package: a platform/__init__.py
    # would shadow the standard library's `platform`, which torch, Django and Celery import.
    root = Path(__file__).resolve().parent
    sys.path[:0] = [str(root), str(root / "platform")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""The Celery application. Workers run as ``celery -A config worker``."""

import os
import sys
from pathlib import Path

_root = Path(__file__).resolve().parents[2]
for entry in (str(_root), str(_root / "platform")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from celery import Celery  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")

app = Celery("synthome")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

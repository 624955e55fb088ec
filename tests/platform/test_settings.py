"""Settings come from the environment; production refuses to run half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k" * 20 + "-a-long-random-production-secret-key-0123456789"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**base, **env})


def test_production_check_deploy_reports_nothing(tmp_path: Path) -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "DEBUG",
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/synthome",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0", DJANGO_ALLOWED_HOSTS="synthome.example.org",
        SYNTHOME_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_secret() -> None:
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production",
                     DATABASE_URL="postgres://x@127.0.0.1/x", CELERY_BROKER_URL="redis://127.0.0.1")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY_FILE=str(secret_file),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/synthome", CELERY_BROKER_URL="redis://127.0.0.1",
        DJANGO_ALLOWED_HOSTS="synthome.example.org", SYNTHOME_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == SECRET


def test_demo_defaults_to_sqlite_and_in_process_tasks(tmp_path: Path) -> None:
    result = _manage(
        "shell", "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)",
        DJANGO_SETTINGS_MODULE="config.settings.demo", SYNTHOME_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.sqlite3 True"


def test_a_bad_integer_setting_is_refused(tmp_path: Path) -> None:
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.demo",
                     SYNTHOME_MAX_UPLOAD_BYTES="lots", SYNTHOME_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "SYNTHOME_MAX_UPLOAD_BYTES must be an integer" in result.stderr

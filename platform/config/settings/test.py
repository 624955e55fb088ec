"""Tests: PostgreSQL and Redis, as in production."""

from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403
from .base import VAR_DIR
from .env import env_str

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synthome"),  # type: ignore[arg-type]
    )
}
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "test-media")))  # type: ignore[arg-type]
SYNTHOME_SIGNING_KEY_DIR = Path(env_str("SYNTHOME_SIGNING_KEY_DIR", str(VAR_DIR / "test-keys")))  # type: ignore[arg-type]
SYNTHOME_MAX_UPLOAD_BYTES = 5 * 1024**2
# Results let a test wait on a task that the real worker ran.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/14")

# Static files straight from templates/static, no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Test runs may overlap on one machine (several developers, CI): each gets its own test
# database and its own Redis key space, inherited by the Celery worker it starts.
import os  # noqa: E402

TEST_RUN_ID = os.environ.setdefault("SYNTHOME_TEST_RUN_ID", str(os.getpid()))
DATABASES["default"]["TEST"] = {"NAME": f"test_synthome_{TEST_RUN_ID}"}
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"synthome-test-{TEST_RUN_ID}:"}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"synthome-test-{TEST_RUN_ID}:"}

"""The zero-setup demo: SQLite file, tasks in-process unless CELERY_BROKER_URL is set."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

from .base import VAR_DIR  # noqa: E402

VAR_DIR.mkdir(parents=True, exist_ok=True)
# SQLite under the demo's background thread: wait for a lock rather than fail.
DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["timeout"] = 30  # noqa: F405

# Static files straight from templates/static, no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

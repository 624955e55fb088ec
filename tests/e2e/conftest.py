"""Browser fixtures for the end-to-end suite."""

from browser import browser, new_page  # noqa: F401  (pytest fixtures)

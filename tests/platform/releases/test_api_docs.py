"""The API's documentation pages load nothing from another host."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_api_docs_are_served_from_our_own_static_files(client, settings, url: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assets = [a for a in ASSET.findall(html) if a.endswith((".js", ".css", ".png"))]
    assert assets, f"no script or stylesheet found on {url}"
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL) or asset.startswith("/" + settings.STATIC_URL), asset
        path = asset.split(settings.STATIC_URL, 1)[1]
        assert finders.find(path), f"{asset} is not among the static files"
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html

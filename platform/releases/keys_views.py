"""The published signing keys, at a stable address anyone can fetch (no sign-in)."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control

from . import verify_bundle
from .signing import public_key, public_keys


@cache_control(public=True, max_age=300)
def keys_json(request: HttpRequest) -> JsonResponse:
    """Every key that ever signed a manifest: ``[{keyid, algorithm, public_key, created, active}]``."""
    return JsonResponse([record.as_json() for record in public_keys()], safe=False)


@cache_control(public=True, max_age=300)
def key_pem(request: HttpRequest, keyid: str) -> HttpResponse:
    record = public_key(keyid)
    if record is None:
        raise Http404("no published key has this id")
    response = HttpResponse(record.pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'inline; filename="{keyid}.pem"'
    return response


@cache_control(public=True, max_age=300)
def verifier_script(request: HttpRequest) -> HttpResponse:
    """The standalone verifier, the same file every bundle carries."""
    response = HttpResponse(Path(verify_bundle.__file__).read_bytes(), content_type="text/x-python")
    response["Content-Disposition"] = 'attachment; filename="verify_bundle.py"'
    return response

"""View decorators that check access first (healthchecks style).

A user outside the organisation that owns an object gets 404, never 403: another
organisation's objects must not even be confirmed to exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role
from .selectors import membership_of, role_of

View = Callable[..., HttpResponse]


def roles_required(*roles: str) -> Callable[[View], View]:
    """Signed-in users with one of ``roles``; others get 403 (anonymous: the login page)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if role_of(request.user) not in roles:
                raise PermissionDenied("Your role does not give access to this page.")
            request.organisation = (  # type: ignore[attr-defined]
                membership.organisation if (membership := membership_of(request.user)) else None
            )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


custodian_required = roles_required(Role.CUSTODIAN)
staff_member_required = roles_required(Role.CUSTODIAN, Role.REVIEWER)

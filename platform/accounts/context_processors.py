"""Template context: the signed-in user's role, for the navigation."""

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    from .selectors import role_of

    user = getattr(request, "user", None)
    return {"role": role_of(user) if user is not None and user.is_authenticated else None}

"""API tokens for researchers' scripts (DRF token authentication)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from events.services import event_record
from rest_framework.authtoken.models import Token


@transaction.atomic
def api_token_create(*, user: Any) -> str:
    """A new API token for ``user``; any previous one stops working."""
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    event_record(action="api_token.created", obj=user, actor=user, details={"replaced_previous": replaced})
    return token.key


def api_token_exists(user: Any) -> bool:
    return Token.objects.filter(user=user).exists()

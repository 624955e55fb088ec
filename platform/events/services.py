"""Appending to and verifying the event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Organisation
from django.db import connection, models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, Event

_LOCK_KEY = 0x5E7E17  # PostgreSQL advisory lock: one appender at a time keeps the chain linear


def _json_safe(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


@transaction.atomic
def event_record(
    *,
    action: str,
    obj: models.Model,
    actor: Any = None,
    organisation: Organisation | None = None,
    details: dict[str, Any] | None = None,
) -> Event:
    """Append one event, chained to the previous one (call inside the change's transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = Event.objects.select_for_update().order_by("-sequence").first()
    actor_name = "system"
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_username()
    event = Event(
        sequence=(last.sequence + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_name=actor_name,
        organisation=organisation,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        details=_json_safe(details or {}),
        previous_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    event.save()
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_broken: int | None = None
    reason: str = ""


def events_verify() -> ChainCheck:
    """Recompute every hash and link; report the first event that does not match."""
    previous = GENESIS_HASH
    expected_sequence = 1
    count = 0
    for event in Event.objects.order_by("sequence").iterator():
        count += 1
        if event.sequence != expected_sequence:
            return ChainCheck(False, count, event.sequence, f"sequence gap before #{event.sequence}")
        if event.previous_hash != previous:
            return ChainCheck(False, count, event.sequence, "link to the previous event broken")
        if event.compute_hash() != event.hash:
            return ChainCheck(False, count, event.sequence, "content changed after it was recorded")
        previous = event.hash
        expected_sequence += 1
    return ChainCheck(True, count)

"""Reads of the event log, scoped to one organisation."""

from __future__ import annotations

from typing import Any

from accounts.models import Organisation
from django.db.models import QuerySet

from .models import Event
from .services import ChainCheck


def events_of(organisation: Organisation, action: str = "") -> QuerySet[Event]:
    events = Event.objects.filter(organisation=organisation)
    if action:
        events = events.filter(action=action)
    return events.order_by("-sequence")


def actions_of(organisation: Organisation) -> list[str]:
    return sorted(set(Event.objects.filter(organisation=organisation).values_list("action", flat=True)))


def event_as_json(event: Event) -> dict[str, Any]:
    """Everything the hash covers, plus the hash: enough to recompute it outside the platform."""
    return {
        "sequence": event.sequence,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_name,
        "organisation": event.organisation_id,
        "action": event.action,
        "object": [event.object_type, event.object_id],
        "details": event.details,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def chain_status_for(organisation: Organisation, check: ChainCheck) -> dict[str, Any]:
    """The chain check as an organisation may see it: another organisation's broken event
    is reported as broken without naming it."""
    status: dict[str, Any] = {"ok": check.ok, "events": check.events}
    if not check.ok:
        own = Event.objects.filter(sequence=check.first_broken, organisation=organisation).exists()
        status["first_broken"] = check.first_broken if own else None
        status["reason"] = check.reason if own else "at an event outside your organisation"
    return status

"""One row per state change; each row's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json

from accounts.models import Organisation
from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class Event(models.Model):
    sequence = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # kept if the account is deleted
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    action = models.CharField(max_length=80)  # e.g. "cohort.registered", "release.approved"
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["organisation", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id} by {self.actor_name}"

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself, in a fixed form."""
        return json.dumps(
            {
                "sequence": self.sequence,
                "created_at": self.created_at.isoformat(),
                "actor": self.actor_name,
                "organisation": self.organisation_id,
                "action": self.action,
                "object": [self.object_type, self.object_id],
                "details": self.details,
                "previous_hash": self.previous_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

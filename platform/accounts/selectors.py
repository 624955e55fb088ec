"""Who a user is on the platform: their role and organisation."""

from __future__ import annotations

from typing import Any

from .models import Membership, Organisation, Role

RESEARCHER = "researcher"


def membership_of(user: Any) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user: Any) -> str | None:
    """``"custodian"``, ``"reviewer"``, ``"researcher"``, or None (anonymous / staff only)."""
    membership = membership_of(user)
    if membership is not None:
        return membership.role
    if user.is_authenticated and hasattr(user, "researcher_profile"):
        return RESEARCHER
    return None


def organisation_of(user: Any) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


def is_custodian(user: Any) -> bool:
    return role_of(user) == Role.CUSTODIAN


def is_reviewer(user: Any) -> bool:
    return role_of(user) == Role.REVIEWER

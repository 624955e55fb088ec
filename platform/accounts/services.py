"""Writes for organisations, members and researchers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organisation, ResearcherProfile, Role


class AccountError(ValueError):
    """A request about accounts that cannot be carried out."""


@transaction.atomic
def organisation_get_or_create(*, name: str) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=name, defaults={"slug": slugify(name)[:60] or "organisation"}
    )
    return organisation


@transaction.atomic
def member_create(
    *, username: str, password: str, organisation: Organisation, role: str, email: str = ""
) -> AbstractBaseUser:
    if role not in Role.values:
        raise AccountError(f"role must be one of {', '.join(Role.values)}; found {role!r}")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(f"the username {username!r} is taken")
    user = user_model.objects.create_user(username=username, password=password, email=email)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@transaction.atomic
def researcher_signup(
    *, username: str, email: str, password: str, affiliation: str
) -> AbstractBaseUser:
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(f"the username {username!r} is taken")
    user = user_model.objects.create_user(username=username, email=email, password=password)
    ResearcherProfile.objects.create(user=user, affiliation=affiliation)
    return user

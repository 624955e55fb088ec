"""Sign-up, sign-in, password reset, dashboards and the admin, from the outside."""

from __future__ import annotations

import re

import pytest
from accounts.models import ResearcherProfile
from accounts.selectors import role_of
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_researcher_signs_up_and_lands_on_the_dashboard(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("signup"), {
        "username": "newbie", "email": "newbie@example.org", "affiliation": "Uni",
        "password1": "a-long-unusual-pass-123", "password2": "a-long-unusual-pass-123",
    })
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    profile = ResearcherProfile.objects.get(user__username="newbie")
    assert role_of(profile.user) == "researcher"
    assert client.get(reverse("dashboard")).status_code == 200


def test_signup_keeps_input_and_explains_errors(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("signup"), {
        "username": "newbie", "email": "not-an-email", "affiliation": "",
        "password1": "abc", "password2": "abd",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="newbie"' in page and "Enter a valid email address" in page
    assert "didn’t match" in page or "didn't match" in page
    assert not ResearcherProfile.objects.exists()


def test_login_and_logout(client, custodian) -> None:  # type: ignore[no-untyped-def]
    from factories import PASSWORD

    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    assert "North Biobank" in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_is_refused(client, custodian) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("login"), {"username": "carol", "password": "wrong"})
    assert response.status_code == 200 and "Please enter a correct username and password" in response.content.decode()


def test_password_reset_by_email(client, researcher) -> None:  # type: ignore[no-untyped-def]
    client.post(reverse("password_reset"), {"email": "remy@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "another-long-pass-987", "new_password2": "another-long-pass-987"})
    assert response.status_code == 302
    assert client.login(username="remy", password="another-long-pass-987")


def test_roles(custodian, reviewer, researcher, django_user_model) -> None:  # type: ignore[no-untyped-def]
    assert [role_of(u) for u in (custodian, reviewer, researcher)] == ["custodian", "reviewer", "researcher"]
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert role_of(nobody) is None


def test_only_staff_reach_the_admin(client, custodian, researcher, admin_client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(custodian)
    assert client.get("/admin/").status_code == 302
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/cohorts/cohort/").status_code == 200


def test_demo_seed_is_idempotent_and_prints_logins(capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("seed_demo", skip_cohort=True)
    call_command("seed_demo", skip_cohort=True)
    out = capsys.readouterr().out
    assert "custodian" in out and "synthome-demo" in out
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username__in=["custodian", "reviewer", "researcher", "admin"]).count() == 4

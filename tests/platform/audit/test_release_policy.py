"""The policy page: thresholds with descriptions, custodians edit, reviewers read, history."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/audits/policy/"


def _form(**changes):  # type: ignore[no-untyped-def]
    from audit.metrics.policy import Policy

    data = {name: "" if value is None else value for name, value in Policy().to_dict().items()}
    data["note"] = "Tighter privacy for the autumn release."
    data.update(changes)
    return data


def test_the_url_name() -> None:
    assert reverse("release_policy") == URL


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_researcher_is_refused(researcher_client) -> None:  # type: ignore[no-untyped-def]
    assert researcher_client.get(URL).status_code == 403
    assert researcher_client.post(URL, _form()).status_code == 403


def test_another_organisations_policy_is_never_shown(custodian_client, other_organisation, other_custodian) -> None:  # type: ignore[no-untyped-def]
    from audit.services import policy_update

    policy_update(organisation=other_organisation, user=other_custodian,
                  thresholds={"privacy_loss_max": 0.0123}, note="South only")
    page = custodian_client.get(URL).content.decode()
    assert "0.0123" not in page and "South only" not in page and "v1" in page


def test_reviewer_reads_the_policy_without_a_form(reviewer_client) -> None:  # type: ignore[no-untyped-def]
    response = reviewer_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "AATS(holdout) - AATS(train)" in page  # thresholds come with their descriptions
    assert 'name="privacy_loss_max"' not in page and "Only custodians change" in page


def test_reviewer_cannot_change_the_policy(reviewer_client, organisation) -> None:  # type: ignore[no-untyped-def]
    from audit.models import ReleasePolicy

    assert reviewer_client.post(URL, _form(privacy_loss_max=0.01)).status_code == 403
    assert not ReleasePolicy.objects.filter(organisation=organisation, version__gt=1).exists()


def test_custodian_gets_the_form_filled_with_the_current_thresholds(custodian_client) -> None:  # type: ignore[no-untyped-def]
    page = custodian_client.get(URL).content.decode()
    assert 'name="privacy_loss_max"' in page and 'value="0.05"' in page
    assert "Save as version 2" in page


def test_custodian_saves_a_new_version_shown_in_the_history(custodian_client, custodian, organisation) -> None:  # type: ignore[no-untyped-def]
    from audit.selectors import policy_latest

    response = custodian_client.post(URL, _form(privacy_loss_max=0.02, epsilon_max=5))
    assert response.status_code == 302 and response["Location"] == URL
    latest = policy_latest(organisation)
    assert latest.version == 2 and latest.created_by == custodian
    assert latest.thresholds["privacy_loss_max"] == 0.02 and latest.thresholds["epsilon_max"] == 5
    page = custodian_client.get(URL).content.decode()
    history = page[page.index("<h2>History</h2>"):]
    assert "v2" in history and "v1" in history and custodian.username in history
    assert "privacy_loss_max" in history and "0.05 → 0.02" in history and "off → 5" in history
    assert "Tighter privacy for the autumn release." in history
    assert latest.created_at.strftime("%Y-%m-%d %H:%M") in history


def test_a_blank_threshold_switches_the_check_off(custodian_client, organisation) -> None:  # type: ignore[no-untyped-def]
    from audit.selectors import policy_latest

    custodian_client.post(URL, _form(mia_tpr_at_1pct_fpr_max=""))
    assert policy_latest(organisation).thresholds["mia_tpr_at_1pct_fpr_max"] is None


def test_an_out_of_range_threshold_is_refused_on_its_field(custodian_client, organisation) -> None:  # type: ignore[no-untyped-def]
    from audit.models import ReleasePolicy

    response = custodian_client.post(URL, _form(mia_auc_max=1.5))
    page = response.content.decode()
    assert response.status_code == 400
    assert "mia_auc_max" in page and "1.5" in page
    field = page[page.index('name="mia_auc_max"'):]
    assert field.index('class="errorlist"') < field.index('name="mia_tpr_at_1pct_fpr_max"')
    assert ReleasePolicy.objects.filter(organisation=organisation).count() == 1


def test_an_unchanged_policy_is_not_saved_again(custodian_client, organisation) -> None:  # type: ignore[no-untyped-def]
    from audit.models import ReleasePolicy

    response = custodian_client.post(URL, _form())
    assert response.status_code == 400 and "nothing to save" in response.content.decode()
    assert ReleasePolicy.objects.filter(organisation=organisation).count() == 1


def test_a_note_is_required(custodian_client, organisation) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.post(URL, _form(privacy_loss_max=0.02, note=""))
    assert response.status_code == 400

"""Release policies: versions, history, validation through the metrics' Policy, events."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_organisation_gets_version_1_with_the_defaults_on_first_use(organisation) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    from audit.metrics.policy import Policy
    from audit.models import ReleasePolicy
    from audit.services import policy_current

    first = policy_current(organisation=organisation)
    assert first.version == 1 and first.thresholds == Policy().to_dict()
    assert first.created_by is None and first.author_name.startswith("system")
    assert policy_current(organisation=organisation) == first
    assert ReleasePolicy.objects.filter(organisation=organisation).count() == 1
    assert Event.objects.filter(action="policy.created", object_id=str(first.pk)).count() == 1


def test_every_change_is_a_new_version_and_the_latest_is_current(organisation, custodian, second_custodian) -> None:  # type: ignore[no-untyped-def]
    from audit.selectors import policy_versions
    from audit.services import policy_current, policy_update

    policy_update(organisation=organisation, user=custodian, thresholds={"privacy_loss_max": 0.03},
                  note="tighter")
    policy_update(organisation=organisation, user=second_custodian, thresholds={"af_r2_min": 0.95},
                  note="better fidelity")
    current = policy_current(organisation=organisation)
    assert current.version == 3 and current.created_by == second_custodian
    assert current.thresholds["privacy_loss_max"] == 0.03 and current.thresholds["af_r2_min"] == 0.95
    versions = list(policy_versions(organisation))
    assert [p.version for p in versions] == [3, 2, 1]
    assert versions[1].thresholds["af_r2_min"] == 0.9  # old versions are never edited
    assert [p.note for p in versions[:2]] == ["better fidelity", "tighter"]


def test_versions_are_numbered_per_organisation(organisation, other_organisation, custodian, other_custodian) -> None:  # type: ignore[no-untyped-def]
    from audit.services import policy_update

    mine = policy_update(organisation=organisation, user=custodian, thresholds={"epsilon_max": 4})
    theirs = policy_update(organisation=other_organisation, user=other_custodian,
                           thresholds={"epsilon_max": 2})
    assert mine.version == theirs.version == 2


def test_a_change_records_the_diff(organisation, custodian) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    from audit.services import policy_update

    policy = policy_update(organisation=organisation, user=custodian,
                           thresholds={"privacy_loss_max": 0.02, "epsilon_max": 8}, note="why")
    event = Event.objects.get(action="policy.changed", object_id=str(policy.pk))
    assert event.actor == custodian and event.organisation == organisation
    assert event.details["changes"] == {
        "epsilon_max": {"from": None, "to": 8}, "privacy_loss_max": {"from": 0.05, "to": 0.02},
    }
    assert event.details["version"] == 2 and event.details["previous_version"] == 1


@pytest.mark.parametrize(("thresholds", "field"), [
    ({"mia_auc_max": 1.5}, "mia_auc_max"),
    ({"exact_copies_max": 2.5}, "exact_copies_max"),
    ({"af_r2_min": "high"}, "af_r2_min"),
    ({"privacy_loss_max": -3}, "privacy_loss_max"),
    ({"aats_holdout_min": 0.7, "aats_holdout_max": 0.6}, "aats_holdout_min"),
    ({"no_such_check": 1}, None),
])
def test_invalid_thresholds_are_refused_with_the_field_named_and_nothing_saved(
    organisation, custodian, thresholds, field,
) -> None:  # type: ignore[no-untyped-def]
    from events.models import Event

    from audit.models import ReleasePolicy
    from audit.services import PolicyError, policy_update

    with pytest.raises(PolicyError) as refused:
        policy_update(organisation=organisation, user=custodian, thresholds=thresholds, note="x")
    named = field or "no_such_check"
    assert named in str(refused.value)
    assert refused.value.field == field
    assert ReleasePolicy.objects.filter(organisation=organisation).count() <= 1
    assert not Event.objects.filter(action="policy.changed").exists()


def test_an_unchanged_policy_is_refused(organisation, custodian) -> None:  # type: ignore[no-untyped-def]
    from audit.services import PolicyError, policy_update

    with pytest.raises(PolicyError, match="nothing to save"):
        policy_update(organisation=organisation, user=custodian, thresholds={"privacy_loss_max": 0.05})

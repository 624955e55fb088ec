"""The event log page: an organisation's own events, filters, exports, the chain check."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from events.models import Event
from events.services import event_record, events_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(organisation, other_organisation, custodian, other_custodian):  # type: ignore[no-untyped-def]
    """A few events in each organisation, recorded through the real chain."""
    for n in range(3):
        event_record(action="release.proposed", obj=organisation, actor=custodian, organisation=organisation,
                     details={"n": n})
    event_record(action="grant.downloaded", obj=organisation, actor=custodian, organisation=organisation,
                 details={"file": "archive"})
    event_record(action="release.proposed", obj=other_organisation, actor=other_custodian,
                 organisation=other_organisation, details={"secret": "south-only"})
    return Event.objects.all()


def _body(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def test_anonymous_reviewer_and_researcher_are_kept_out(logged, client, reviewer_client, researcher_client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/events/").status_code == 302
    for other in (reviewer_client, researcher_client):
        assert other.get("/events/").status_code == 403
        assert other.get("/events/export.csv").status_code == 403


def test_custodian_sees_only_their_organisations_events(logged, custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.get("/events/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hash chain intact" in page and "all 5 events" in page
    assert page.count("release.proposed</td>") == 3 and "south-only" not in page
    assert [e.action for e in response.context["page"].object_list][0] == "grant.downloaded"  # newest first


def test_filter_by_action_and_paginate(logged, custodian_client, organisation, custodian) -> None:  # type: ignore[no-untyped-def]
    filtered = custodian_client.get("/events/?action=grant.downloaded")
    assert [e.action for e in filtered.context["page"].object_list] == ["grant.downloaded"]
    for n in range(60):
        event_record(action="access.requested", obj=organisation, actor=custodian, organisation=organisation,
                     details={"n": n})
    first = custodian_client.get("/events/").context["page"]
    assert len(first.object_list) == 50 and first.paginator.num_pages == 2
    second = custodian_client.get("/events/?page=2").context["page"]
    assert len(second.object_list) == 14


def test_export_json_lines_carries_what_the_hash_covers(logged, custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.get("/events/export.jsonl")
    assert response["Content-Type"] == "application/x-ndjson"
    assert "synthome-events-north-biobank.jsonl" in response["Content-Disposition"]
    rows = [json.loads(line) for line in _body(response).splitlines()]
    assert [r["sequence"] for r in rows] == [1, 2, 3, 4]
    assert {r["organisation"] for r in rows} == {logged.first().organisation_id}
    stored = Event.objects.get(sequence=rows[0]["sequence"])
    assert rows[0]["hash"] == stored.hash == stored.compute_hash()
    filtered = _body(custodian_client.get("/events/export.jsonl?action=grant.downloaded")).splitlines()
    assert len(filtered) == 1


def test_export_csv(logged, custodian_client) -> None:  # type: ignore[no-untyped-def]
    response = custodian_client.get("/events/export.csv")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == 4 and rows[-1]["action"] == "grant.downloaded"
    assert json.loads(rows[-1]["details"]) == {"file": "archive"}
    assert all(len(row["hash"]) == 64 for row in rows)


def test_chain_verification_detects_an_edited_event(logged, custodian_client) -> None:  # type: ignore[no-untyped-def]
    target = Event.objects.filter(action="grant.downloaded").get()
    Event.objects.filter(pk=target.pk).update(details={"file": "README.md"})
    check = events_verify()
    assert not check.ok and check.first_broken == target.sequence
    assert check.reason == "content changed after it was recorded"
    with pytest.raises(CommandError, match=f"BROKEN at event #{target.sequence}"):
        call_command("verify_events")
    page = custodian_client.get("/events/").content.decode()
    assert "Hash chain BROKEN" in page and f"at event #{target.sequence}" in page


def test_a_deleted_event_breaks_the_chain(logged) -> None:  # type: ignore[no-untyped-def]
    Event.objects.filter(sequence=2).delete()
    check = events_verify()
    assert not check.ok and "sequence gap" in check.reason


def test_another_organisations_broken_event_is_not_named(logged, other_custodian) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    own_event = Event.objects.filter(action="grant.downloaded").get()
    Event.objects.filter(pk=own_event.pk).update(action="grant.revoked")
    client = Client()
    client.force_login(other_custodian)
    page = client.get("/events/").content.decode()
    assert "Hash chain BROKEN" in page and "outside your organisation" in page
    assert f"#{own_event.sequence}" not in page.split("chain-status")[1].split("</div>")[0]

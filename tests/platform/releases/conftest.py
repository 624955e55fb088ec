"""Fixtures for releases: releases at each stage of their life, grants and download tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from release_factories import grant_access, make_audited_set, propose, publish


@pytest.fixture
def other_researcher(db):  # type: ignore[no-untyped-def]
    from accounts.services import researcher_signup

    return researcher_signup(username="rosa", email="rosa@example.org", password="correct-horse-battery",
                             affiliation="Other University")


@pytest.fixture
def audited_set(custodian):  # type: ignore[no-untyped-def]
    return make_audited_set(custodian)


@pytest.fixture
def failing_set(custodian):  # type: ignore[no-untyped-def]
    return make_audited_set(custodian, verdict="fail")


@pytest.fixture
def proposed_release(audited_set, custodian):  # type: ignore[no-untyped-def]
    return propose(audited_set, custodian)


@pytest.fixture
def published_release(proposed_release, reviewer):  # type: ignore[no-untyped-def]
    return publish(proposed_release, reviewer)


@pytest.fixture
def grant(published_release, researcher, custodian):  # type: ignore[no-untyped-def]
    return grant_access(published_release, researcher, custodian)


@pytest.fixture
def download_token(grant, researcher) -> str:  # type: ignore[no-untyped-def]
    from releases.access_services import grant_issue_link

    return grant_issue_link(grant=grant, researcher=researcher)


@pytest.fixture
def keys_file(tmp_path, client) -> Path:  # type: ignore[no-untyped-def]
    """The published keys JSON, fetched over HTTP as a researcher would."""
    response = client.get("/.well-known/synthome-keys.json")
    assert response.status_code == 200
    path = tmp_path / "synthome-keys.json"
    path.write_bytes(response.content)
    return path

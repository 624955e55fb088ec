"""Who may open what: every release page and API endpoint, for every role, on the
releasing organisation's objects and on another organisation's.

One world is built for the whole module (two organisations, a published and a proposed
release each, a grant with a live link); every case runs in its own rolled-back
transaction, so a POST in one case never leaks into the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from release_factories import grant_access, make_audited_set, propose, publish

ROLES = ("anonymous", "custodian", "reviewer", "researcher", "other_researcher", "other_custodian",
         "other_reviewer")

# Expected status per role, in the order of ROLES. "own" objects belong to the
# custodian's and reviewer's organisation; "other" ones to the other_* staff's.
ALL_200 = (302, 200, 200, 200, 200, 200, 200)
ALL_404 = (302, 404, 404, 404, 404, 404, 404)
RESEARCHER_ONLY = (302, 403, 403, 200, 200, 403, 403)
GRANT_HOLDER = (302, 403, 403, 200, 404, 403, 403)
API_ALL_200 = (401, 200, 200, 200, 200, 200, 200)
API_GRANT_HOLDER = (401, 403, 403, 200, 404, 403, 403)
MATRIX: list[tuple[str, str, str, tuple[int, ...]]] = [
    # Staff pages.
    ("release list", "get", "/releases/", (302, 200, 200, 403, 403, 200, 200)),
    ("propose form", "get", "/releases/propose/", (302, 200, 403, 403, 403, 200, 403)),
    ("own release page", "get", "/releases/{own}/", (302, 200, 200, 403, 403, 404, 404)),
    ("other org's release page", "get", "/releases/{other}/", (302, 404, 404, 403, 403, 200, 200)),
    ("own proposal page", "get", "/releases/{own_proposed}/", (302, 200, 200, 403, 403, 404, 404)),
    ("decide own proposal", "post", "/releases/{own_proposed}/decide/", (302, 403, 400, 403, 403, 403, 404)),
    ("decide other's proposal", "post", "/releases/{other_proposed}/decide/", (302, 403, 404, 403, 403, 403, 400)),
    ("withdraw own release", "post", "/releases/{own}/withdraw/", (302, 400, 400, 403, 403, 404, 404)),
    ("retry own bundle", "post", "/releases/{own}/bundle/retry/", (302, 302, 403, 403, 403, 404, 403)),
    ("bundle progress", "get", "/releases/{own}/progress/", (302, 200, 200, 403, 403, 404, 404)),
    ("access request list", "get", "/releases/requests/", (302, 200, 403, 403, 403, 200, 403)),
    ("own access request", "get", "/releases/requests/{request}/", (302, 200, 403, 403, 403, 404, 403)),
    ("revoke grant", "post", "/releases/requests/{request}/revoke/", (302, 302, 403, 403, 403, 404, 403)),
    ("event log", "get", "/events/", (302, 200, 403, 403, 403, 200, 403)),
    ("event export", "get", "/events/export.jsonl", (302, 200, 403, 403, 403, 200, 403)),
    # The catalogue: everyone signed in, published releases only.
    ("catalogue", "get", "/catalogue/", ALL_200),
    ("own release in catalogue", "get", "/catalogue/{own}/", ALL_200),
    ("other org's release in catalogue", "get", "/catalogue/{other}/", ALL_200),
    ("own proposal in catalogue", "get", "/catalogue/{own_proposed}/", ALL_404),
    ("other's proposal in catalogue", "get", "/catalogue/{other_proposed}/", ALL_404),
    ("manifest", "get", "/catalogue/{own}/manifest.json", ALL_200),
    ("envelope", "get", "/catalogue/{other}/manifest.dsse.json", ALL_200),
    ("proposal's manifest", "get", "/catalogue/{own_proposed}/manifest.json", ALL_404),
    # Researchers' pages.
    ("request access", "post", "/catalogue/{own}/request/", (302, 403, 403, 400, 400, 403, 403)),
    ("my access", "get", "/access/", RESEARCHER_ONLY),
    ("api token", "post", "/access/api-token/", RESEARCHER_ONLY),
    ("grant page", "get", "/access/grants/{grant}/", GRANT_HOLDER),
    ("grant link", "post", "/access/grants/{grant}/link/", GRANT_HOLDER),
    ("download page", "get", "/download/{token}/", GRANT_HOLDER),
    ("download archive", "get", "/download/{token}/archive/", GRANT_HOLDER),
    ("download file", "get", "/download/{token}/files/synthetic.vcf.gz", GRANT_HOLDER),
    # Public keys.
    ("keys json", "get", "/.well-known/synthome-keys.json", (200,) * 7),
    # The API.
    ("api releases", "get", "/api/releases/", API_ALL_200),
    ("api own release", "get", "/api/releases/{own}/", API_ALL_200),
    ("api other release", "get", "/api/releases/{other}/", API_ALL_200),
    ("api proposal", "get", "/api/releases/{own_proposed}/", (401, 404, 404, 404, 404, 404, 404)),
    ("api manifest", "get", "/api/releases/{own}/manifest/", API_ALL_200),
    ("api envelope", "get", "/api/releases/{other}/envelope/", API_ALL_200),
    ("api request access", "post", "/api/releases/{own}/access-requests/", (401, 403, 403, 400, 400, 403, 403)),
    ("api my requests", "get", "/api/access-requests/", (401, 403, 403, 200, 200, 403, 403)),
    ("api one request", "get", "/api/access-requests/{request}/", API_GRANT_HOLDER),
    ("api my grants", "get", "/api/grants/", (401, 403, 403, 200, 200, 403, 403)),
    ("api one grant", "get", "/api/grants/{grant}/", API_GRANT_HOLDER),
    ("api grant link", "post", "/api/grants/{grant}/link/", (401, 403, 403, 201, 404, 403, 403)),
    ("api download listing", "get", "/api/downloads/{token}/", API_GRANT_HOLDER),
    ("api download archive", "get", "/api/downloads/{token}/archive/", API_GRANT_HOLDER),
    ("api keys", "get", "/api/keys/", (200,) * 7),
    ("api schema", "get", "/api/schema/", (200,) * 7),
]
CASES = [
    pytest.param(method, url, role, expected[index], id=f"{name} / {role}")
    for name, method, url, expected in MATRIX
    for index, role in enumerate(ROLES)
]


@dataclass
class World:
    users: dict[str, Any]
    clients: dict[str, Client]
    ids: dict[str, Any]
    media: Path
    keys: Path


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from accounts.services import member_create, organisation_get_or_create, researcher_signup
    from releases.access_services import grant_issue_link

    media = tmp_path_factory.mktemp("matrix-media")
    keys = media.parent / "matrix-keys"
    password = "correct-horse-battery"
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, SYNTHOME_SIGNING_KEY_DIR=keys), \
            mock.patch("releases.services.dispatch"):  # the bundles are built below, in-process
        try:
            north = organisation_get_or_create(name="Matrix North")
            south = organisation_get_or_create(name="Matrix South")
            users = {
                "anonymous": None,
                "custodian": member_create(username="m-carol", password=password, organisation=north, role="custodian"),
                "reviewer": member_create(username="m-rita", password=password, organisation=north, role="reviewer"),
                "researcher": researcher_signup(username="m-remy", email="m@example.org", password=password,
                                                affiliation="U"),
                "other_researcher": researcher_signup(username="m-rosa", email="r@example.org",
                                                      password=password, affiliation="V"),
                "other_custodian": member_create(username="m-oscar", password=password, organisation=south,
                                                 role="custodian"),
                "other_reviewer": member_create(username="m-olga", password=password, organisation=south,
                                                role="reviewer"),
            }
            custodian, other_custodian = users["custodian"], users["other_custodian"]
            own = publish(propose(make_audited_set(custodian), custodian), users["reviewer"])
            own_proposed = propose(make_audited_set(custodian), custodian, version="2.0")
            other = publish(propose(make_audited_set(other_custodian, cohort_name="South"), other_custodian,
                                    title="South panel"), users["other_reviewer"])
            other_proposed = propose(make_audited_set(other_custodian, cohort_name="South"), other_custodian,
                                     title="South panel", version="2.0")
            grant = grant_access(own, users["researcher"], custodian)
            token = grant_issue_link(grant=grant, researcher=users["researcher"])
            # One client per role for the module: each new Client loads the middleware again,
            # and WhiteNoise rescans every static file when it does.
            clients = {role: Client() for role in ROLES}
            for role, client in clients.items():
                if users[role] is not None:
                    client.force_login(users[role])
            yield World(users=users, clients=clients, media=media, keys=keys, ids={
                "own": own.pk, "own_proposed": own_proposed.pk, "other": other.pk,
                "other_proposed": other_proposed.pk, "request": grant.access_request_id, "grant": grant.pk,
                "token": token,
            })
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES)
def test_permission_matrix(world, settings, method, url, role, expected) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = world.media
    settings.SYNTHOME_SIGNING_KEY_DIR = world.keys
    response = getattr(world.clients[role], method)(url.format(**world.ids))
    assert response.status_code == expected, (role, url, response.status_code)
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")

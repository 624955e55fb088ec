"""Shared fixtures: users of each role in two organisations, simulated cohorts, and a
real Celery worker process consuming from Redis against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from factories import PASSWORD, SimulatedCohort, simulate_cohort, write_cohort_files  # noqa: E402


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SYNTHOME_SIGNING_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def organisation(db):  # type: ignore[no-untyped-def]
    from accounts.services import organisation_get_or_create

    return organisation_get_or_create(name="North Biobank")


@pytest.fixture
def other_organisation(db):  # type: ignore[no-untyped-def]
    from accounts.services import organisation_get_or_create

    return organisation_get_or_create(name="South Biobank")


def _member(username: str, organisation, role: str):  # type: ignore[no-untyped-def]
    from accounts.services import member_create

    return member_create(username=username, password=PASSWORD, organisation=organisation, role=role,
                         email=f"{username}@example.org")


@pytest.fixture
def custodian(organisation):  # type: ignore[no-untyped-def]
    return _member("carol", organisation, "custodian")


@pytest.fixture
def second_custodian(organisation):  # type: ignore[no-untyped-def]
    return _member("cathy", organisation, "custodian")


@pytest.fixture
def reviewer(organisation):  # type: ignore[no-untyped-def]
    return _member("rita", organisation, "reviewer")


@pytest.fixture
def other_custodian(other_organisation):  # type: ignore[no-untyped-def]
    return _member("oscar", other_organisation, "custodian")


@pytest.fixture
def other_reviewer(other_organisation):  # type: ignore[no-untyped-def]
    return _member("olga", other_organisation, "reviewer")


@pytest.fixture
def researcher(db):  # type: ignore[no-untyped-def]
    from accounts.services import researcher_signup

    return researcher_signup(username="remy", email="remy@example.org", password=PASSWORD,
                             affiliation="Example University")


def _client_for(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def custodian_client(custodian):  # type: ignore[no-untyped-def]
    return _client_for(custodian)


@pytest.fixture
def reviewer_client(reviewer):  # type: ignore[no-untyped-def]
    return _client_for(reviewer)


@pytest.fixture
def researcher_client(researcher):  # type: ignore[no-untyped-def]
    return _client_for(researcher)


@pytest.fixture
def other_custodian_client(other_custodian):  # type: ignore[no-untyped-def]
    return _client_for(other_custodian)


@pytest.fixture(scope="session")
def simulated() -> SimulatedCohort:
    """30 individuals in each of two msprime populations, phased, a few hundred SNPs."""
    return simulate_cohort(individuals_per_population=30, populations=2, seed=7)


@pytest.fixture(scope="session")
def cohort_files(simulated, tmp_path_factory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    return write_cohort_files(simulated, tmp_path_factory.mktemp("cohort"))


@pytest.fixture
def ingested_cohort(custodian, cohort_files):  # type: ignore[no-untyped-def]
    """A cohort registered and ingested in-process (for tests about what comes after)."""
    from cohorts.models import Cohort
    from cohorts.services import cohort_ingest, cohort_register

    vcf, panel = cohort_files
    with open(vcf, "rb") as source, open(panel, "rb") as panel_file:
        cohort = cohort_register(
            organisation=custodian.membership.organisation, user=custodian, name="Simulated",
            source=source, filename=vcf.name, size=vcf.stat().st_size, panel=panel_file,
            queue=False,
        )
    cohort_ingest(cohort_id=cohort.pk)
    return Cohort.objects.get(pk=cohort.pk)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    """A real ``celery -A config worker`` process over Redis, on the test database.

    Tests that use it need ``transactional_db`` so the worker sees committed rows, and
    the same MEDIA_ROOT (``celery_media`` fixture).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_MEDIA_ROOT": str(CELERY_MEDIA_ROOT),
        "SYNTHOME_SIGNING_KEY_DIR": str(CELERY_MEDIA_ROOT.parent / "keys"),
        "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}",
    }
    from config.celery import app

    app.control.purge()
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "test-worker.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,training",
         "--pool", "solo", "--concurrency", "1", "-l", "info", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", f"test-worker-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log.name}")
        if app.control.ping(timeout=0.5):
            break
    else:
        process.terminate()
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


CELERY_MEDIA_ROOT = ROOT / "var" / "test-worker-media"


@pytest.fixture
def celery_media(settings):  # type: ignore[no-untyped-def]
    """Point this process's storage and signing keys at the worker's."""
    CELERY_MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = CELERY_MEDIA_ROOT
    settings.SYNTHOME_SIGNING_KEY_DIR = CELERY_MEDIA_ROOT.parent / "keys"
    return CELERY_MEDIA_ROOT

"""What each role sees first: the work waiting for them."""

from __future__ import annotations

from typing import Any

from .models import Organisation, Role


def dashboard_context(user: Any, role: str | None, organisation: Organisation | None) -> dict[str, Any]:
    context: dict[str, Any] = {"organisation": organisation}
    if role in (Role.CUSTODIAN, Role.REVIEWER) and organisation is not None:
        from cohorts.selectors import cohorts_of

        context["cohorts"] = cohorts_of(organisation)[:10]
        from generation.selectors import runs_awaiting_action

        context["runs_awaiting"] = {
            name: runs[:10] for name, runs in runs_awaiting_action(organisation).items()
        }
        from audit.selectors import reports_awaiting_action

        context["audits_awaiting"] = {
            name: reports[:10] for name, reports in reports_awaiting_action(organisation).items()
        }
    if role in (Role.CUSTODIAN, Role.REVIEWER) and organisation is not None:
        from releases.selectors import pending_access_requests, releases_awaiting_approval

        context["releases_awaiting"] = releases_awaiting_approval(organisation)[:10]
        if role == Role.CUSTODIAN:
            context["access_requests_pending"] = pending_access_requests(organisation)[:10]
    if role == "researcher":
        from releases.selectors import (
            catalogue_releases,
            grants_of_researcher,
            requests_of_researcher,
        )

        context["catalogue_latest"] = catalogue_releases()[:5]
        context["my_requests"] = requests_of_researcher(user)[:10]
        context["my_grants"] = grants_of_researcher(user)[:10]
    return context

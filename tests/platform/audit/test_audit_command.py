"""python manage.py audit_set: the same service, in this process."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_audits_a_set_and_prints_the_verdict(copied_set, small_cohort_policy) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("audit_set", str(copied_set.pk), stdout=out)
    copied_set.refresh_from_db()
    report = copied_set.audit
    lines = out.getvalue().splitlines()
    assert lines[0] == (f"synthetic set {copied_set.pk}: FAIL (audit {report.pk}, release policy v2, "
                        f"{len(report.failing_checks)} failing checks)")
    assert any(line.startswith("  FAIL exact_copies = ") for line in lines)

    again = StringIO()
    call_command("audit_set", str(copied_set.pk), stdout=again)
    assert f"was audited before (audit {report.pk})" in again.getvalue()


def test_an_unknown_set_is_an_error() -> None:
    with pytest.raises(CommandError, match="no synthetic set with id 999999"):
        call_command("audit_set", "999999")


def test_a_set_not_sampled_yet_is_an_error(custodian, rows_only) -> None:  # type: ignore[no-untyped-def]
    synthetic_set = rows_only(custodian)
    synthetic_set.status = "queued"
    synthetic_set.save()
    with pytest.raises(CommandError, match="no haplotypes to audit yet"):
        call_command("audit_set", str(synthetic_set.pk))


def test_a_failing_audit_is_an_error(queued_report) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="failed: The audit stopped on an internal error"):
        call_command("audit_set", str(queued_report.synthetic_set_id))

"""python manage.py import_cohort: the summary line, and errors with a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cohorts.models import Cohort
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def test_import_prints_the_summary_line(custodian, cohort_files, capsys) -> None:  # type: ignore[no-untyped-def]
    vcf, panel = cohort_files
    call_command("import_cohort", str(vcf), name="Sim", org=custodian.membership.organisation.slug,
                 panel=str(panel), holdout=0.2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    cohort = Cohort.objects.get(name="Sim")
    assert line.endswith(
        f"haplotypes=120 snps={cohort.n_variants} populations=2 holdout={2 * cohort.n_holdout_samples}"
    )


def test_import_of_a_bad_file_fails_with_the_reason(custodian, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.vcf"
    bad.write_text("not a vcf\n")
    with pytest.raises(CommandError, match="(?i)not a VCF file"):
        call_command("import_cohort", str(bad), name="Bad", org=custodian.membership.organisation.slug)
    assert Cohort.objects.get(name="Bad").status == "failed"


def test_import_refuses_unknown_organisation_and_missing_file(custodian, cohort_files) -> None:  # type: ignore[no-untyped-def]
    vcf, _ = cohort_files
    with pytest.raises(CommandError, match="no organisation 'nowhere'"):
        call_command("import_cohort", str(vcf), name="X", org="nowhere")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_cohort", "/no/such.vcf", name="X", org=custodian.membership.organisation.slug)
    assert not Cohort.objects.exists()


def test_import_refuses_a_bad_holdout_fraction(custodian, cohort_files) -> None:  # type: ignore[no-untyped-def]
    vcf, _ = cohort_files
    with pytest.raises(CommandError, match="holdout fraction must be between"):
        call_command("import_cohort", str(vcf), name="X", org=custodian.membership.organisation.slug, holdout=0.9)
    assert not Cohort.objects.exists()


def test_the_command_exits_non_zero_from_the_shell(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "import_cohort", str(tmp_path / "absent.vcf"), "--name", "X",
         "--org", "nowhere"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "SYNTHOME_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr

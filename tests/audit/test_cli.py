"""``python -m audit report``: files written, verdict printed, bad inputs refused clearly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audit.metrics.cli import main, read_inputs
from generation.engine.vcf import read_vcf, write_vcf

ROOT = Path(__file__).resolve().parents[2]
PANEL = ROOT / "data" / "1000g_805" / "samples.tsv"


@pytest.fixture(scope="module")
def vcfs(tmp_path_factory, benchmark_cohort):
    """Train (200 people), holdout (100) and a fresh 'synthetic' set (100) of the 805 panel."""
    cohort = benchmark_cohort
    folder = tmp_path_factory.mktemp("vcfs")
    people = np.random.default_rng(7).permutation(len(cohort.samples))

    def write(name: str, chosen: np.ndarray, haplotypes: np.ndarray | None = None) -> Path:
        chosen = np.sort(chosen)
        rows = np.sort(np.concatenate([2 * chosen, 2 * chosen + 1]))
        data = cohort.haplotypes[rows] if haplotypes is None else haplotypes
        samples = [cohort.samples[i] for i in chosen]
        return write_vcf(folder / f"{name}.vcf.gz", data, cohort.variants, samples, index=False)

    paths = {
        "train": write("train", people[:200]),
        "holdout": write("holdout", people[200:300]),
        "synthetic": write("synthetic", people[300:400]),
        "tiny_train": write("tiny_train", people[400:405]),
        "tiny_holdout": write("tiny_holdout", people[405:408]),
        "tiny_synthetic": write("tiny_synthetic", people[408:413]),
    }
    lost = cohort.haplotypes[:200].copy()
    lost[:, 10] = 0  # a generator that lost an allele: the reader drops the SNP
    paths["lost_allele"] = write("lost_allele", np.arange(100), lost)
    short = cohort.variants.subset(slice(0, 804))
    paths["short"] = write_vcf(
        folder / "short.vcf.gz",
        cohort.haplotypes[:200, :804],
        short,
        cohort.samples[:100],
        index=False,
    )
    return paths


@pytest.fixture(scope="module")
def benchmark_cohort():
    return read_vcf(ROOT / "data" / "1000g_805" / "genotypes.vcf.gz")


def arguments(vcfs: dict[str, Path], out: Path, **overrides: str) -> list[str]:
    chosen = {"train": vcfs["train"], "holdout": vcfs["holdout"], "synthetic": vcfs["synthetic"]}
    chosen |= overrides
    return ["report", *(f"--{k}={v}" for k, v in chosen.items()), f"--out={out}"]


def test_happy_path_writes_json_and_html_with_a_verdict(vcfs, tmp_path, capsys):
    assert main([*arguments(vcfs, tmp_path / "out"), f"--panel={PANEL}", "--seed=1"]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] in {"pass", "fail"}
    assert report["inputs"]["population_labels"] == {
        "train": True,
        "holdout": True,
        "synthetic": True,
    }
    assert report["inputs"]["seed"] == 1
    assert report["headline"]["exact_copies"] == 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    printed = capsys.readouterr()
    assert f"verdict: {report['verdict'].upper()}" in printed.out
    assert "membership_inference" in printed.err  # progress


def test_mismatched_variants_exit_non_zero_with_the_snp_counts(vcfs, tmp_path, capsys):
    assert main(arguments(vcfs, tmp_path / "out", synthetic=str(vcfs["short"]))) == 2
    error = capsys.readouterr().err
    assert re.search(
        r"expected train and synthetic VCFs with the same SNPs; found \d+ and \d+ SNPs", error
    )
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_snp_lost_by_the_generator_is_restored_not_refused(vcfs):
    sets = read_inputs(vcfs["train"], vcfs["holdout"], vcfs["lost_allele"])
    tables = [s.variants.keys() for s in sets.values()]
    assert tables[0] == tables[1] == tables[2]
    lost = tables[2].index(read_vcf(vcfs["train"]).variants.keys()[10])
    assert (sets["synthetic"].haplotypes[:, lost] == 0).all()  # back, as REF everywhere
    assert sets["train"].haplotypes[:, lost].any()


def test_too_small_sets_report_not_computed_with_reasons(vcfs, tmp_path, capsys):
    tiny = {k: str(vcfs[f"tiny_{k}"]) for k in ("train", "holdout", "synthetic")}
    assert main(arguments(vcfs, tmp_path / "out", **tiny)) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "fail"
    assert report["metrics"]["closest_record"] == {
        "computed": False,
        "reason": "needs at least 20 holdout haplotypes; found 6",
    }
    assert (
        "not computed: closest_record: needs at least 20 holdout haplotypes; found 6"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"mia_auc_max": 2}', "policy field 'mia_auc_max': expected a number from 0.0 to 1.0"),
        ('{"typo_max": 1}', "unknown policy field 'typo_max'"),
    ],
)
def test_bad_policy_files_are_refused_with_the_field(vcfs, tmp_path, capsys, text, message):
    policy = tmp_path / "policy.json"
    policy.write_text(text)
    assert main([*arguments(vcfs, tmp_path / "out"), f"--policy={policy}"]) == 2
    assert message in capsys.readouterr().err


def test_missing_files_are_named(vcfs, tmp_path, capsys):
    assert main(arguments(vcfs, tmp_path / "out", holdout=str(tmp_path / "nope.vcf.gz"))) == 2
    assert "--holdout file not found" in capsys.readouterr().err


def test_a_panel_missing_training_samples_is_refused(vcfs, tmp_path, capsys):
    panel = tmp_path / "panel.tsv"
    panel.write_text("sample\tpopulation\nHG00096\tGBR\n")
    assert main([*arguments(vcfs, tmp_path / "out"), f"--panel={panel}"]) == 2
    assert "--panel has no row for" in capsys.readouterr().err


def test_module_entry_point_reports_argument_errors():
    finished = subprocess.run(
        [sys.executable, "-m", "audit", "report", "--train", "x.vcf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 2
    assert "the following arguments are required: --holdout, --synthetic, --out" in finished.stderr

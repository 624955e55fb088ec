"""``python -m generation``: train, sample, models, and the refusals, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generation.engine.genotypes import VariantTable
from generation.engine.panel import read_panel
from generation.engine.vcf import read_vcf, write_vcf

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--param", "hidden=16", "--param", "components=2", "--param", "max_epochs=3"]


def run_cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generation", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def _variants(n: int) -> VariantTable:
    return VariantTable(
        chrom=np.array(["1"] * n, dtype=object),
        pos=np.arange(1, n + 1, dtype=np.int64) * 100,
        id=np.array([f"rs{i}" for i in range(n)], dtype=object),
        ref=np.array(["A"] * n, dtype=object),
        alt=np.array(["G"] * n, dtype=object),
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A phased VCF of 30 individuals x 24 SNPs in two populations, and its panel."""
    directory = tmp_path_factory.mktemp("cli-cohort")
    rng = np.random.default_rng(4)
    frequencies = np.stack([np.full(24, 0.15), np.full(24, 0.85)])  # (2, n_variants)
    labels = np.repeat(np.arange(2), 15)  # (n_individuals,)
    haplotypes = (rng.random((60, 24)) < frequencies[np.repeat(labels, 2)]).astype(np.uint8)
    samples = [f"S{i:03d}" for i in range(30)]
    vcf = write_vcf(directory / "cohort.vcf.gz", haplotypes, _variants(24), samples, index=False)
    panel = directory / "panel.tsv"
    rows = [f"{s}\t{'AAA' if k == 0 else 'BBB'}" for s, k in zip(samples, labels, strict=True)]
    panel.write_text("sample\tpopulation\n" + "\n".join(rows) + "\n")
    return vcf, panel


@pytest.fixture(scope="module")
def trained_run(cohort: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    vcf, panel = cohort
    run_dir = tmp_path_factory.mktemp("cli-run") / "run"
    result = run_cli(
        "train", "--vcf", vcf, "--panel", panel, "--model", "autoregressive",
        "--out", run_dir, "--seed", "3", *TINY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "epoch 1/3" in result.stdout
    return run_dir


def test_train_writes_model_run_record_and_variants(trained_run: Path) -> None:
    run = json.loads((trained_run / "run.json").read_text())
    assert (trained_run / "model.pt").is_file()
    assert run["model"] == "autoregressive"
    assert run["seed"] == 3
    assert run["hyperparameters"]["hidden"] == 16
    assert (run["n_individuals"], run["n_haplotypes"], run["n_variants"]) == (30, 60, 24)
    assert run["differential_privacy"] is None
    assert run["population_individuals"] == {"AAA": 15, "BBB": 15}
    assert run["timings"]["train_seconds"] > 0
    header = (trained_run / "variants.tsv").read_text().splitlines()[0]
    assert header == "chrom\tpos\tid\tref\talt"
    assert not (trained_run / "checkpoint.pt").exists()


def test_sampled_vcf_reads_back_as_phased_synthetic_individuals(
    trained_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "synthetic.vcf.gz"
    result = run_cli("sample", trained_run, "-n", "12", "--out", out, "--seed", "1")
    assert result.returncode == 0, result.stderr
    synthetic = read_vcf(out)
    assert synthetic.phased
    assert synthetic.samples[:2] == ["SYN000001", "SYN000002"]
    assert synthetic.haplotypes.shape[0] == 24
    assert Path(f"{out}.tbi").is_file()
    panel = read_panel(tmp_path / "synthetic.panel.tsv", synthetic.samples)
    assert set(panel.populations) <= {"AAA", "BBB"}


def test_sampling_one_population_labels_every_individual_with_it(
    trained_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bbb.vcf.gz"
    result = run_cli("sample", trained_run, "-n", "5", "--out", out, "--population", "BBB")
    assert result.returncode == 0, result.stderr
    panel = read_panel(tmp_path / "bbb.panel.tsv", read_vcf(out).samples)
    assert panel.populations == ["BBB"] * 5


def test_unknown_population_is_refused_with_the_known_ones(
    trained_run: Path, tmp_path: Path
) -> None:
    result = run_cli(
        "sample", trained_run, "-n", "5", "--out", tmp_path / "x.vcf.gz", "--population", "ZZZ"
    )
    assert_refused(result, "ZZZ", "AAA, BBB")
    assert not (tmp_path / "x.vcf.gz").exists()


def test_missing_run_directory_is_refused(tmp_path: Path) -> None:
    result = run_cli("sample", tmp_path / "nowhere", "-n", "5", "--out", tmp_path / "x.vcf.gz")
    assert_refused(result, "not a finished run directory")


def test_unphased_vcf_is_refused_for_a_haplotype_model(tmp_path: Path) -> None:
    vcf = tmp_path / "unphased.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
        "1\t100\trs1\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1\n"
        "1\t200\trs2\tC\tT\t.\tPASS\t.\tGT\t0/0\t0/1\n"
    )
    result = run_cli(
        "train", "--vcf", vcf, "--model", "autoregressive", "--out", tmp_path / "run", *TINY
    )
    assert_refused(result, "unphased", "phase")
    assert not (tmp_path / "run" / "model.pt").exists()


@pytest.mark.parametrize("epsilon", ["0", "-1", "abc"])
def test_non_positive_epsilon_is_refused(cohort: tuple[Path, Path], tmp_path: Path, epsilon: str) -> None:
    vcf, _ = cohort
    result = run_cli(
        "train", "--vcf", vcf, "--model", "autoregressive", "--out", tmp_path / "run",
        "--epsilon", epsilon,
    )  # fmt: skip
    assert_refused(result, "--epsilon")


def test_unknown_model_and_bad_hyperparameter_are_refused(
    cohort: tuple[Path, Path], tmp_path: Path
) -> None:
    vcf, _ = cohort
    unknown = run_cli("train", "--vcf", vcf, "--model", "transformer", "--out", tmp_path / "a")
    assert_refused(unknown, "transformer", "autoregressive")
    bad = run_cli(
        "train", "--vcf", vcf, "--model", "autoregressive", "--out", tmp_path / "b",
        "--param", "hidden=0",
    )  # fmt: skip
    assert_refused(bad, "hidden")


def test_models_lists_every_kind_with_hyperparameter_defaults() -> None:
    result = run_cli("models")
    assert result.returncode == 0, result.stderr
    assert "autoregressive  [conditional, differential privacy]" in result.stdout
    assert "hidden=" in result.stdout


def test_conditioning_on_superpopulations_trains_and_samples_at_that_level(
    cohort: tuple[Path, Path], tmp_path: Path
) -> None:
    vcf, panel = cohort
    grouped = tmp_path / "grouped.tsv"
    rows = panel.read_text().splitlines()[1:]
    grouped.write_text("sample\tpopulation\tsuperpopulation\n" + "\n".join(
        f"{row}\t{'SUPX' if row.endswith('AAA') else 'SUPY'}" for row in rows) + "\n")
    run_dir = tmp_path / "run"
    result = run_cli(
        "train", "--vcf", vcf, "--panel", grouped, "--condition-on", "superpopulation",
        "--model", "autoregressive", "--out", run_dir, *TINY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run = json.loads((run_dir / "run.json").read_text())
    assert run["condition_on"] == "superpopulation"
    assert run["population_individuals"] == {"SUPX": 15, "SUPY": 15}
    out = tmp_path / "supy.vcf.gz"
    result = run_cli("sample", run_dir, "-n", "4", "--out", out, "--population", "SUPY")
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "supy.panel.tsv").read_text().splitlines()
    assert lines[0] == "sample\tsuperpopulation"
    assert [line.split("\t")[1] for line in lines[1:]] == ["SUPY"] * 4
    refused = run_cli("sample", run_dir, "-n", "4", "--out", tmp_path / "x.vcf.gz", "--population", "AAA")
    assert_refused(refused, "AAA", "SUPX, SUPY")


def test_conditioning_on_superpopulations_needs_them_in_the_panel(
    cohort: tuple[Path, Path], tmp_path: Path
) -> None:
    vcf, panel = cohort
    common = ["--vcf", vcf, "--model", "autoregressive", "--out", tmp_path / "run", *TINY]
    assert_refused(run_cli("train", *common, "--panel", panel, "--condition-on", "superpopulation"),
                   "gives no superpopulation for 30 sample(s)")
    assert_refused(run_cli("train", *common, "--condition-on", "superpopulation"),
                   "--condition-on needs --panel")
    assert_refused(run_cli("train", *common, "--panel", panel, "--condition-on", "continent"),
                   "--condition-on", "invalid choice: 'continent'")
    assert not (tmp_path / "run").exists()

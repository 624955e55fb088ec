"""``python -m audit report``: audit a synthetic VCF against training and holdout VCFs.

Writes ``DIR/report.json`` (the :func:`~audit.metrics.report.audit_report` record) and
``DIR/report.html`` (self-contained, plots inline). Exit status: 0 when the report was
written (whatever the verdict; the verdict is printed), 2 for bad arguments or inputs,
with a message that says what to change.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generation.engine.genotypes import InvalidGenotypeError
from generation.engine.panel import read_panel
from generation.engine.vcf import HaplotypeSet, read_vcf

from .alignment import align_haplotype_sets
from .html import render_html
from .inputs import AuditError
from .plots import report_plots
from .policy import Policy, PolicyError
from .report import audit_report

_SAMPLE_COLUMNS = ("sample", "sample_id", "id")  # the spellings generation.engine.panel accepts


class CliError(Exception):
    """A problem with the command line or its inputs, reported as one message."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audit",
        description="Fidelity and privacy audit of synthetic haplotypes (Synthome).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report", help="audit a synthetic VCF against the training and holdout VCFs"
    )
    report.add_argument("--train", required=True, type=Path, help="training VCF/VCF.gz/BCF")
    report.add_argument(
        "--holdout", required=True, type=Path, help="holdout VCF (never trained on)"
    )
    report.add_argument("--synthetic", required=True, type=Path, help="synthetic VCF to audit")
    report.add_argument(
        "--out", required=True, type=Path, help="folder for report.json and report.html"
    )
    report.add_argument(
        "--panel", type=Path, help="sample panel TSV (sample, population[, superpopulation])"
    )
    report.add_argument(
        "--panel-level",
        choices=("population", "superpopulation"),
        default="superpopulation",
        help="which panel label to use (default: superpopulation when the panel has it)",
    )
    report.add_argument(
        "--policy", type=Path, help="release policy JSON (fields of audit.metrics.Policy)"
    )
    report.add_argument("--seed", type=int, default=0, help="seed of every subsample (default 0)")
    report.add_argument("--epsilon", type=float, help="DP epsilon spent by the generator, if any")
    report.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    return parser


def _existing(path: Path, what: str) -> Path:
    if not path.is_file():
        raise CliError(f"{what} file not found: {path}")
    return path


def read_inputs(train: Path, holdout: Path, synthetic: Path) -> dict[str, HaplotypeSet]:
    """Read the three VCFs and put them on one SNP table (see :mod:`.alignment`)."""
    sets = {}
    for name, path in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
        try:
            sets[name] = read_vcf(_existing(path, f"--{name}"))
        except InvalidGenotypeError as error:
            raise CliError(f"--{name} {path}: {error}") from None
    try:
        return align_haplotype_sets(
            sets, {"train": train, "holdout": holdout, "synthetic": synthetic}
        )
    except InvalidGenotypeError as error:
        raise CliError(
            f"{error}: the three VCFs must list the same SNPs in the same order"
        ) from None


def read_labels(path: Path, level: str) -> dict[str, str]:
    """Sample ID -> population label, checked by :func:`generation.engine.panel.read_panel`."""
    _existing(path, "--panel")
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    except UnicodeDecodeError:
        raise CliError(f"--panel {path}: not a UTF-8 text file") from None
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    column = next((header.index(c) for c in _SAMPLE_COLUMNS if c in header), None)
    if column is None:
        raise CliError(f"--panel {path}: expected a header with a 'sample' column; found {header}")
    samples = [row[column].strip() for row in rows[1:] if len(row) > column and row[column].strip()]
    try:
        panel = read_panel(path, samples)
    except InvalidGenotypeError as error:
        raise CliError(f"--panel {path}: {error}") from None
    chosen = panel.superpopulations if level == "superpopulation" else panel.populations
    if not all(chosen):
        chosen = panel.populations  # no superpopulation column: fall back
    return dict(zip(panel.samples, chosen, strict=True))


def haplotype_labels(
    labels: dict[str, str], samples: list[str], name: str, *, required: bool
) -> list[str] | None:
    """One label per haplotype (each sample's twice), or None when samples are unlabelled."""
    missing = [s for s in samples if s not in labels]
    if missing and required:
        raise CliError(
            f"--panel has no row for {len(missing)} {name} sample(s) (e.g. "
            f"{', '.join(missing[:3])}): use the panel of the cohort"
        )
    if missing:
        return None
    return [labels[s] for s in samples for _ in range(2)]


def read_policy(path: Path) -> Policy:
    _existing(path, "--policy")
    try:
        return Policy.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        raise CliError(f"--policy {path}: not valid JSON ({error})") from None
    except (PolicyError, TypeError) as error:
        raise CliError(f"--policy {path}: {error}") from None


def run_report(arguments: argparse.Namespace) -> dict[str, Any]:
    policy = read_policy(arguments.policy) if arguments.policy else Policy()
    if arguments.threads < 1:
        raise CliError(f"--threads must be at least 1; found {arguments.threads}")
    sets = read_inputs(arguments.train, arguments.holdout, arguments.synthetic)
    populations: dict[str, list[str] | None] = {name: None for name in sets}
    if arguments.panel:
        labels = read_labels(arguments.panel, arguments.panel_level)
        for name, haplotype_set in sets.items():
            populations[name] = haplotype_labels(
                labels, haplotype_set.samples, name, required=name != "synthetic"
            )

    def progress(fraction: float, stage: str) -> None:
        print(f"[{fraction:4.0%}] {stage}", file=sys.stderr, flush=True)

    try:
        report = audit_report(
            train=sets["train"].haplotypes,
            holdout=sets["holdout"].haplotypes,
            synthetic=sets["synthetic"].haplotypes,
            variants=sets["train"].variants,
            train_populations=populations["train"],
            holdout_populations=populations["holdout"],
            synthetic_populations=populations["synthetic"],
            epsilon=arguments.epsilon,
            policy=policy,
            seed=arguments.seed,
            progress=progress,
            threads=arguments.threads,
        )
    except AuditError as error:
        raise CliError(str(error)) from None
    report["inputs"]["files"] = {
        name: str(getattr(arguments, name)) for name in ("train", "holdout", "synthetic")
    }
    try:
        arguments.out.mkdir(parents=True, exist_ok=True)
        (arguments.out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
        (arguments.out / "report.html").write_text(render_html(report, report_plots(report)))
    except OSError as error:
        raise CliError(f"--out {arguments.out}: cannot write the report ({error})") from None
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        report = run_report(arguments)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"verdict: {report['verdict'].upper()}")
    for failure in report["failures"]:
        print(f"  failed: {failure}")
    for name, reason in report["not_computed"].items():
        print(f"  not computed: {name}: {reason}")
    print(f"wrote {arguments.out / 'report.json'} and {arguments.out / 'report.html'}")
    return 0

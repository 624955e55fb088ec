"""The engine's command line: train a generator on a VCF, sample a synthetic cohort.

::

    python -m generation models
    python -m generation train --vcf IN.vcf.gz --model autoregressive --out RUN_DIR \\
        [--panel panel.tsv [--condition-on superpopulation]] [--epsilon 10] [--delta 1e-5] \\
        [--seed 0] [--max-minutes 10] [--param hidden=128 --param dropout=0.2]
    python -m generation sample RUN_DIR -n 500 --out synthetic.vcf.gz [--population CEU]

A run directory holds ``model.pt`` (:meth:`HaplotypeGenerator.save`), ``run.json``
(what was trained, how, on what, and the privacy spent) and ``variants.tsv`` (the SNPs,
needed to write VCFs). Bad arguments and unusable inputs end with one line on stderr
naming what to change and a non-zero exit status, never a traceback. No Django here.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .base import (
    EngineError,
    HaplotypeGenerator,
    PrivacyConfig,
    Progress,
    TrainingCancelled,
    available_generators,
    get_generator_class,
)
from .genotypes import InvalidGenotypeError, VariantTable
from .panel import LABEL_LEVELS

MODEL_FILE = "model.pt"
RUN_FILE = "run.json"
VARIANTS_FILE = "variants.tsv"
CHECKPOINT_FILE = "checkpoint.pt"
EXIT_USAGE = 2
EXIT_CANCELLED = 130


class CliError(Exception):
    """A problem the user can fix; its message is printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not the usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; found {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0; found {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1; found {text}")
    return value


def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value; found {text!r}")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m generation", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("models", help="list model kinds and their hyperparameters")

    train = commands.add_parser("train", help="train a generator on a phased VCF")
    train.add_argument("--vcf", required=True, type=Path, help="phased VCF, VCF.gz or BCF")
    train.add_argument("--model", required=True, help="model kind (see 'models')")
    train.add_argument("--out", required=True, type=Path, help="run directory to write")
    train.add_argument("--panel", type=Path,
                       help="sample panel TSV (sample, population[, superpopulation])")
    train.add_argument(
        "--condition-on", choices=LABEL_LEVELS,
        help="the panel's labels a conditional model learns (default population; superpopulation: "
        "fewer, larger groups, a smaller membership signal)",
    )
    train.add_argument("--epsilon", type=_positive_float, help="train with DP-SGD to this epsilon")
    train.add_argument("--delta", type=_positive_float, help="DP delta (default 1/(10 n))")
    train.add_argument(
        "--max-grad-norm", type=_positive_float, default=1.0, help="DP clipping norm"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--max-minutes", type=_positive_float, help="stop training after this long")
    train.add_argument("--threads", type=_positive_int, help="CPU threads for torch")
    train.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="hyperparameter (repeatable)",
    )

    sample = commands.add_parser("sample", help="sample a synthetic cohort from a run")
    sample.add_argument("run_dir", type=Path, help="directory written by 'train'")
    sample.add_argument("-n", required=True, type=_positive_int, help="diploid individuals")
    sample.add_argument("--out", required=True, type=Path, help="output .vcf.gz")
    sample.add_argument("--population",
                        help="sample this population only (conditional models; a superpopulation "
                        "for a run trained with --condition-on superpopulation)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--threads", type=_positive_int, help="CPU threads for torch")
    return parser


# -- models ---------------------------------------------------------------------------------
def command_models(_: argparse.Namespace) -> int:
    for name, model_cls in available_generators().items():
        flags = [
            f
            for f, on in (
                ("conditional", model_cls.supports_conditional),
                ("differential privacy", model_cls.supports_dp),
            )
            if on
        ]
        print(f"{name}" + (f"  [{', '.join(flags)}]" if flags else ""))
        if model_cls.description:
            print(f"    {model_cls.description}")
        for spec in dataclasses.fields(model_cls.Params):
            meta = spec.metadata
            bounds = ", ".join(f"{k} {meta[k]}" for k in ("min", "max") if k in meta) or (
                f"one of {', '.join(map(str, meta['choices']))}" if "choices" in meta else ""
            )
            extra = f" ({bounds})" if bounds else ""
            print(f"    {spec.name}={spec.default}{extra}  {meta.get('help', '')}".rstrip())
    return 0


# -- train ----------------------------------------------------------------------------------
def _coerce_params(
    model_cls: type[HaplotypeGenerator], pairs: list[tuple[str, str]]
) -> dict[str, Any]:
    try:
        return {key: model_cls.Params.typed(key, text) for key, text in pairs}
    except EngineError as error:
        raise CliError(f"--param {error}") from None


def _print_progress(report: Progress) -> None:
    shown = " ".join(f"{k}={v:.4g}" for k, v in report.metrics.items())
    epsilon = f" epsilon={report.epsilon:.3g}" if report.epsilon is not None else ""
    print(f"epoch {report.step}/{report.total_steps} {shown}{epsilon}", flush=True)


def write_variants(path: Path, variants: VariantTable) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(["chrom", "pos", "id", "ref", "alt"])
        for row in variants.to_rows():
            writer.writerow([row["chrom"], row["pos"], row["id"], row["ref"], row["alt"]])


def read_variants(path: Path) -> VariantTable:
    with open(path, encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source, delimiter="\t"))
    return VariantTable.from_rows(rows)  # type: ignore[arg-type]


def command_train(args: argparse.Namespace) -> int:
    from .panel import read_panel
    from .vcf import read_vcf

    started = time.monotonic()
    model_cls = get_generator_class(args.model)
    params = _coerce_params(model_cls, args.param)
    privacy = None
    if args.epsilon is not None:
        if not model_cls.supports_dp:
            dp_models = [n for n, c in available_generators().items() if c.supports_dp]
            raise CliError(
                f"model '{args.model}' cannot be trained with differential privacy; drop "
                f"--epsilon or choose {' or '.join(dp_models)}"
            )
        privacy = PrivacyConfig(args.epsilon, args.delta, args.max_grad_norm)
    elif args.delta is not None:
        raise CliError("--delta needs --epsilon: it only applies to DP training")
    if args.condition_on is not None and args.panel is None:
        raise CliError("--condition-on needs --panel: the labels come from the sample panel")
    model = model_cls(params, seed=args.seed)  # validates hyperparameters before reading data
    if not args.vcf.is_file():
        raise CliError(f"--vcf {args.vcf}: no such file")
    cohort = read_vcf(args.vcf)
    if not cohort.phased:
        raise CliError(
            f"{args.vcf} holds unphased genotypes ({cohort.qc.unphased_calls} calls written "
            f"a/b); '{args.model}' models haplotypes and needs phased data (a|b): phase the "
            "cohort first (e.g. with SHAPEIT5 or Beagle)"
        )
    populations = None
    condition_on = args.condition_on or "population"
    if args.panel is not None:
        if not args.panel.is_file():
            raise CliError(f"--panel {args.panel}: no such file")
        populations = read_panel(args.panel, cohort.samples).haplotype_labels(condition_on)
    read_seconds = time.monotonic() - started
    haplotypes = cohort.haplotypes
    print(
        f"read {len(cohort.samples)} individuals, {haplotypes.shape[0]} haplotypes x "
        f"{haplotypes.shape[1]} SNPs in {read_seconds:.1f} s; training '{args.model}'"
        + (f" with epsilon={args.epsilon}" if privacy else ""),
        flush=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / CHECKPOINT_FILE
    if checkpoint.exists():
        print(f"resuming from {checkpoint}", flush=True)
    stop_requested = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        model.fit(
            haplotypes,
            populations,
            privacy=privacy,
            progress=_print_progress,
            should_stop=lambda: stop_requested,
            max_seconds=None if args.max_minutes is None else 60 * args.max_minutes,
            checkpoint_path=checkpoint,
        )
    except TrainingCancelled:
        print(
            f"training cancelled; run the same command again to resume from {checkpoint}",
            file=sys.stderr,
        )
        return EXIT_CANCELLED
    finally:
        signal.signal(signal.SIGINT, previous)
    model.save(args.out / MODEL_FILE)
    write_variants(args.out / VARIANTS_FILE, cohort.variants)
    counts: dict[str, int] | None = None
    if populations is not None and model.populations_:
        counts = {p: populations.count(p) // 2 for p in model.populations_}
    run = {
        "model": model.name,
        "hyperparameters": model.params.to_dict(),
        "seed": args.seed,
        "differential_privacy": None
        if privacy is None
        else {
            "target_epsilon": privacy.target_epsilon,
            "target_delta": privacy.delta_for(len(cohort.samples)),
            "max_grad_norm": privacy.max_grad_norm,
            "epsilon_spent": model.epsilon_spent_,
            "delta": model.delta_,
            "unit": "individual (both haplotypes)",
        },
        "input": {"vcf": str(args.vcf), "panel": None if args.panel is None else str(args.panel)},
        "n_individuals": len(cohort.samples),
        "n_haplotypes": int(haplotypes.shape[0]),
        "n_variants": int(haplotypes.shape[1]),
        "qc": cohort.qc.to_dict(),
        "population_individuals": counts,
        "condition_on": condition_on if counts is not None else None,
        "timings": {
            "read_seconds": round(read_seconds, 3),
            "train_seconds": round(model.train_seconds_, 3),
            "total_seconds": round(time.monotonic() - started, 3),
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (args.out / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    checkpoint.unlink(missing_ok=True)
    spent = (
        f"; epsilon spent {model.epsilon_spent_:.3g}" if model.epsilon_spent_ is not None else ""
    )
    print(f"trained in {model.train_seconds_:.1f} s{spent}; wrote {args.out}", flush=True)
    return 0


# -- sample ---------------------------------------------------------------------------------
def command_sample(args: argparse.Namespace) -> int:
    from .output import sample_cohort, write_synthetic_cohort

    run_dir: Path = args.run_dir
    missing = [f for f in (MODEL_FILE, RUN_FILE, VARIANTS_FILE) if not (run_dir / f).is_file()]
    if not run_dir.is_dir() or missing:
        raise CliError(
            f"{run_dir} is not a finished run directory (missing {', '.join(missing) or run_dir}): "
            "run 'python -m generation train --out DIR' first"
        )
    if not args.out.name.endswith(".vcf.gz"):
        raise CliError(f"--out must name a .vcf.gz file; found {args.out}")
    run = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    model = HaplotypeGenerator.load(run_dir / MODEL_FILE)
    variants = read_variants(run_dir / VARIANTS_FILE)
    if args.population is not None and not model.populations_:
        raise CliError(
            f"--population: model '{model.name}' in {run_dir} was not trained with a panel, so "
            "it cannot sample by population; drop --population"
        )
    if args.population is not None and args.population not in (model.populations_ or []):
        raise CliError(
            f"--population {args.population!r} is unknown; choose one of "
            f"{', '.join(model.populations_ or [])}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    haplotypes, populations = sample_cohort(
        model,
        args.n,
        population=args.population,
        population_individuals=run.get("population_individuals"),
        seed=args.seed,
    )
    files = write_synthetic_cohort(args.out, haplotypes, variants, populations=populations,
                                   label_column=run.get("condition_on") or "population")
    written = [str(p) for p in (files.vcf, files.index, files.panel) if p is not None]
    print(f"wrote {args.n} synthetic individuals: {', '.join(written)}", flush=True)
    return 0


COMMANDS = {"models": command_models, "train": command_train, "sample": command_sample}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    try:
        return COMMANDS[args.command](args)
    except (CliError, EngineError, InvalidGenotypeError) as error:
        print(f"python -m generation {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"python -m generation {args.command}: error: {error}", file=sys.stderr)
        return 1

"""Generator benchmark on the 1000 Genomes 805-SNP set (Yelmen et al. 2021).

    .venv/bin/python bench/generators.py [--max-minutes 10] [--threads 2] [--only NAME ...]
        [--seed S] [--param NAME=VALUE] [--labels population|superpopulation|none]
        [--resume] [--reaudit]

Every model, and each DP-capable model at epsilon 1 and 10, is trained on the fixed 80%
split of the set (by individuals, stratified by population, seed 42: the same
:func:`generation.engine.split.train_holdout_split` the site uses at ingest) and samples
as many individuals as the holdout holds, the way the site samples
(:func:`generation.engine.output.sample_cohort`: conditional models draw each individual's
population in the training proportions). Runs of earlier invocations are kept, so configurations can be run with different
caps (``--only gan --max-minutes 5``). Each configuration runs in its own process, so wall time and peak memory (the
process's maximum resident set) are its own; ``--max-minutes`` caps training (a model
stopped by the cap is reported with ``capped: true`` and the epochs it reached).

The synthetic set is then audited with :func:`audit.metrics.audit_report`, the function
the site and ``python -m audit`` run: allele-frequency r^2, LD r^2 correlation, PCA
distance, pairwise-distance Wasserstein distance, AATS against train and holdout, privacy
loss, exact copies of training haplotypes. The noise floor is the same audit with a real
sample in place of the synthetic one: the holdout is cut in two halves by individuals,
one half plays "synthetic", the other "holdout" (fidelity is also given for the whole
holdout against train, the report's ``baseline``).

Privacy loss moves by about 0.01 between synthetic draws of this size, so each run also
samples four more sets from the same trained model and reports the mean and standard
deviation of the five privacy losses (the audited release set is the first).

``--labels`` trains a configuration on other labels than its own: ``superpopulation``
(the panel's 5 groups in place of its 26 populations) or ``none``, the site's "condition
on" choice; the audit then compares real and synthetic individuals at that level.

Writes ``bench/results/generators.json`` and prints a Markdown table for the README.
Each run's synthetic set is kept in ``bench/results/synthetic/`` (not in git), so that
``--reaudit`` can audit the same sets again after a change to the audit without
retraining. ``--resume`` writes a training checkpoint under
``bench/results/checkpoints/`` and picks up from it: a long run (the RBM's 800 epochs)
can be done in several sittings, and its train time is the sum of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host_platform
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from audit.metrics import audit_report  # noqa: E402
from audit.metrics.privacy import memoryless_sample, privacy_loss  # noqa: E402
from generation.engine.base import PrivacyConfig, get_generator_class  # noqa: E402
from generation.engine.output import sample_cohort  # noqa: E402
from generation.engine.panel import read_panel  # noqa: E402
from generation.engine.split import Split, train_holdout_split  # noqa: E402
from generation.engine.vcf import read_vcf  # noqa: E402

DATA = ROOT / "data" / "1000g_805"
RESULTS = ROOT / "bench" / "results" / "generators.json"
SYNTHETIC = RESULTS.parent / "synthetic"
CHECKPOINTS = RESULTS.parent / "checkpoints"
SPLIT_SEED = 42
MODEL_SEED = 7

# The GAN's DP noise is calibrated for its planned epochs: at the published 20,000 a
# CPU run stopped by the cap would have spent a sliver of the budget on a drowned signal,
# so the DP GAN plans as many epochs as fit in the cap.
DP_GAN = {"epochs": 60}

# What a conditional model is trained on: the panel's populations (26 here), its
# superpopulations (5), or no labels at all (the site's "condition on" choice).
LABELS = ("population", "superpopulation", "none")

# (label, model, epsilon, hyperparameters, labels): every model without DP at its
# defaults, each DP-capable model at epsilon 10 and 1, and the autoregressive model
# conditioned on superpopulations (the site's "condition on" choice) with a smaller network:
# the recipe the README recommends for release.
CONFIGURATIONS: list[tuple[str, str, float | None, dict[str, Any], str]] = [
    ("rbm", "rbm", None, {}, "population"),
    ("gan", "gan", None, {}, "population"),
    ("wgan", "wgan", None, {}, "population"),
    ("autoregressive", "autoregressive", None, {}, "population"),
    ("autoregressive-superpopulation", "autoregressive", None, {"hidden": 8}, "superpopulation"),
    ("autoregressive-dp-eps10", "autoregressive", 10.0, {}, "population"),
    ("autoregressive-dp-eps1", "autoregressive", 1.0, {}, "population"),
    ("gan-dp-eps10", "gan", 10.0, DP_GAN, "population"),
    ("gan-dp-eps1", "gan", 1.0, DP_GAN, "population"),
]

# Privacy loss moves by about 0.01 from one synthetic draw of 502 individuals to the next
# (the memoryless reference's five draws span 0.019 to 0.057): each run also reports the
# mean over this many draws from the same trained model, the release set being the first.
PRIVACY_DRAWS = 5

# The paper's own figures for its GAN and RBM on this set, as the issue quotes them
# (allele-frequency and LD correlations of roughly 0.94 to 0.99); the paper's exact LD
# statistic (pairs within a window or the whole matrix) could not be checked here.
PUBLISHED = {"label": "*Yelmen et al. 2021, GAN and RBM (published, as quoted in issue 3)*",
             "af_r2": "≈0.94–0.99", "ld_r2_correlation_all_pairs": "≈0.94–0.99"}

HEADLINE = [
    ("af_r2", "AF r²"),
    ("ld_r2_correlation", "LD r² corr."),
    ("ld_r2_correlation_all_pairs", "LD r² corr. (all pairs)"),
    ("pca_distance", "PCA dist."),
    ("pairwise_wasserstein", "Pairwise W1"),
    ("c2st_auc", "C2ST AUC"),
    ("aats_train", "AATS train"),
    ("aats_holdout", "AATS holdout"),
    ("privacy_loss", "Privacy loss"),
    ("exact_copies", "Exact copies"),
]


def benchmark_data() -> dict[str, Any]:
    """The fixed split: haplotypes, per-haplotype labels and the variant table."""
    cohort = read_vcf(DATA / "genotypes.vcf.gz")
    panel = read_panel(DATA / "samples.tsv", cohort.samples)
    populations = list(panel.populations)
    split = train_holdout_split(
        len(cohort.samples), holdout_fraction=0.2, populations=populations, seed=SPLIT_SEED
    )
    data: dict[str, Any] = {
        "variants": cohort.variants, "split": split,
        "superpopulation_of": dict(zip(panel.populations, panel.superpopulations, strict=True)),
    }
    for side in ("train", "holdout"):
        rows = split.haplotype_rows(side)
        data[side] = cohort.haplotypes[rows]
        data[f"{side}_labels"] = [populations[row // 2] for row in rows]
    return data


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report["headline"].get(key) for key, _ in HEADLINE}


def audit(data: dict[str, Any], synthetic: np.ndarray, labels: list[str] | None,
          epsilon: float | None, threads: int) -> dict[str, Any]:
    report = audit_report(
        train=data["train"], holdout=data["holdout"], synthetic=synthetic,
        variants=data["variants"], train_populations=data["train_labels"],
        holdout_populations=data["holdout_labels"], synthetic_populations=labels,
        epsilon=epsilon, seed=0, threads=threads,
    )
    return {"headline": _headline(report), "verdict": report["verdict"],
            "failures": report["failures"], "baseline": report["baseline"],
            "audit_seconds": round(sum(report["seconds"].values()), 1)}


def file_stem(label: str) -> str:
    """A run label as a file name: ``autoregressive (seed 1)`` -> ``autoregressive-seed-1``."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", label).strip("-")


def save_synthetic(label: str, haplotypes: np.ndarray, labels: list[str] | None) -> Path:
    """Keep a run's synthetic set for ``--reaudit`` (bit-packed haplotypes and labels)."""
    SYNTHETIC.mkdir(parents=True, exist_ok=True)
    path = SYNTHETIC / f"{file_stem(label)}.npz"
    np.savez_compressed(path, packed=np.packbits(haplotypes, axis=1), n_variants=haplotypes.shape[1],
                        labels=np.array(labels if labels is not None else [], dtype=str))
    return path


def load_synthetic(label: str) -> tuple[np.ndarray, list[str] | None] | None:
    """The synthetic set saved by the run ``label``, or None when this machine has none."""
    path = SYNTHETIC / f"{file_stem(label)}.npz"
    if not path.exists():
        return None
    with np.load(path) as saved:
        haplotypes = np.unpackbits(saved["packed"], axis=1, count=int(saved["n_variants"]))
        labels = saved["labels"].tolist()
    return haplotypes.astype(np.uint8), labels or None


def run_label(label: str, seed: int, overrides: dict[str, str] | None, labels: str | None = None) -> str:
    """A run's name: the configuration, and what differs from it (seed, labels, parameters)."""
    default_labels = next(c[4] for c in CONFIGURATIONS if c[0] == label)
    return (label + (f" (seed {seed})" if seed != MODEL_SEED else "")
            + ("" if labels in (None, default_labels)
               else " (no labels)" if labels == "none" else f" ({labels} labels)")
            + "".join(f" [{k}={v}]" for k, v in sorted((overrides or {}).items())))


def labelled_as(data: dict[str, Any], labels: str) -> dict[str, Any]:
    """``data`` with its train and holdout labels at the ``labels`` level (see :data:`LABELS`).

    Superpopulation labels replace the population ones, so the audit compares synthetic
    and real individuals by the groups the model knows; ``none`` keeps the populations
    (an unlabelled model's set has no labels to compare).
    """
    if labels != "superpopulation":
        return data
    superpopulation = data["superpopulation_of"]
    return dict(data, **{f"{side}_labels": [superpopulation[p] for p in data[f"{side}_labels"]]
                         for side in ("train", "holdout")})


def run_one(label: str, max_minutes: float, threads: int, seed: int = MODEL_SEED,
            overrides: dict[str, str] | None = None, resume: bool = False,
            labels: str | None = None) -> dict[str, Any]:
    """Train, sample and audit one configuration (in this process); ``labels`` replaces
    the configuration's labelling (without labels a conditional model learns one mixture)."""
    import torch

    torch.set_num_threads(threads)
    _, model_name, epsilon, hyperparameters, default_labels = next(c for c in CONFIGURATIONS if c[0] == label)
    hyperparameters = {**hyperparameters, **(overrides or {})}
    full_label = run_label(label, seed, overrides, labels)
    labelling = labels or default_labels
    data = labelled_as(benchmark_data(), labelling)
    train_labels = None if labelling == "none" else data["train_labels"]
    model = get_generator_class(model_name)(hyperparameters, seed=seed)
    privacy = None if epsilon is None else PrivacyConfig(target_epsilon=epsilon)
    checkpoint = CHECKPOINTS / f"{file_stem(full_label)}.pt" if resume else None
    if checkpoint is not None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
    last: dict[str, Any] = {}

    def progress(report: Any) -> None:
        last.update(step=report.step, total_steps=report.total_steps)

    started = time.perf_counter()
    model.fit(data["train"], train_labels, privacy=privacy, progress=progress,
              max_seconds=60 * max_minutes, checkpoint_path=checkpoint)
    sitting_seconds = time.perf_counter() - started
    capped = sitting_seconds >= 60 * max_minutes * 0.98
    if checkpoint is not None and not capped:
        checkpoint.unlink(missing_ok=True)  # finished: the next run of this label starts afresh
    started = time.perf_counter()
    # as the site samples: individuals, each population drawn in the training proportions
    shares = dict(Counter((train_labels or [])[0::2]))
    synthetic, synthetic_labels = sample_cohort(model, len(data["holdout"]) // 2, seed=seed,
                                                population_individuals=shares)
    sample_seconds = time.perf_counter() - started
    save_synthetic(full_label, synthetic, synthetic_labels)
    further_draws = [sample_cohort(model, len(data["holdout"]) // 2, seed=seed + draw,
                                   population_individuals=shares)[0]
                     for draw in range(1, PRIVACY_DRAWS)]
    result = {
        "label": full_label,
        "seed": seed,
        "model": model_name,
        "hyperparameters": model.params.to_dict(),
        "target_epsilon": epsilon,
        "epsilon_spent": model.epsilon_spent_,
        "delta": model.delta_,
        # every sitting of a resumed run, from the checkpoints' running total
        "train_seconds": round(model.train_seconds_, 1),
        "last_sitting_seconds": round(sitting_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "steps": last.get("step"),
        "planned_steps": last.get("total_steps"),
        "max_minutes": max_minutes,
        "capped": capped,
        "labels": labelling,
        "conditional": bool(model.populations_),
        **audit(data, synthetic, synthetic_labels, model.epsilon_spent_, threads),
    }
    result["privacy_loss_draws"] = [round(result["headline"]["privacy_loss"], 4)] + [
        round(privacy_loss(data["train"], data["holdout"], draw)["privacy_loss"], 4)
        for draw in further_draws
    ]
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def reaudit(run: dict[str, Any], data: dict[str, Any], threads: int) -> dict[str, Any] | None:
    """The run with its saved synthetic set audited again; None when the set is not here."""
    saved = load_synthetic(run["label"])
    if saved is None:
        return None
    synthetic, labels = saved
    data = labelled_as(data, run.get("labels", "population"))
    return {**run, **audit(data, synthetic, labels, run.get("epsilon_spent"), threads),
            "reaudited": time.strftime("%Y-%m-%d")}


def noise_floor(data: dict[str, Any], threads: int) -> dict[str, Any]:
    """The audit of a real sample the generator never saw: half the holdout individuals."""
    people = np.random.default_rng(SPLIT_SEED).permutation(len(data["holdout"]) // 2)
    halves_split = Split(train=np.sort(people[len(people) // 2:]), holdout=np.sort(people[: len(people) // 2]))
    as_holdout, as_synthetic = halves_split.haplotype_rows("holdout"), halves_split.haplotype_rows("train")
    halves = dict(data, holdout=data["holdout"][as_holdout],
                  holdout_labels=[data["holdout_labels"][r] for r in as_holdout])
    result = audit(halves, data["holdout"][as_synthetic],
                   [data["holdout_labels"][r] for r in as_synthetic], None, threads)
    result["label"] = "real holdout (noise floor)"
    return result


class IndependentSites:
    """Each population's training allele frequencies, SNPs drawn independently: nothing else.

    Not a product model: a reference for the privacy loss, the audit's memoryless sample
    (:func:`audit.metrics.privacy.memoryless_sample`) drawn with the site's population
    shares. It keeps 26 x 805 frequencies and no haplotype, so it cannot memorise an
    individual. Duck-types the part of :class:`~generation.engine.base.HaplotypeGenerator`
    that ``sample_cohort`` uses.
    """

    def __init__(self, haplotypes: np.ndarray, labels: list[str]) -> None:
        self.train, self.train_labels = haplotypes, labels
        self.populations_ = sorted(set(labels))
        self.n_variants_ = haplotypes.shape[1]

    def sample(self, n: int, *, population: str | None = None, seed: int = 0) -> np.ndarray:
        assert population is not None
        rng = np.random.default_rng(np.random.SeedSequence([seed, self.populations_.index(population)]))
        return memoryless_sample(self.train, [population] * n, self.train_labels, n, rng)


def memoryless_reference(data: dict[str, Any], threads: int, draws: int = PRIVACY_DRAWS) -> dict[str, Any]:
    """The audit of :class:`IndependentSites` samples, averaged over ``draws`` draws."""
    model = IndependentSites(data["train"], data["train_labels"])
    training_individuals = Counter(data["train_labels"][0::2])
    audits = []
    for seed in range(draws):
        synthetic, labels = sample_cohort(model, len(data["holdout"]) // 2, seed=seed,  # type: ignore[arg-type]
                                          population_individuals=dict(training_individuals))
        audits.append(audit(data, synthetic, labels, None, threads))
    return {
        "label": f"independent sites per population (cannot memorise; mean of {draws} draws)",
        "headline": {key: float(np.mean([a["headline"][key] for a in audits])) for key, _ in HEADLINE},
        "privacy_loss_draws": [round(a["headline"]["privacy_loss"], 4) for a in audits],
    }


def mean_over_draws(draws: list[float] | None) -> str:
    """``mean ± sd (n)`` of a run's privacy losses over synthetic draws; "–" without draws."""
    if not draws or len(draws) < 2:
        return "–"
    return f"{np.mean(draws):.3f} ± {np.std(draws, ddof=1):.3f} ({len(draws)})"


def markdown_table(results: dict[str, Any]) -> str:
    header = (["Set", "Train s", "Peak MB", "ε spent"] + [name for _, name in HEADLINE]
              + ["Privacy loss, mean ± sd (draws)"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cell(value: Any) -> str:
        if value is None:
            return "–"
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    floor = results["noise_floor"]
    baseline = floor["baseline"]
    floor_row = {**floor["headline"], **{k: baseline.get(k) for k in
                                         ("af_r2", "ld_r2_correlation", "ld_r2_correlation_all_pairs",
                                          "pca_distance", "pairwise_wasserstein")}}
    lines.append("| " + " | ".join(["**real holdout** (noise floor)", "–", "–", "–"]
                                   + [cell(floor_row[k]) for k, _ in HEADLINE] + ["–"]) + " |")
    lines.append("| " + " | ".join([PUBLISHED["label"], "–", "–", "–"]
                                   + [PUBLISHED.get(k, "–") for k, _ in HEADLINE] + ["–"]) + " |")
    reference = results["memoryless_reference"]
    lines.append("| " + " | ".join([f"*{reference['label']}*", "–", "–", "–"]
                                   + [cell(reference["headline"][k]) for k, _ in HEADLINE]
                                   + [mean_over_draws(reference["privacy_loss_draws"])]) + " |")
    for run in results["runs"]:
        if "error" in run:
            lines.append(f"| {run['label']} | error: {run['error']} |")
            continue
        trained = f"{run['train_seconds']:.0f}" + (" (cap)" if run["capped"] else "")
        lines.append("| " + " | ".join(
            [run["label"], trained, str(run["peak_memory_mb"]), cell(run["epsilon_spent"])]
            + [cell(run["headline"].get(k)) for k, _ in HEADLINE]
            + [mean_over_draws(run.get("privacy_loss_draws"))]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-minutes", type=float, default=10.0,
                        help="training cap per configuration (the issue's CPU budget: 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=[c[0] for c in CONFIGURATIONS])
    parser.add_argument("--seed", type=int, default=MODEL_SEED,
                        help=f"model seed; runs with another seed than {MODEL_SEED} are kept beside "
                        "the default one, to show the spread between runs")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a hyperparameter (repeatable); such runs are kept beside "
                        "the default one")
    parser.add_argument("--resume", action="store_true",
                        help="checkpoint training and continue from an earlier capped --resume run")
    parser.add_argument("--reaudit", action="store_true",
                        help="no training: audit the saved synthetic sets of the kept runs again "
                        "(with --only, those configurations' runs)")
    parser.add_argument("--labels", choices=LABELS,
                        help="train on these labels instead of the configuration's (kept beside "
                        "its run); none: no labels, one mixture")
    parser.add_argument("--one", choices=[c[0] for c in CONFIGURATIONS], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    malformed = [item for item in args.param if "=" not in item.strip("=")]
    if malformed:
        parser.error(f"--param expects NAME=VALUE; found {malformed[0]!r}")
    training_options = [flag for flag, given in (("--resume", args.resume), ("--param", args.param),
                                                 ("--labels", args.labels),
                                                 ("--seed", args.seed != MODEL_SEED)) if given]
    if args.reaudit and training_options:
        parser.error(f"--reaudit trains nothing; drop {', '.join(training_options)} "
                     "(it re-audits every kept run of the --only configurations)")
    overrides = dict(item.split("=", 1) for item in args.param)
    if args.one:
        print(json.dumps(run_one(args.one, args.max_minutes, args.threads, args.seed, overrides,
                                 resume=args.resume, labels=args.labels)))
        return 0

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    kept = {run["label"]: run for run in previous.get("runs", [])}
    data = benchmark_data()
    if args.reaudit:
        for label, run in kept.items():
            if "error" in run or (args.only and label.split(" ")[0] not in args.only):
                continue
            again = reaudit(run, data, args.threads)
            print(f"== {label}: " + ("re-audited" if again else "no saved synthetic set, kept as it was"),
                  flush=True)
            if again:
                kept[label] = again
    for label in [] if args.reaudit else args.only or [c[0] for c in CONFIGURATIONS]:
        print(f"== {label}", flush=True)
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
        child = subprocess.run(
            [sys.executable, __file__, "--one", label, "--max-minutes", str(args.max_minutes),
             "--threads", str(args.threads), "--seed", str(args.seed),
             *(f"--param={item}" for item in args.param), *(["--resume"] if args.resume else []),
             *([f"--labels={args.labels}"] if args.labels else [])],
            capture_output=True, text=True, env=env,
        )
        if child.returncode != 0:
            run = {"label": label, "error": child.stderr.strip().splitlines()[-1][:200]}
        else:
            run = json.loads(child.stdout.strip().splitlines()[-1])
        kept[run["label"]] = run
        print(json.dumps(run.get("headline", run), indent=None), flush=True)
    order = [c[0] for c in CONFIGURATIONS]
    results = {
        "benchmark": "1000 Genomes 805 SNPs, 80/20 split by individuals stratified by population, "
                     f"seed {SPLIT_SEED}",
        "machine": f"{host_platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads",
        "noise_floor": noise_floor(data, args.threads),
        "memoryless_reference": memoryless_reference(data, args.threads),
        "runs": sorted(kept.values(), key=lambda run: (order.index(run["label"].split(" ")[0]),
                                                        run["label"])),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown_table(results))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

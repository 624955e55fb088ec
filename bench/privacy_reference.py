"""What the privacy loss of the 805-SNP benchmark owes to estimating allele frequencies.

    .venv/bin/python bench/privacy_reference.py [--draws 5] [--threads 2] [--skip-models]

The audit's privacy loss (AATS holdout - AATS train, Yale et al. 2020) is about 0.04
for samples that keep nothing of any individual: SNPs drawn independently at each
population's training allele frequencies (:func:`audit.metrics.privacy.memoryless_sample`).
Frequencies estimated from ~150 training haplotypes per population sit measurably
closer to those haplotypes than to unseen ones (the membership signal of pooled allele
frequencies, Homer et al. 2008). This script measures how that floor moves with the
number of haplotypes behind each frequency, on the generator benchmark's split
(:func:`generators.benchmark_data`):

1. Memoryless samples at frequencies of: each population (26 groups), each
   superpopulation (5), the whole training set (1), each population shrunk towards its
   superpopulation with ``k`` pseudo-haplotypes (``(count_pop + k * freq_superpop) /
   (n_pop + k)``), and, as a sign check, each population's *holdout* frequencies (must
   come out strongly negative). Every sample has the holdout's size; ``--draws`` draws.
2. The ``autoregressive`` generator trained with population labels, with
   superpopulation labels, and without labels, each at its automatic mixture size and
   with more components than labels, over seeds 7, 1 and 2, ``--draws`` synthetic sets
   each (sampled like the benchmark): does modelling fewer, larger groups lower its
   privacy loss, what does it cost in population structure (PCA distance, first draw),
   and do spare mixture components find the finer groups again? ``privacy_loss`` is the
   mean over seeds and draws, ``privacy_loss_draws`` the mean per seed.

Writes bench/results/privacy_reference.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from generators import MODEL_SEED, benchmark_data, labelled_as  # noqa: E402

from audit.metrics.fidelity import allele_frequency_r2  # noqa: E402
from audit.metrics.ld import ld_r2_correlation  # noqa: E402
from audit.metrics.pca import pca_distance  # noqa: E402
from audit.metrics.privacy import memoryless_sample, privacy_loss  # noqa: E402
from generation.engine.base import get_generator_class  # noqa: E402
from generation.engine.output import sample_cohort  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "privacy_reference.json"
SHRINKAGE = (50, 150, 400)


Sampler = Callable[[np.random.Generator], np.ndarray]


def memoryless_samplers(data: dict[str, Any], superpopulation: dict[str, str],
                        labels: list[str]) -> dict[str, Sampler]:
    """Draws of ``len(labels)`` haplotypes, SNPs independent, by how frequencies are estimated."""
    train, holdout, n = data["train"], data["holdout"], len(labels)
    train_pop, holdout_pop = data["train_labels"], data["holdout_labels"]
    train_super = [superpopulation[p] for p in train_pop]
    labels_super = [superpopulation[p] for p in labels]
    train_pop_array, train_super_array = np.asarray(train_pop), np.asarray(train_super)

    def shrunk(k: int) -> Sampler:
        def sample(rng: np.random.Generator) -> np.ndarray:
            out = np.empty((n, train.shape[1]), dtype=np.uint8)
            for pop in sorted(set(labels)):
                rows = np.flatnonzero(np.asarray(labels) == pop)
                members = train_pop_array == pop
                prior = train[train_super_array == superpopulation[pop]].mean(0)
                frequencies = (train[members].sum(0) + k * prior) / (members.sum() + k)
                out[rows] = rng.random((len(rows), train.shape[1])) < frequencies
            return out
        return sample

    samplers: dict[str, Sampler] = {
        "population (train)": lambda rng: memoryless_sample(train, labels, train_pop, n, rng),
        "superpopulation (train)": lambda rng: memoryless_sample(train, labels_super, train_super, n, rng),
        "pooled (train)": lambda rng: memoryless_sample(train, None, None, n, rng),
    }
    samplers.update({f"population shrunk to superpopulation, k={k}": shrunk(k) for k in SHRINKAGE})
    samplers["population (holdout: sign check)"] = (
        lambda rng: memoryless_sample(holdout, labels, holdout_pop, n, rng)
    )
    return samplers


def memoryless_rows(data: dict[str, Any], superpopulation: dict[str, str], draws: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(MODEL_SEED)
    labels = list(rng.choice(np.asarray(data["train_labels"]), size=len(data["holdout"])))
    rows = []
    for name, sample in memoryless_samplers(data, superpopulation, labels).items():
        losses = [privacy_loss(data["train"], data["holdout"], sample(rng), seed=k)["privacy_loss"]
                  for k in range(draws)]
        rows.append({"set": f"memoryless at {name} frequencies", "privacy_loss": float(np.mean(losses)),
                     "privacy_loss_draws": [round(v, 4) for v in losses]})
        print(rows[-1], flush=True)
    return rows


MODEL_VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("population labels (automatic: 16 components)", "population", {}),
    ("population labels, 26 components", "population", {"components": 26}),
    ("superpopulation labels (automatic: 5 components)", "superpopulation", {}),
    ("superpopulation labels, 16 components", "superpopulation", {"components": 16}),
    ("no labels (automatic: 4 components)", "none", {}),
]
MODEL_SEEDS = (MODEL_SEED, 1, 2)


def model_rows(data: dict[str, Any], threads: int, draws: int) -> list[dict[str, Any]]:
    import torch

    torch.set_num_threads(threads)
    rows = []
    for name, labeling, overrides in MODEL_VARIANTS:
        labels = None if labeling == "none" else labelled_as(data, labeling)["train_labels"]
        shares = dict(Counter((labels or [])[0::2]))
        per_seed, fidelity = [], []
        for seed in MODEL_SEEDS:
            model = get_generator_class("autoregressive")(overrides, seed=seed)
            model.fit(data["train"], labels)
            # an unlabelled model ignores the shares and draws from its one mixture
            sets = [sample_cohort(model, len(data["holdout"]) // 2, seed=seed + draw,
                                  population_individuals=shares)[0] for draw in range(draws)]
            per_seed.append([privacy_loss(data["train"], data["holdout"], s)["privacy_loss"] for s in sets])
            fidelity.append((allele_frequency_r2(data["train"], sets[0]),
                             ld_r2_correlation(data["train"], sets[0], data["variants"]),
                             pca_distance(data["train"], sets[0])))
        rows.append({
            "set": f"autoregressive, {name}",
            "privacy_loss": float(np.mean(per_seed)),
            "privacy_loss_draws": [round(float(np.mean(losses)), 4) for losses in per_seed],
            "seeds": list(MODEL_SEEDS),
            **dict(zip(("af_r2", "ld_r2_correlation", "pca_distance"),
                       np.mean(fidelity, axis=0).tolist(), strict=True)),
        })
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=5,
                        help="synthetic draws per memoryless frequency set and per trained model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-models", action="store_true", help="only the memoryless samples")
    args = parser.parse_args(argv)
    data = benchmark_data()
    superpopulation = data["superpopulation_of"]
    rows = memoryless_rows(data, superpopulation, args.draws)
    if not args.skip_models:
        rows += model_rows(data, args.threads, args.draws)
    RESULTS.write_text(json.dumps({
        "benchmark": "1000 Genomes 805 SNPs, the generator benchmark's split",
        "measured": time.strftime("%Y-%m-%d"),
        "privacy_loss": "AATS(holdout) - AATS(train), 3 subsample repeats per set (audit.metrics.privacy)",
        "rows": rows,
    }, indent=2) + "\n")
    print("\n| Set | Privacy loss | Draws | AF r² | LD r² corr. | PCA dist. |\n|---|---|---|---|---|---|")
    for row in rows:
        extra = " | ".join(f"{row[k]:.4g}" if k in row else "–"
                           for k in ("af_r2", "ld_r2_correlation", "pca_distance"))
        print(f"| {row['set']} | {row['privacy_loss']:.4f} | {row['privacy_loss_draws']} | {extra} |")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

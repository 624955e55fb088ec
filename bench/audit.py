"""Audit speed: a full audit of the 805-SNP benchmark, and nearest-neighbour distances
against scikit-learn, at 805 and 10,000 SNPs, with a memory bound for 100k x 100k.

    .venv/bin/python bench/audit.py [--threads 2] [--sklearn-queries 1000]

1. Full audit (:func:`audit.metrics.audit_report`) of the 1000 Genomes 805-SNP panel:
   4,000 training and 1,000 holdout haplotypes (split by individuals), and 5,000
   synthetic haplotypes standing in for a generator's output: holdout haplotypes drawn
   with replacement, 1% of alleles flipped (generators are benchmarked elsewhere).
2. Nearest-neighbour Hamming distances, 5,000 queries against 4,000 references:
   :func:`audit.metrics.distances.nearest_neighbour_hamming` against
   ``sklearn.neighbors.NearestNeighbors(metric="hamming")``, on the 805-SNP panel and on
   10,000 SNPs simulated with msprime. scikit-learn runs on ``--sklearn-queries``
   queries and is scaled linearly to 5,000 (its cost is linear in the queries); its
   distances are checked against ours.
3. 100,000 x 100,000 haplotypes: the block size and memory bound at 805, 10,000 and
   100,000 SNPs, a measured run of 2,000 queries against 100,000 references (805 SNPs)
   with the peak of numpy allocations (tracemalloc), and the full run's time scaled
   from the measured throughput.

Writes bench/results/audit.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from audit.metrics import audit_report  # noqa: E402
from audit.metrics.distances import (  # noqa: E402
    DEFAULT_BLOCK_BYTES,
    block_size,
    nearest_neighbour_hamming,
)
from generation.engine.vcf import read_vcf  # noqa: E402

DATA = ROOT / "data" / "1000g_805" / "genotypes.vcf.gz"
RESULTS = ROOT / "bench" / "results" / "audit.json"


def benchmark_sets(seed: int = 0) -> dict[str, np.ndarray]:
    cohort = read_vcf(DATA)
    people = np.random.default_rng(seed).permutation(len(cohort.samples))

    def rows(chosen: np.ndarray) -> np.ndarray:
        return np.sort(np.concatenate([2 * chosen, 2 * chosen + 1]))

    train = cohort.haplotypes[rows(people[:2000])]
    holdout = cohort.haplotypes[rows(people[2000:2500])]
    rng = np.random.default_rng(seed + 1)
    synthetic = holdout[rng.integers(0, len(holdout), 5000)]
    synthetic ^= (rng.random(synthetic.shape) < 0.01).astype(np.uint8)
    return {"train": train, "holdout": holdout, "synthetic": synthetic, "variants": cohort.variants}


def full_audit(sets: dict[str, np.ndarray], threads: int) -> dict[str, object]:
    started = time.perf_counter()
    report = audit_report(
        train=sets["train"],
        holdout=sets["holdout"],
        synthetic=sets["synthetic"],
        variants=sets["variants"],
        seed=0,
        threads=threads,
    )
    return {
        "threads": threads,
        "seconds": round(time.perf_counter() - started, 2),
        "stage_seconds": {k: round(v, 2) for k, v in report["seconds"].items()},
        "verdict": report["verdict"],
        "failures": report["failures"],
        "headline": report["headline"],
        "baseline": report["baseline"],
    }


def simulate_haplotypes(n_haplotypes: int, n_snps: int, seed: int = 1) -> np.ndarray:
    """Haplotypes with realistic LD and frequency spectrum from msprime."""
    import msprime

    ts = msprime.sim_ancestry(
        samples=n_haplotypes // 2,
        population_size=10_000,
        sequence_length=2_500_000,
        recombination_rate=1e-8,
        random_seed=seed,
    )
    ts = msprime.sim_mutations(
        ts, rate=1.5e-8, random_seed=seed, model=msprime.BinaryMutationModel()
    )
    genotypes = ts.genotype_matrix()
    if len(genotypes) < n_snps:
        raise SystemExit(f"simulation gave {len(genotypes)} SNPs < {n_snps}: lengthen it")
    chosen = np.sort(np.random.default_rng(seed).choice(len(genotypes), n_snps, replace=False))
    return np.ascontiguousarray(genotypes[chosen].T.astype(np.uint8))


def nearest_neighbour_race(
    query: np.ndarray, reference: np.ndarray, sklearn_queries: int
) -> dict[str, object]:
    from sklearn.neighbors import NearestNeighbors

    started = time.perf_counter()
    ours = nearest_neighbour_hamming(query, reference).distances[:, 0]
    ours_seconds = time.perf_counter() - started
    subset = query[:sklearn_queries]
    started = time.perf_counter()
    model = NearestNeighbors(n_neighbors=1, metric="hamming").fit(reference.astype(bool))
    theirs, _ = model.kneighbors(subset.astype(bool))
    sklearn_seconds = (time.perf_counter() - started) * len(query) / len(subset)
    agree = bool(
        np.array_equal(np.rint(theirs[:, 0] * query.shape[1]).astype(int), ours[: len(subset)])
    )
    return {
        "queries": len(query),
        "references": len(reference),
        "snps": query.shape[1],
        "ours_seconds": round(ours_seconds, 3),
        "sklearn_seconds": round(sklearn_seconds, 2),
        "sklearn_measured_on_queries": len(subset),
        "speedup": round(sklearn_seconds / ours_seconds, 1),
        "distances_agree": agree,
        "ours_gflops": round(
            2 * query.shape[0] * reference.shape[0] * query.shape[1] / ours_seconds / 1e9, 1
        ),
    }


def memory_bound(n: int = 100_000, measured_queries: int = 2000) -> dict[str, object]:
    plans = {}
    for snps in (805, 10_000, 100_000):
        side = block_size(snps)
        blocks = -(-n // side)
        plans[str(snps)] = {
            "block_rows": side,
            "block_bytes": 4 * (2 * side * snps + side * side),
            "block_pairs": blocks * blocks,
            "input_bytes_uint8": 2 * n * snps,
        }
    rng = np.random.default_rng(5)
    frequencies = rng.beta(0.5, 0.5, 805)
    reference = (rng.random((n, 805)) < frequencies).astype(np.uint8)
    query = (rng.random((measured_queries, 805)) < frequencies).astype(np.uint8)
    tracemalloc.start()
    started = time.perf_counter()
    nearest_neighbour_hamming(query, reference)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "n_haplotypes": n,
        "max_block_bytes": DEFAULT_BLOCK_BYTES,
        "plans_by_snps": plans,
        "measured": {
            "queries": measured_queries,
            "references": n,
            "snps": 805,
            "seconds": round(seconds, 2),
            "peak_numpy_bytes_beyond_inputs": peak,
        },
        "estimated_full_seconds_805_snps": round(seconds * n / measured_queries, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    parser.add_argument("--sklearn-queries", type=int, default=1000)
    arguments = parser.parse_args()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
    }
    sets = benchmark_sets()
    results["full_audit_805"] = full_audit(sets, arguments.threads)
    with threadpool_limits(limits=arguments.threads):
        results["nearest_neighbours_805"] = nearest_neighbour_race(
            sets["synthetic"], sets["train"], arguments.sklearn_queries
        )
        simulated = simulate_haplotypes(9000, 10_000)
        results["nearest_neighbours_10k"] = nearest_neighbour_race(
            simulated[:5000], simulated[5000:9000], arguments.sklearn_queries
        )
        results["memory_100k"] = memory_bound()
    results["machine"]["load_average_at_end"] = os.getloadavg()  # type: ignore[index]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    audit = results["full_audit_805"]
    print(
        f"full audit, 805 SNPs, 4k/1k/5k haplotypes, {audit['threads']} threads: {audit['seconds']} s"
    )  # type: ignore[index]
    for stage, seconds in audit["stage_seconds"].items():  # type: ignore[index]
        print(f"  {stage:<22}{seconds:>8.2f} s")
    print(f"\n{'nearest neighbours':<22}{'ours':>10}{'sklearn':>12}{'speedup':>9}  agree")
    for key in ("nearest_neighbours_805", "nearest_neighbours_10k"):
        row = results[key]
        label = f"5k x 4k, {row['snps']} SNPs"  # type: ignore[index]
        print(
            f"{label:<22}{row['ours_seconds']:>9.2f}s{row['sklearn_seconds']:>11.1f}s{row['speedup']:>8}x  {row['distances_agree']}"
        )  # type: ignore[index]
    memory = results["memory_100k"]
    print("\n100k x 100k haplotypes, block bound", DEFAULT_BLOCK_BYTES // 2**20, "MiB:")
    for snps, plan in memory["plans_by_snps"].items():  # type: ignore[index]
        print(
            f"  {snps:>7} SNPs: blocks of {plan['block_rows']} rows, {plan['block_bytes'] / 2**20:.0f} MiB per block, inputs {plan['input_bytes_uint8'] / 2**30:.2f} GiB"
        )
    measured = memory["measured"]  # type: ignore[index]
    print(
        f"  measured 2k x 100k at 805 SNPs: {measured['seconds']} s, peak numpy allocation "
        f"{measured['peak_numpy_bytes_beyond_inputs'] / 2**20:.0f} MiB; full 100k x 100k "
        f"~{memory['estimated_full_seconds_805_snps'] / 60:.0f} min"  # type: ignore[index]
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

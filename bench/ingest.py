"""Ingestion throughput and peak memory against scikit-allel's read_vcf on the same file.

    .venv/bin/python bench/ingest.py [--individuals 5000] [--snps 50000] [--keep]

Simulates a phased cohort with msprime (three populations, LD from recombination),
writes it as a bgzipped VCF, then runs in separate processes (so peak RSS is each one's
own): Synthome's ingestion (parse, QC, split, pack, summaries) and
``allel.read_vcf(fields=["calldata/GT"])`` alone. Writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def simulate(path: Path, individuals: int, snps: int, seed: int) -> dict[str, float]:
    import msprime
    import numpy as np

    from generation.engine.genotypes import VariantTable
    from generation.engine.vcf import write_vcf

    started = time.monotonic()
    demography = msprime.Demography.island_model([5_000] * 3, migration_rate=1e-3)
    per_population = [individuals // 3 + (1 if i < individuals % 3 else 0) for i in range(3)]
    # Expected segregating sites: 4 N mu L * harmonic(2n) (Watterson); overshoot, then thin.
    harmonic = float(np.sum(1.0 / np.arange(1, 2 * individuals)))
    length = int(1.5 * snps / (4 * 15_000 * 1.5e-8 * harmonic))
    ts = msprime.sim_ancestry(
        samples={f"pop_{i}": n for i, n in enumerate(per_population)}, demography=demography,
        sequence_length=length, recombination_rate=1e-8, random_seed=seed,
    )
    ts = msprime.sim_mutations(ts, rate=1.5e-8, random_seed=seed, model=msprime.BinaryMutationModel())
    positions = np.array([int(s.position) + 1 for s in ts.sites()])
    keep = np.concatenate([[True], np.diff(positions) > 0])
    index = np.flatnonzero(keep)
    if len(index) < snps:
        raise SystemExit(f"simulation gave {len(index)} SNPs < {snps}: raise the length")
    chosen = np.sort(np.random.default_rng(seed).choice(index, size=snps, replace=False))
    genotypes = ts.genotype_matrix()[chosen]  # (snps, haplotypes)
    n = len(chosen)
    variants = VariantTable(
        chrom=np.array(["1"] * n, dtype=object), pos=positions[chosen],
        id=np.array([f"1:{p}" for p in positions[chosen]], dtype=object),
        ref=np.array(["A"] * n, dtype=object), alt=np.array(["G"] * n, dtype=object),
    )
    samples = [f"S{i:05d}" for i in range(ts.num_individuals)]
    write_vcf(path, genotypes.T.copy(), variants, samples, index=False)
    return {"simulate_and_write_seconds": round(time.monotonic() - started, 1)}


def run_synthome(path: str) -> None:
    from cohorts.ingest import ingest_vcf

    started = time.monotonic()
    result = ingest_vcf(path, holdout_fraction=0.2, split_seed=0)
    seconds = time.monotonic() - started
    calls = 2 * len(result.samples) * len(result.variants)
    print(json.dumps({
        "seconds": round(seconds, 2), "calls": calls, "calls_per_second": round(calls / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "snps_kept": len(result.variants),
    }))


def run_allel(path: str) -> None:
    import allel

    started = time.monotonic()
    callset = allel.read_vcf(path, fields=["calldata/GT"])
    seconds = time.monotonic() - started
    gt = callset["calldata/GT"]
    calls = int(gt.shape[0] * gt.shape[1] * gt.shape[2])
    print(json.dumps({
        "seconds": round(seconds, 2), "calls": calls, "calls_per_second": round(calls / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


def measure(which: str, path: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, f"--run-{which}", str(path)], check=True,
                            capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--individuals", type=int, default=5000)
    parser.add_argument("--snps", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vcf", type=Path, help="reuse this VCF instead of simulating")
    parser.add_argument("--keep", action="store_true", help="keep the simulated VCF")
    parser.add_argument("--run-simulate", dest="run_simulate")
    parser.add_argument("--run-synthome", dest="run_synthome")
    parser.add_argument("--run-allel", dest="run_allel")
    args = parser.parse_args()
    if args.run_simulate:
        print(json.dumps(simulate(Path(args.run_simulate), args.individuals, args.snps, args.seed)))
        return None
    if args.run_synthome:
        return run_synthome(args.run_synthome)
    if args.run_allel:
        return run_allel(args.run_allel)

    workdir = Path(tempfile.mkdtemp(prefix="synthome-bench-"))
    path = args.vcf or workdir / "cohort.vcf.gz"
    report: dict[str, object] = {"individuals": args.individuals, "snps": args.snps}
    if args.vcf is None:
        # Every step runs in its own process: Linux carries a parent's peak RSS into a child
        # across fork and exec, so a big parent would inflate the children's figures.
        simulated = subprocess.run(
            [sys.executable, __file__, "--run-simulate", str(path), "--individuals",
             str(args.individuals), "--snps", str(args.snps), "--seed", str(args.seed)],
            check=True, capture_output=True, text=True,
        )
        report.update(json.loads(simulated.stdout.strip().splitlines()[-1]))
    report["vcf_bytes"] = path.stat().st_size
    report["synthome_ingest"] = measure("synthome", path)
    report["allel_read_vcf"] = measure("allel", path)
    ratio = report["synthome_ingest"]["calls_per_second"] / report["allel_read_vcf"]["calls_per_second"]  # type: ignore[index]
    report["throughput_ratio"] = round(ratio, 2)
    out = ROOT / "bench" / "results" / "ingest.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    if not args.keep and args.vcf is None:
        path.unlink()
        workdir.rmdir()
    else:
        print(f"VCF kept at {path}")


if __name__ == "__main__":
    main()

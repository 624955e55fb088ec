"""Test data: msprime-simulated cohorts (phased, structured, with LD) and platform objects."""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generation.engine.genotypes import VariantTable
from generation.engine.vcf import write_vcf

PASSWORD = "correct-horse-battery"


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns a truthy value; fail the test on timeout."""
    import pytest

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@dataclass
class SimulatedCohort:
    haplotypes: np.ndarray  # (2 * n_individuals, n_variants) uint8
    variants: VariantTable
    samples: list[str]
    populations: list[str]  # one per individual


def simulate_cohort(
    *, individuals_per_population: int = 20, populations: int = 2, sequence_length: float = 2e5,
    seed: int = 1,
) -> SimulatedCohort:
    """Phased diploid cohort from msprime: populations split 2,000 generations ago."""
    import msprime

    demography = msprime.Demography()
    names = [f"POP{i}" for i in range(populations)]
    for name in names:
        demography.add_population(name=name, initial_size=5_000)
    demography.add_population(name="ANC", initial_size=10_000)
    demography.add_population_split(time=2_000, derived=names, ancestral="ANC")
    ts = msprime.sim_ancestry(
        samples={name: individuals_per_population for name in names},
        demography=demography, sequence_length=sequence_length, recombination_rate=1e-8,
        random_seed=seed,
    )
    ts = msprime.sim_mutations(ts, rate=2e-8, random_seed=seed, model=msprime.BinaryMutationModel())
    positions = np.array([int(site.position) + 1 for site in ts.sites()], dtype=np.int64)
    genotypes = ts.genotype_matrix()  # (n_sites, n_haplotypes), individuals' nodes adjacent
    unique = np.concatenate([[True], np.diff(positions) > 0])
    positions, genotypes = positions[unique], genotypes[unique]
    n = len(positions)
    variants = VariantTable(
        chrom=np.array(["1"] * n, dtype=object), pos=positions,
        id=np.array([f"1:{p}" for p in positions], dtype=object),
        ref=np.array(["A"] * n, dtype=object), alt=np.array(["G"] * n, dtype=object),
    )
    population_of = [names[ts.node(ind.nodes[0]).population] for ind in ts.individuals()]
    samples = [f"S{i:04d}" for i in range(ts.num_individuals)]
    return SimulatedCohort(
        haplotypes=np.ascontiguousarray(genotypes.T.astype(np.uint8)), variants=variants,
        samples=samples, populations=population_of,
    )


def write_cohort_files(cohort: SimulatedCohort, directory: Path) -> tuple[Path, Path]:
    """Write the cohort as a bgzipped VCF and a sample panel TSV; return both paths."""
    vcf = write_vcf(directory / "cohort.vcf.gz", cohort.haplotypes, cohort.variants, cohort.samples, index=False)
    panel = directory / "panel.tsv"
    rows = ["sample\tpopulation\tsuperpopulation"] + [
        f"{s}\t{p}\tSUPER" for s, p in zip(cohort.samples, cohort.populations, strict=True)
    ]
    panel.write_text("\n".join(rows) + "\n")
    return vcf, panel


def vcf_text(samples: list[str], records: list[str]) -> str:
    """A small hand-written VCF: records are 'CHROM POS ID REF ALT GT GT ...' lines."""
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=1>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    body = []
    for record in records:
        chrom, pos, vid, ref, alt, *calls = record.split()
        body.append("\t".join([chrom, pos, vid, ref, alt, ".", "PASS", ".", "GT", *calls]))
    return "\n".join(header + body) + "\n"


def write_gzip(path: Path, text: str) -> Path:
    with gzip.open(path, "wt") as out:
        out.write(text)
    return path

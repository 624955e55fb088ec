"""Fixtures for the audit's tests: no Django, the 1000 Genomes 805-SNP benchmark split by
individuals, and synthetic sets that memorise their training data in different ways."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from audit.metrics import audit_report
from generation.engine.genotypes import VariantTable
from generation.engine.panel import read_panel
from generation.engine.vcf import read_vcf

DATA = Path(__file__).resolve().parents[2] / "data" / "1000g_805"


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """The metrics never touch Django storage: override the site-wide autouse fixture,
    so these tests also run with ``-p no:django``."""


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """The cores are shared: one BLAS thread each, as the audit itself runs by default."""
    with threadpool_limits(limits=1):
        yield


@dataclass(frozen=True)
class Benchmark:
    """The 805-SNP panel split by individuals into train, holdout and a fresh sample."""

    variants: VariantTable
    train: np.ndarray  # (1200, 805) uint8
    holdout: np.ndarray  # (600, 805)
    fresh: np.ndarray  # (600, 805): real people in neither set
    train_labels: list[str]  # superpopulation per haplotype
    holdout_labels: list[str]
    fresh_labels: list[str]


@pytest.fixture(scope="session")
def benchmark() -> Benchmark:
    cohort = read_vcf(DATA / "genotypes.vcf.gz")
    panel = read_panel(DATA / "samples.tsv", cohort.samples)
    labels = np.array([p for p in panel.superpopulations for _ in range(2)])
    individuals = np.random.default_rng(2021).permutation(len(cohort.samples))

    def rows(chosen: np.ndarray) -> np.ndarray:
        return np.sort(np.concatenate([2 * chosen, 2 * chosen + 1]))

    train, holdout, fresh = (rows(individuals[a:b]) for a, b in ((0, 600), (600, 900), (900, 1200)))
    return Benchmark(
        variants=cohort.variants,
        train=cohort.haplotypes[train],
        holdout=cohort.haplotypes[holdout],
        fresh=cohort.haplotypes[fresh],
        train_labels=labels[train].tolist(),
        holdout_labels=labels[holdout].tolist(),
        fresh_labels=labels[fresh].tolist(),
    )


def flipped_copies(train: np.ndarray, n: int, rate: float, seed: int) -> np.ndarray:
    """Training haplotypes with a fraction ``rate`` of alleles flipped at random."""
    rng = np.random.default_rng(seed)
    copies = train[rng.choice(len(train), n, replace=False)]
    return copies ^ (rng.random(copies.shape) < rate).astype(np.uint8)


def mosaics(
    train: np.ndarray, labels: list[str], n: int, *, shortest: int = 100, seed: int = 0
) -> np.ndarray:
    """Haplotypes stitched from training segments of ``shortest`` or more consecutive SNPs,
    each from a random training haplotype of one population (so they look realistic)."""
    rng = np.random.default_rng(seed)
    by_population = {p: np.flatnonzero(np.asarray(labels) == p) for p in sorted(set(labels))}
    names = list(by_population)
    n_variants = train.shape[1]
    stitched = np.empty((n, n_variants), dtype=np.uint8)
    for row in range(n):
        donors = by_population[names[rng.integers(len(names))]]
        start = 0
        while start < n_variants:
            length = int(rng.integers(shortest, 2 * shortest + 50))
            if n_variants - (start + length) < shortest:
                length = n_variants - start
            stitched[row, start : start + length] = train[
                rng.choice(donors), start : start + length
            ]
            start += length
    return stitched


@pytest.fixture(scope="session")
def teeth_reports(benchmark: Benchmark) -> dict[str, dict[str, Any]]:
    """Full audits of a fresh real sample and of four memorising synthetic sets."""
    b = benchmark
    n = len(b.fresh)
    synthetic = {
        "fresh": b.fresh,
        "exact_copies": b.train[np.random.default_rng(1).choice(len(b.train), n, replace=False)],
        "flipped_2pct": flipped_copies(b.train, n, 0.02, seed=2),
        "flipped_5pct": flipped_copies(b.train, n, 0.05, seed=3),
        "mosaic": mosaics(b.train, b.train_labels, n, seed=4),
    }
    return {
        kind: audit_report(
            train=b.train,
            holdout=b.holdout,
            synthetic=haplotypes,
            variants=b.variants,
            train_populations=b.train_labels,
            holdout_populations=b.holdout_labels,
            synthetic_populations=b.fresh_labels if kind == "fresh" else None,
            seed=0,
        )
        for kind, haplotypes in synthetic.items()
    }

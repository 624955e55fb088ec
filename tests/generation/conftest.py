"""Fixtures for the engine's tests: no Django, one CPU thread, tiny seeded cohorts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """The engine never touches Django storage: override the site-wide autouse fixture,
    so these tests also run with ``-p no:django``."""


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Training tests share a few CPU cores with other work; keep torch to one thread."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the engine
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def structured_haplotypes(
    n_individuals: int = 80, n_variants: int = 120, *, seed: int = 0
) -> np.ndarray:
    """Two populations with different allele frequencies and blocks of linked SNPs.

    Returns
    -------
    numpy.ndarray, uint8, shape (2 * n_individuals, n_variants)
        Rows ``2i`` and ``2i + 1`` are individual ``i``'s haplotypes.
    """
    rng = np.random.default_rng(seed)
    population = np.repeat(rng.integers(0, 2, size=n_individuals), 2)  # (n_haplotypes,)
    base = rng.beta(0.6, 0.6, size=n_variants)
    frequencies = np.clip(
        np.stack([base, np.clip(base + rng.normal(0, 0.25, n_variants), 0, 1)]), 0.03, 0.97
    )  # (2, n_variants)
    haplotypes = (rng.random((2 * n_individuals, n_variants)) < frequencies[population]).astype(
        np.uint8
    )
    # Linkage: within each block of 4 SNPs, most haplotypes copy the block's first SNP.
    for start in range(0, n_variants - 1, 4):
        copy = rng.random((2 * n_individuals, 3)) < 0.8
        block = haplotypes[:, start + 1 : start + 4]
        block[copy[:, : block.shape[1]]] = np.repeat(
            haplotypes[:, start : start + 1], block.shape[1], axis=1
        )[copy[:, : block.shape[1]]]
    return haplotypes


@pytest.fixture(scope="session")
def make_haplotypes() -> Callable[..., np.ndarray]:
    """:func:`structured_haplotypes`, for tests that need another size."""
    return structured_haplotypes


@pytest.fixture(scope="session")
def cohort_haplotypes() -> np.ndarray:
    """160 haplotypes (80 individuals) x 120 SNPs, seeded."""
    return structured_haplotypes()


def _allele_frequency_r2(real: np.ndarray, synthetic: np.ndarray) -> float:
    return float(np.corrcoef(real.mean(0), synthetic.mean(0))[0, 1] ** 2)


@pytest.fixture
def af_r2() -> Callable[[np.ndarray, np.ndarray], float]:
    """Squared Pearson correlation of per-SNP alternate allele frequencies."""
    return _allele_frequency_r2

"""Synthetic cohorts on disk: haplotypes paired into individuals, a phased VCF, a panel.

One function serves the CLI and the site, so a release looks the same whichever made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import EngineError, HaplotypeGenerator
from .genotypes import InvalidGenotypeError, VariantTable, check_haplotypes
from .vcf import write_vcf


@dataclass(frozen=True)
class CohortFiles:
    """What :func:`write_synthetic_cohort` wrote."""

    vcf: Path
    index: Path | None
    panel: Path | None
    samples: list[str]


def synthetic_sample_names(n_individuals: int, prefix: str = "SYN") -> list[str]:
    """``SYN000001``, ``SYN000002``, ...: names that cannot be mistaken for real samples.

    Examples
    --------
    >>> synthetic_sample_names(2)
    ['SYN000001', 'SYN000002']
    """
    width = max(6, len(str(n_individuals)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n_individuals + 1)]


def panel_path_for(vcf_path: str | Path) -> Path:
    """``out.vcf.gz`` -> ``out.panel.tsv`` (next to the VCF).

    Examples
    --------
    >>> panel_path_for("runs/out.vcf.gz").name
    'out.panel.tsv'
    """
    path = Path(vcf_path)
    stem = path.name
    for suffix in (".vcf.gz", ".vcf.bgz", ".vcf", ".gz"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return path.with_name(f"{stem}.panel.tsv")


def sample_cohort(
    model: HaplotypeGenerator,
    n_individuals: int,
    *,
    population: str | None = None,
    population_individuals: dict[str, int] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, list[str] | None]:
    """Draw ``n_individuals`` diploid individuals: two haplotypes each, one population each.

    Parameters
    ----------
    model : HaplotypeGenerator
        A fitted model.
    n_individuals : int
    population : str, optional
        Every individual from this population (conditional models only).
    population_individuals : dict, optional
        Training individuals per population: a conditional model without ``population``
        gives each population its share of the individuals in these proportions (equal
        ones when not given; largest remainders round), then draws both haplotypes of each
        individual from its population. Exact shares, not random draws: a release mirrors
        the cohort's composition, and the audit compares like with like.
    seed : int

    Returns
    -------
    haplotypes : numpy.ndarray, uint8, shape (2 * n_individuals, n_variants)
        Rows ``2i`` and ``2i + 1`` belong to individual ``i``.
    populations : list of str or None
        One label per haplotype row, None for an unconditional model.
    """
    if n_individuals < 1:
        raise EngineError(f"n_individuals must be >= 1; found {n_individuals}")
    if population is not None or not model.populations_:
        haplotypes = model.sample(2 * n_individuals, population=population, seed=seed)
        return haplotypes, None if population is None else [population] * (2 * n_individuals)
    names = list(model.populations_)
    weights = np.array([float((population_individuals or {}).get(p, 1)) for p in names])
    if population_individuals is not None and not weights.sum():
        weights[:] = 1.0
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    labels = rng.permutation(np.repeat(np.arange(len(names)), _apportion(weights, n_individuals)))
    haplotypes = np.empty((2 * n_individuals, model.n_variants_ or 0), dtype=np.uint8)
    for index, name in enumerate(names):
        members = np.flatnonzero(labels == index)
        if len(members):
            # a separate stream per population, so adding one never changes the others
            stream = int(np.random.SeedSequence([seed, index + 1]).generate_state(1)[0])
            drawn = model.sample(2 * len(members), population=name, seed=stream)
            haplotypes[2 * members] = drawn[0::2]
            haplotypes[2 * members + 1] = drawn[1::2]
    return haplotypes, [names[k] for k in labels for _ in range(2)]


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` by largest remainders (Hamilton).

    >>> _apportion(np.array([3.0, 1.0]), 8).tolist(), _apportion(np.array([1.0, 1.0, 1.0]), 4).tolist()
    ([6, 2], [2, 1, 1])
    """
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    left = total - int(counts.sum())
    # stable sort: ties go to the population listed first
    counts[np.argsort(-(quotas - counts), kind="stable")[:left]] += 1
    return counts


def write_synthetic_cohort(
    path: str | Path,
    haplotypes: np.ndarray,
    variants: VariantTable,
    *,
    populations: list[str] | None = None,
    label_column: str = "population",
    prefix: str = "SYN",
    source: str = "Synthome synthetic cohort",
) -> CohortFiles:
    """Pair haplotypes into diploid individuals and write a bgzipped phased VCF + index.

    Parameters
    ----------
    path : str or Path
        The ``.vcf.gz`` to write; its tabix index goes next to it.
    haplotypes : numpy.ndarray, uint8, shape (2 * n_individuals, n_variants)
        Rows ``2i`` and ``2i + 1`` become individual ``i``.
    variants : VariantTable
        One entry per column.
    populations : list of str, optional
        One label per haplotype row; both rows of an individual must agree. When given,
        a sample panel (``sample``, ``label_column``) is written as ``<name>.panel.tsv``.
    label_column : str
        The panel's name for the labels: ``population``, or ``superpopulation`` for a
        model conditioned on superpopulations.
    prefix : str
        Sample names are ``prefix`` + a zero-padded number.

    Returns
    -------
    CohortFiles
    """
    haplotypes = check_haplotypes(haplotypes, n_variants=len(variants))
    if haplotypes.shape[0] == 0 or haplotypes.shape[0] % 2:
        raise InvalidGenotypeError(
            "expected an even, non-zero number of haplotypes to pair into individuals; "
            f"found {haplotypes.shape[0]}"
        )
    n_individuals = haplotypes.shape[0] // 2
    samples = synthetic_sample_names(n_individuals, prefix)
    labels: list[str] | None = None
    if populations is not None:
        if len(populations) != haplotypes.shape[0]:
            raise InvalidGenotypeError(
                f"expected one population per haplotype ({haplotypes.shape[0]}); found "
                f"{len(populations)}"
            )
        labels = list(populations[0::2])
        mixed = [
            s
            for s, a, b in zip(samples, populations[0::2], populations[1::2], strict=True)
            if a != b
        ]
        if mixed:
            raise InvalidGenotypeError(
                f"expected both haplotypes of an individual to share a population; found "
                f"different ones for {len(mixed)} individual(s), e.g. {mixed[0]}"
            )
    vcf = write_vcf(path, haplotypes, variants, samples, source=source)
    index = Path(f"{vcf}.tbi")
    panel: Path | None = None
    if labels is not None:
        panel = panel_path_for(vcf)
        rows = [f"sample\t{label_column}", *(f"{s}\t{p}" for s, p in zip(samples, labels, strict=True))]
        panel.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return CohortFiles(
        vcf=vcf, index=index if index.exists() else None, panel=panel, samples=samples
    )

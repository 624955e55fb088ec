"""Ingestion of a VCF/BCF (+ panel) into packed train and holdout matrices.

No Django here: the service around it handles storage and the database, and
``bench/ingest.py`` measures exactly this code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.utils.extmath import randomized_svd

from generation.engine.genotypes import VariantTable, pack_variant_rows
from generation.engine.panel import SamplePanel, read_panel
from generation.engine.split import Split, train_holdout_split
from generation.engine.vcf import QcSummary, VcfFormatError, VcfReader, qc_chunk

PCA_MAX_SNPS = 2000
PCA_MAX_SAMPLES = 3000
SPECTRUM_BINS = 20


@dataclass
class IngestResult:
    """Everything ingestion learned about a cohort, ready to be stored."""

    samples: list[str]
    panel: SamplePanel | None
    split: Split
    split_seed: int
    variants: VariantTable
    train_packed: np.ndarray  # (n_variants, ceil(n_train_haplotypes / 8)) uint8
    holdout_packed: np.ndarray  # (n_variants, ceil(n_holdout_haplotypes / 8)) uint8
    qc: QcSummary
    phased: bool
    summary: dict[str, object]

    @property
    def n_train_haplotypes(self) -> int:
        return 2 * len(self.split.train)

    @property
    def n_holdout_haplotypes(self) -> int:
        return 2 * len(self.split.holdout)

    def population_counts(self) -> dict[str, dict[str, int]]:
        if self.panel is None:
            return {}
        train = Counter(self.panel.populations[i] for i in self.split.train)
        holdout = Counter(self.panel.populations[i] for i in self.split.holdout)
        return {
            name: {"train": train[name], "holdout": holdout[name]}
            for name in sorted(set(train) | set(holdout))
        }

    def sample_rows(self) -> list[dict[str, str]]:
        side = {int(i): "train" for i in self.split.train} | {
            int(i): "holdout" for i in self.split.holdout
        }
        return [
            {
                "sample": sample,
                "population": self.panel.populations[i] if self.panel else "",
                "superpopulation": self.panel.superpopulations[i] if self.panel else "",
                "split": side[i],
            }
            for i, sample in enumerate(self.samples)
        ]


def _allele_frequency_spectrum(alt_counts: np.ndarray, n_haplotypes: int) -> dict[str, object]:
    frequencies = alt_counts / n_haplotypes
    counts, edges = np.histogram(frequencies, bins=SPECTRUM_BINS, range=(0.0, 1.0))
    return {"edges": [round(e, 3) for e in edges.tolist()], "counts": counts.tolist()}


def _pca_of_samples(
    dosage_rows: np.ndarray, panel: SamplePanel | None, seed: int
) -> dict[str, object]:
    """PC1/PC2 of individuals from SNP rows (n_snps, n_individuals), Patterson scaling."""
    rng = np.random.default_rng(seed)
    n_individuals = dosage_rows.shape[1]
    shown = np.sort(rng.choice(n_individuals, size=min(n_individuals, PCA_MAX_SAMPLES), replace=False))
    x = dosage_rows[:, shown].T.astype(np.float64)
    p = x.mean(axis=0) / 2
    keep = (p > 0) & (p < 1)
    if keep.sum() < 2 or len(shown) < 3:
        return {}
    x = (x[:, keep] - 2 * p[keep]) / np.sqrt(2 * p[keep] * (1 - p[keep]))
    # Two components only: a randomized SVD costs O(n m) where a full one costs O(n m min(n, m)).
    u, s, _ = randomized_svd(x, n_components=2, random_state=seed)
    coordinates = u * s
    explained = (s**2 / np.square(x).sum()).tolist()
    return {
        "x": np.round(coordinates[:, 0], 4).tolist(),
        "y": np.round(coordinates[:, 1], 4).tolist(),
        "population": [panel.populations[i] for i in shown] if panel else [],
        "superpopulation": [panel.superpopulations[i] for i in shown] if panel else [],
        "explained": [round(e, 4) for e in explained],
    }


def ingest_vcf(
    vcf_path: str | Path,
    panel_path: str | Path | None = None,
    *,
    holdout_fraction: float = 0.2,
    split_seed: int = 0,
    max_missing: float = 0.05,
    chunk_size: int = 2048,
    progress: Callable[[float, str], None] | None = None,
) -> IngestResult:
    """Stream a VCF/BCF into packed train/holdout matrices with QC, split and summaries.

    Memory stays bounded by one chunk of unpacked calls plus the packed matrices
    (one bit per call).
    """
    report = progress or (lambda fraction, message: None)
    reader = VcfReader(vcf_path, chunk_size=chunk_size)
    samples = reader.samples
    panel = read_panel(panel_path, samples) if panel_path else None
    split = train_holdout_split(
        len(samples),
        holdout_fraction=holdout_fraction,
        populations=panel.populations if panel else None,
        seed=split_seed,
    )
    train_rows, holdout_rows = split.haplotype_rows("train"), split.haplotype_rows("holdout")
    summary_counts = QcSummary()
    tables: list[VariantTable] = []
    train_chunks: list[np.ndarray] = []
    holdout_chunks: list[np.ndarray] = []
    alt_counts: list[np.ndarray] = []
    pca_rows: list[np.ndarray] = []
    for chunk in reader.chunks():
        variants, alleles = qc_chunk(chunk, max_missing=max_missing, summary=summary_counts)
        tables.append(variants)
        train_chunks.append(pack_variant_rows(alleles[:, train_rows]))
        holdout_chunks.append(pack_variant_rows(alleles[:, holdout_rows]))
        alt_counts.append(alleles.sum(axis=1, dtype=np.int64))
        # A deterministic thinning keeps the PCA input small whatever the cohort's length.
        thinned = alleles[:: max(1, chunk_size // 64)]
        pca_rows.append(thinned[:, 0::2] + thinned[:, 1::2])
        fraction = reader.fraction_read()
        report(0.9 * fraction if fraction is not None else 0.5, f"{summary_counts.records:,} records read")
    if summary_counts.kept == 0:
        dropped = ", ".join(f"{n} {reason}" for reason, n in summary_counts.dropped.items()) or "none"
        raise VcfFormatError(
            f"no usable biallelic SNP in the file ({summary_counts.records} records; dropped: "
            f"{dropped}): upload a VCF with biallelic SNPs"
        )
    report(0.92, "computing summaries")
    variants = VariantTable(
        *(np.concatenate([getattr(t, k) for t in tables]) for k in ("chrom", "pos", "id", "ref", "alt"))
    )
    all_pca_rows = np.vstack(pca_rows)
    if len(all_pca_rows) > PCA_MAX_SNPS:
        all_pca_rows = all_pca_rows[np.linspace(0, len(all_pca_rows) - 1, PCA_MAX_SNPS).astype(int)]
    summary: dict[str, object] = {
        "allele_frequency_spectrum": _allele_frequency_spectrum(
            np.concatenate(alt_counts), reader.n_haplotypes
        ),
        "pca": _pca_of_samples(all_pca_rows, panel, split_seed),
    }
    return IngestResult(
        samples=samples,
        panel=panel,
        split=split,
        split_seed=split_seed,
        variants=variants,
        train_packed=np.vstack(train_chunks),
        holdout_packed=np.vstack(holdout_chunks),
        qc=summary_counts,
        phased=summary_counts.unphased_calls == 0,
        summary=summary,
    )

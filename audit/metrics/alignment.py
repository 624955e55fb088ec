"""Put the train, holdout and synthetic VCFs of one audit on one SNP table.

:func:`generation.engine.vcf.read_vcf` applies ingestion QC, which drops a SNP when no
haplotype in the file carries its alternate allele. Across the three files of an audit
that is expected, not an error: 200 training individuals may all carry REF at a rare
SNP that the holdout has, and a generator may lose a rare allele altogether. Such a SNP
is put back as a column of zeros (REF), which is exactly what the file said.

Only a file whose SNP table differs is re-scanned for its REF-only SNPs, so the usual
case costs nothing. A SNP absent from a file that does not list it as REF-only, or SNPs
in a different order, is a real mismatch and is refused with the "expected ...; found
..." message of :meth:`VariantTable.check_matches`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from generation.engine.genotypes import InvalidGenotypeError, VariantTable
from generation.engine.vcf import HaplotypeSet, VcfReader

Key = tuple[str, int, str, str]


def _union_table(tables: dict[str, VariantTable]) -> tuple[VariantTable, list[Key]]:
    chromosome_rank: dict[str, int] = {}
    rows: dict[Key, dict[str, object]] = {}
    for table in tables.values():
        for key, row in zip(table.keys(), table.to_rows(), strict=True):
            chromosome_rank.setdefault(key[0], len(chromosome_rank))
            rows.setdefault(key, row)
    keys = sorted(rows, key=lambda k: (chromosome_rank[k[0]], k[1], k[2], k[3]))
    return VariantTable.from_rows([rows[k] for k in keys]), keys


def ref_only_snps(path: Path) -> set[Key]:
    """Biallelic SNPs of a VCF at which every call is REF (what QC drops as monomorphic)."""
    found: set[Key] = set()
    for chunk in VcfReader(path).chunks():
        all_ref = (chunk.alleles == 0).all(axis=1)
        found |= {key for key, flag in zip(chunk.variants.keys(), all_ref, strict=True) if flag}
    return found


def align_haplotype_sets(
    sets: dict[str, HaplotypeSet], paths: dict[str, Path]
) -> dict[str, HaplotypeSet]:
    """Return the sets on their common SNP table, restoring REF-only SNPs as zeros.

    Parameters
    ----------
    sets : dict of str to HaplotypeSet
        Named sets from :func:`~generation.engine.vcf.read_vcf`; the first is the
        reference for error messages.
    paths : dict of str to Path
        The file each set was read from, re-scanned for its REF-only SNPs when its SNP
        table differs from the others.

    Returns
    -------
    dict of str to HaplotypeSet
        Same names, every set with the same :class:`VariantTable`.

    Raises
    ------
    InvalidGenotypeError
        When a file lacks a SNP that it does not carry as REF-only, or orders SNPs
        differently.
    """
    names = list(sets)
    first = names[0]
    tables = {name: s.variants for name, s in sets.items()}
    if all(t.keys() == tables[first].keys() for t in tables.values()):
        return sets
    union, keys = _union_table(tables)
    column_of = {key: column for column, key in enumerate(keys)}
    aligned = {}
    for name, haplotype_set in sets.items():
        present = haplotype_set.variants.keys()
        columns = [column_of[key] for key in present]
        absent = set(keys) - set(present)
        unexplained = absent - ref_only_snps(paths[name]) if absent else set()
        if unexplained or columns != sorted(columns):
            other = first if name != first else names[1]
            tables[other].check_matches(tables[name], what=f"{other} and {name} VCFs")
            example = ":".join(map(str, min(unexplained))) if unexplained else "?"
            raise InvalidGenotypeError(
                f"expected {other} and {name} VCFs with the same SNPs in the same order; "
                f"found {len(unexplained)} SNP(s) missing from {name} (e.g. {example})"
            )
        haplotypes = np.zeros((len(haplotype_set.haplotypes), len(keys)), dtype=np.uint8)
        haplotypes[:, columns] = haplotype_set.haplotypes
        aligned[name] = HaplotypeSet(
            haplotypes, union, haplotype_set.samples, haplotype_set.phased, haplotype_set.qc
        )
    return aligned

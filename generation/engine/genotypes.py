"""The one genotype convention of Synthome.

Every entry point (ingestion, generators, audit, CLIs) speaks this convention and checks
it at its boundary with :func:`check_haplotypes`, which raises
:class:`InvalidGenotypeError` with an "expected ...; found ..." message.

Haplotypes
    ``numpy.ndarray`` of dtype ``uint8`` and shape ``(n_haplotypes, n_variants)``, values
    0 (reference allele) or 1 (alternate allele). Individual ``i`` owns rows ``2 * i``
    and ``2 * i + 1``: its two haplotypes are always adjacent, so any split by rows that
    keeps pairs together is a split by individuals.

Genotypes (unphased cohorts)
    Stored the same way (two allele rows per individual, order meaningless); the
    genotype of individual ``i`` is the alternate-allele count ``h[2i] + h[2i+1]``.

Packed storage
    Variant-major bit packing: ``numpy.packbits(rows, axis=1)`` where each row is one
    variant over all haplotypes, giving ``(n_variants, ceil(n_haplotypes / 8))``. It can be
    written one variant chunk at a time, which keeps ingestion memory bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HAPLOTYPE_DTYPE = np.uint8


class InvalidGenotypeError(ValueError):
    """Genotype data that breaks the convention of this module."""


@dataclass(frozen=True)
class VariantTable:
    """Biallelic SNPs, one entry per column of a haplotype matrix."""

    chrom: np.ndarray  # (n_variants,) str
    pos: np.ndarray  # (n_variants,) int64
    id: np.ndarray  # (n_variants,) str
    ref: np.ndarray  # (n_variants,) str
    alt: np.ndarray  # (n_variants,) str

    def __post_init__(self) -> None:
        lengths = {len(self.chrom), len(self.pos), len(self.id), len(self.ref), len(self.alt)}
        if len(lengths) != 1:
            raise InvalidGenotypeError(
                f"expected variant columns of equal length; found lengths {sorted(lengths)}"
            )

    def __len__(self) -> int:
        return len(self.pos)

    def subset(self, index: np.ndarray | slice) -> VariantTable:
        return VariantTable(
            chrom=self.chrom[index],
            pos=self.pos[index],
            id=self.id[index],
            ref=self.ref[index],
            alt=self.alt[index],
        )

    def keys(self) -> list[tuple[str, int, str, str]]:
        """(chrom, pos, ref, alt) per variant: what identifies a SNP across files."""
        return list(
            zip(
                self.chrom.tolist(),
                self.pos.tolist(),
                self.ref.tolist(),
                self.alt.tolist(),
                strict=True,
            )
        )

    def to_rows(self) -> list[dict[str, object]]:
        return [
            {"chrom": c, "pos": int(p), "id": i, "ref": r, "alt": a}
            for c, p, i, r, a in zip(
                self.chrom.tolist(),
                self.pos.tolist(),
                self.id.tolist(),
                self.ref.tolist(),
                self.alt.tolist(),
                strict=True,
            )
        ]

    @classmethod
    def from_rows(cls, rows: list[dict[str, object]]) -> VariantTable:
        return cls(
            chrom=np.array([str(r["chrom"]) for r in rows], dtype=object),
            pos=np.array([int(r["pos"]) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
            id=np.array([str(r["id"]) for r in rows], dtype=object),
            ref=np.array([str(r["ref"]) for r in rows], dtype=object),
            alt=np.array([str(r["alt"]) for r in rows], dtype=object),
        )

    def check_matches(self, other: VariantTable, *, what: str = "variant tables") -> None:
        """Raise unless both tables list the same SNPs in the same order."""
        if len(self) != len(other):
            raise InvalidGenotypeError(
                f"expected {what} with the same SNPs; found {len(self)} and {len(other)} SNPs"
            )
        for index, (mine, theirs) in enumerate(zip(self.keys(), other.keys(), strict=True)):
            if mine != theirs:
                raise InvalidGenotypeError(
                    f"expected {what} with the same SNPs in the same order; found "
                    f"{':'.join(map(str, mine))} and {':'.join(map(str, theirs))} "
                    f"at SNP {index + 1}"
                )


def check_haplotypes(
    haplotypes: object, *, n_variants: int | None = None, name: str = "haplotypes"
) -> np.ndarray:
    """Return ``haplotypes`` as a checked uint8 matrix of 0/1, or raise.

    Parameters
    ----------
    haplotypes : array_like, shape (n_haplotypes, n_variants)
        Values 0 or 1.
    n_variants : int, optional
        Required number of columns.
    name : str
        Used in the error message.

    Returns
    -------
    numpy.ndarray, uint8, shape (n_haplotypes, n_variants)

    Examples
    --------
    >>> check_haplotypes([[0, 1], [1, 1]]).dtype
    dtype('uint8')
    >>> check_haplotypes([[0, 2]])
    Traceback (most recent call last):
    ...
    generation.engine.genotypes.InvalidGenotypeError: expected haplotypes of 0/1 values; found 2
    """
    array = np.asarray(haplotypes)
    if array.ndim != 2:
        raise InvalidGenotypeError(
            f"expected {name} of shape (n_haplotypes, n_variants); found {array.ndim} dimensions"
        )
    if n_variants is not None and array.shape[1] != n_variants:
        raise InvalidGenotypeError(
            f"expected {name} with {n_variants} variants; found {array.shape[1]}"
        )
    if array.size and (array.min() < 0 or array.max() > 1):
        bad = array[(array < 0) | (array > 1)].flat[0]
        raise InvalidGenotypeError(f"expected {name} of 0/1 values; found {bad}")
    return np.ascontiguousarray(array, dtype=HAPLOTYPE_DTYPE)


def diploid_dosages(haplotypes: np.ndarray) -> np.ndarray:
    """Alternate-allele counts of individuals, pairing rows (2i, 2i+1).

    Returns
    -------
    numpy.ndarray, uint8, shape (n_haplotypes // 2, n_variants)
    """
    haplotypes = check_haplotypes(haplotypes)
    if haplotypes.shape[0] % 2:
        raise InvalidGenotypeError(
            f"expected an even number of haplotypes to pair; found {haplotypes.shape[0]}"
        )
    return haplotypes[0::2] + haplotypes[1::2]


def pack_variant_rows(variant_rows: np.ndarray) -> np.ndarray:
    """Pack ``(n_variants, n_haplotypes)`` 0/1 rows into bits along the haplotype axis."""
    return np.packbits(np.asarray(variant_rows, dtype=HAPLOTYPE_DTYPE), axis=1)


def unpack_haplotypes(packed: np.ndarray, n_haplotypes: int) -> np.ndarray:
    """Inverse of :func:`pack_variant_rows`, transposed to the haplotype convention.

    Returns
    -------
    numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    """
    rows = np.unpackbits(packed, axis=1, count=n_haplotypes)
    return np.ascontiguousarray(rows.T)

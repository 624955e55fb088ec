"""Streaming VCF/BCF reading into the haplotype convention, and phased VCF writing.

The reader never holds more than one chunk of variants unpacked, so a cohort of any
length is read in bounded memory. Plain, gzip/BGZF-compressed VCF is parsed here (a
vectorised fast path for the common GT-only, single-digit case, a general path for the
rest); BCF is decoded by htslib through pysam and fed through the same parser, so every
format gets the same checks and the same error messages.

Errors are :class:`VcfFormatError` and say what is wrong, where, and what to do.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .genotypes import InvalidGenotypeError, VariantTable, pack_variant_rows

MISSING_ALLELE = 255
_TAB = ord("\t")
_ZERO = ord("0")
_BASES = frozenset("ACGT")


class VcfFormatError(InvalidGenotypeError):
    """A file that is not a well-formed VCF/BCF, with the reason and the remedy."""


@dataclass
class RawChunk:
    """One chunk of SNP records before QC.

    ``alleles`` is uint8 of shape (n_variants, n_haplotypes) holding 0, 1 or
    :data:`MISSING_ALLELE`; column ``2 * i + k`` is allele ``k`` of sample ``i``.
    """

    variants: VariantTable
    alleles: np.ndarray
    unphased_calls: int
    skipped: Counter[str]


@dataclass
class QcSummary:
    """What ingestion kept and dropped, and why."""

    records: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    imputed_alleles: int = 0
    unphased_calls: int = 0
    fixed_alternate: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "imputed_alleles": self.imputed_alleles,
            "unphased_calls": self.unphased_calls,
            "fixed_alternate": self.fixed_alternate,
        }


DROP_REASONS = {
    "multiallelic": "more than one alternate allele",
    "indel": "not a single-base substitution (indel, symbolic or non-ACGT allele)",
    "monomorphic": "no call carries the alternate allele",
    "missing": "too many missing calls",
}


def _open_binary(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _is_bcf(path: Path) -> bool:
    try:
        with _open_binary(path) as stream:
            return stream.read(3) == b"BCF"
    except (OSError, EOFError, zlib.error):
        return False


def _bcf_lines(path: Path) -> Iterator[bytes]:
    import pysam  # htslib decodes BCF; imported lazily so plain VCF needs no pysam

    try:
        with pysam.VariantFile(str(path)) as bcf:
            yield from (line.encode() + b"\n" for line in str(bcf.header).splitlines())
            for record in bcf:
                yield str(record).encode()
    except (OSError, ValueError) as error:
        raise VcfFormatError(
            f"the BCF file could not be decoded ({error}); it may be truncated or damaged: "
            "export it again (bcftools view -Ob)"
        ) from error


def _text_lines(raw: io.BufferedReader) -> Iterator[bytes]:
    try:
        magic = raw.peek(2)[:2]
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if magic == b"\x1f\x8b" else raw
        with stream:
            yield from stream
    except EOFError as error:
        raise VcfFormatError(
            "the compressed file ends early (truncated download or copy?): "
            "upload the complete file; 'gzip -t FILE' checks it"
        ) from error
    except (gzip.BadGzipFile, zlib.error) as error:
        raise VcfFormatError(
            f"the file is not valid gzip/BGZF ({error}): compress it with bgzip, or upload "
            "the plain .vcf"
        ) from error




def _parse_gt_fast(sample_field: bytes, n_samples: int) -> np.ndarray | None:
    """Alleles and phasing of a GT-only, single-digit, all-diploid field, or None."""
    if len(sample_field) != 4 * n_samples - 1:
        return None
    raw = np.frombuffer(sample_field + b"\t", dtype=np.uint8).reshape(n_samples, 4)
    if not (raw[:, 3] == _TAB).all():
        return None
    return raw[:, :3]


def _parse_gt_general(
    sample_field: bytes, n_samples: int, line_number: int
) -> tuple[np.ndarray, int]:
    fields = sample_field.split(b"\t")
    if len(fields) != n_samples:
        raise VcfFormatError(
            f"line {line_number}: expected {9 + n_samples} tab-separated columns "
            f"(9 fixed + {n_samples} samples); found {9 + len(fields)}. The file is "
            "truncated or damaged: export it again"
        )
    alleles = np.empty(2 * n_samples, dtype=np.uint8)
    unphased = 0
    for index, sample in enumerate(fields):
        gt = sample.split(b":", 1)[0]
        separator = b"|" if b"|" in gt else b"/"
        parts = gt.split(separator)
        if len(parts) != 2:
            raise VcfFormatError(
                f"line {line_number}: expected diploid genotypes such as 0|1; found "
                f"'{gt.decode(errors='replace')}' for sample {index + 1}. Haploid or "
                "polyploid calls (chrX, chrY, MT) are not supported: keep autosomes only"
            )
        if separator == b"/":
            unphased += 1
        for k, allele in enumerate(parts):
            if allele == b".":
                alleles[2 * index + k] = MISSING_ALLELE
            elif allele in (b"0", b"1"):
                alleles[2 * index + k] = allele[0] - _ZERO
            else:
                raise VcfFormatError(
                    f"line {line_number}: expected allele 0, 1 or '.' at a biallelic site; "
                    f"found '{allele.decode(errors='replace')}' for sample {index + 1}"
                )
    return alleles, unphased


def _read_header(lines: Iterator[bytes]) -> tuple[list[str], int]:
    """The sample names and the number of header lines."""
    first = next(lines, b"")
    if not first.startswith(b"##fileformat=VCF"):
        shown = first[:40].decode(errors="replace").strip()
        raise VcfFormatError(
            "not a VCF file: expected the first line to be '##fileformat=VCFv4.x'; found "
            f"'{shown}'. Upload a VCF, VCF.gz or BCF"
        )
    count = 1
    for line in lines:
        count += 1
        if line.startswith(b"##"):
            continue
        if line.startswith(b"#CHROM"):
            columns = line.rstrip(b"\r\n").decode(errors="replace").split("\t")
            if columns[:8] != ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]:
                raise VcfFormatError(
                    "broken header: the #CHROM line must start with the 8 fixed VCF "
                    f"columns separated by tabs; found {columns[:8]}"
                )
            if len(columns) < 10 or columns[8] != "FORMAT":
                raise VcfFormatError(
                    "the VCF has no genotype columns (FORMAT and samples): upload a file "
                    "with per-sample GT"
                )
            samples = columns[9:]
            duplicates = [s for s, n in Counter(samples).items() if n > 1]
            if duplicates:
                raise VcfFormatError(
                    f"the header names samples more than once: {', '.join(duplicates[:5])}"
                )
            return samples, count
        raise VcfFormatError(
            "broken header: expected a '#CHROM' line after the '##' meta lines; found "
            f"'{line[:40].decode(errors='replace').strip()}'"
        )
    raise VcfFormatError("broken header: the file ends before the '#CHROM' line")


class VcfReader:
    """Read a VCF/VCF.gz/BCF as chunks of biallelic-SNP allele rows.

    Examples
    --------
    >>> reader = VcfReader("data/1000g_805/genotypes.vcf.gz")  # from the repository root
    >>> reader.samples[:2], sum(len(c.variants) for c in reader.chunks())
    (['HG00096', 'HG00097'], 805)
    """

    def __init__(self, path: str | Path, *, chunk_size: int = 4096) -> None:
        self.path = Path(path)
        self.chunk_size = chunk_size
        self._size = self.path.stat().st_size
        if self._size == 0:
            raise VcfFormatError("the file is empty: upload a VCF, VCF.gz or BCF with variants")
        self._raw: io.BufferedReader | None = None
        if _is_bcf(self.path):
            self._lines = _bcf_lines(self.path)
        else:
            self._raw = open(self.path, "rb")  # noqa: SIM115  (closed by _text_lines)
            self._lines = _text_lines(self._raw)
        self.samples, self._header_lines = _read_header(self._lines)

    def fraction_read(self) -> float | None:
        """How far through the file the reader is (None when unknown, as for BCF)."""
        if self._raw is None or self._raw.closed:
            return None
        return min(1.0, self._raw.tell() / self._size)

    @property
    def n_haplotypes(self) -> int:
        return 2 * len(self.samples)

    def chunks(self) -> Iterator[RawChunk]:
        n_samples = len(self.samples)
        fields: dict[str, list[object]] = {k: [] for k in ("chrom", "pos", "id", "ref", "alt")}
        rows: list[np.ndarray] = []
        unphased = 0
        skipped: Counter[str] = Counter()
        # Messages give the file's own line numbers, so a user can open the file there.
        for line_number, line in enumerate(self._lines, start=self._header_lines + 1):
            line = line.rstrip(b"\r\n")
            if not line:
                continue
            parts = line.split(b"\t", 9)
            if len(parts) != 10:
                raise VcfFormatError(
                    f"line {line_number}: expected {9 + n_samples} tab-separated columns; "
                    f"found {len(parts)}. The file is truncated or damaged: export it again"
                )
            chrom, pos, vid, ref, alt, _qual, _filter, _info, fmt, sample_field = parts
            if b"," in alt:
                skipped["multiallelic"] += 1
                continue
            if len(ref) != 1 or len(alt) != 1 or ref.decode() not in _BASES or alt.decode() not in _BASES:
                skipped["indel"] += 1
                continue
            try:
                position = int(pos)
            except ValueError:
                raise VcfFormatError(
                    f"line {line_number}: POS must be an integer; found '{pos.decode(errors='replace')}'"
                ) from None
            if not fmt.startswith(b"GT"):
                raise VcfFormatError(
                    f"line {line_number}: expected GT as the first FORMAT key; found "
                    f"'{fmt.decode(errors='replace')}'"
                )
            raw = _parse_gt_fast(sample_field, n_samples) if fmt == b"GT" else None
            if raw is not None and ((raw[:, 0] <= _ZERO + 1) & (raw[:, 2] <= _ZERO + 1)).all():
                separators = raw[:, 1]
                unphased += int((separators == ord("/")).sum())
                if ((separators != ord("|")) & (separators != ord("/"))).any():
                    raw = None
            else:
                raw = None
            if raw is not None:
                alleles = np.empty(2 * n_samples, dtype=np.uint8)
                alleles[0::2] = raw[:, 0] - _ZERO
                alleles[1::2] = raw[:, 2] - _ZERO
                # '.' is byte 46, below '0': wraps to 254 on subtraction
                alleles[alleles > 1] = MISSING_ALLELE
            else:
                alleles, line_unphased = _parse_gt_general(sample_field, n_samples, line_number)
                unphased += line_unphased
            fields["chrom"].append(chrom.decode())
            fields["pos"].append(position)
            fields["id"].append(vid.decode())
            fields["ref"].append(ref.decode())
            fields["alt"].append(alt.decode())
            rows.append(alleles)
            if len(rows) == self.chunk_size:
                yield self._chunk(fields, rows, unphased, skipped)
                fields = {k: [] for k in fields}
                rows, unphased, skipped = [], 0, Counter()
        if rows or skipped:
            yield self._chunk(fields, rows, unphased, skipped)

    def _chunk(
        self,
        fields: dict[str, list[object]],
        rows: list[np.ndarray],
        unphased: int,
        skipped: Counter[str],
    ) -> RawChunk:
        variants = VariantTable(
            chrom=np.array(fields["chrom"], dtype=object),
            pos=np.array(fields["pos"], dtype=np.int64),
            id=np.array(fields["id"], dtype=object),
            ref=np.array(fields["ref"], dtype=object),
            alt=np.array(fields["alt"], dtype=object),
        )
        alleles = (
            np.vstack(rows) if rows else np.empty((0, self.n_haplotypes), dtype=np.uint8)
        )
        return RawChunk(variants, alleles, unphased, skipped)


def qc_chunk(
    chunk: RawChunk, *, max_missing: float, summary: QcSummary
) -> tuple[VariantTable, np.ndarray]:
    """Drop SNPs without any alternate call or with too many missing calls; fill the rest.

    A SNP where every call is the alternate allele is kept (and counted in
    ``summary.fixed_alternate``): it records a fixed difference from the reference that a
    released VCF must still carry (the paper's 805-SNP set has three). A SNP with no
    alternate call carries no variant at all in this cohort.

    Remaining missing alleles take the SNP's major allele (counted in
    ``summary.imputed_alleles``): generators need complete haplotypes, and at the
    ``max_missing`` rates allowed the choice barely moves allele frequencies.
    """
    alleles = chunk.alleles
    summary.records += len(chunk.variants) + sum(chunk.skipped.values())
    summary.dropped.update(chunk.skipped)
    summary.unphased_calls += chunk.unphased_calls
    if not len(alleles):
        return chunk.variants, alleles
    missing = alleles == MISSING_ALLELE
    missing_rate = missing.mean(axis=1)
    called = (~missing).sum(axis=1)
    alt_count = np.where(missing, 0, alleles).sum(axis=1, dtype=np.int64)
    too_missing = missing_rate > max_missing
    monomorphic = ~too_missing & (alt_count == 0)
    summary.fixed_alternate += int((~too_missing & (alt_count == called)).sum())
    keep = ~too_missing & ~monomorphic
    summary.dropped["missing"] += int(too_missing.sum())
    summary.dropped["monomorphic"] += int(monomorphic.sum())
    summary.kept += int(keep.sum())
    kept = alleles[keep]
    kept_missing = missing[keep]
    if kept_missing.any():
        major = (2 * alt_count[keep] > called[keep]).astype(np.uint8)
        rows, cols = np.nonzero(kept_missing)
        kept = kept.copy()
        kept[rows, cols] = major[rows]
        summary.imputed_alleles += len(rows)
    return chunk.variants.subset(keep), kept


@dataclass
class HaplotypeSet:
    """A whole VCF in memory: haplotypes in the convention, SNPs and samples."""

    haplotypes: np.ndarray  # (2 * n_samples, n_variants) uint8
    variants: VariantTable
    samples: list[str]
    phased: bool
    qc: QcSummary


def read_vcf(path: str | Path, *, max_missing: float = 0.05) -> HaplotypeSet:
    """Read a whole VCF/BCF with the same QC as ingestion (for CLIs and small sets)."""
    reader = VcfReader(path)
    summary = QcSummary()
    tables: list[VariantTable] = []
    packed: list[np.ndarray] = []
    for chunk in reader.chunks():
        variants, alleles = qc_chunk(chunk, max_missing=max_missing, summary=summary)
        tables.append(variants)
        packed.append(pack_variant_rows(alleles))
    if summary.kept == 0:
        raise VcfFormatError(
            f"no usable biallelic SNP in the file (dropped: {dict(summary.dropped)})"
        )
    rows = np.unpackbits(np.vstack(packed), axis=1, count=reader.n_haplotypes)
    variants = VariantTable(
        *(np.concatenate([getattr(t, k) for t in tables]) for k in ("chrom", "pos", "id", "ref", "alt"))
    )
    return HaplotypeSet(
        haplotypes=np.ascontiguousarray(rows.T),
        variants=variants,
        samples=reader.samples,
        phased=summary.unphased_calls == 0,
        qc=summary,
    )


def _vcf_header(variants: VariantTable, samples: list[str], source: str) -> bytes:
    contigs = list(dict.fromkeys(variants.chrom.tolist()))
    lines = [
        "##fileformat=VCFv4.2",
        f"##source={source}",
        *(f"##contig=<ID={c}>" for c in contigs),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    return ("\n".join(lines) + "\n").encode()


def write_vcf(
    path: str | Path,
    haplotypes: np.ndarray,
    variants: VariantTable,
    samples: list[str],
    *,
    source: str = "Synthome",
    index: bool = True,
) -> Path:
    """Write phased diploid genotypes as a bgzipped VCF (and its tabix index).

    Rows ``2i`` and ``2i + 1`` of ``haplotypes`` become the two haplotypes of
    ``samples[i]``.
    """
    import pysam

    if haplotypes.shape != (2 * len(samples), len(variants)):
        raise InvalidGenotypeError(
            f"expected haplotypes of shape ({2 * len(samples)}, {len(variants)}) for "
            f"{len(samples)} samples; found {haplotypes.shape}"
        )
    path = Path(path)
    n_samples = len(samples)
    cell = np.empty((n_samples, 4), dtype=np.uint8)
    cell[:, 1] = ord("|")
    cell[:, 3] = _TAB
    cell[-1, 3] = ord("\n")
    with pysam.BGZFile(str(path), "wb") as out:
        out.write(_vcf_header(variants, samples, source))
        for j in range(len(variants)):
            column = haplotypes[:, j]
            cell[:, 0] = column[0::2] + _ZERO
            cell[:, 2] = column[1::2] + _ZERO
            fixed = f"{variants.chrom[j]}\t{variants.pos[j]}\t{variants.id[j]}\t{variants.ref[j]}\t{variants.alt[j]}\t.\tPASS\t.\tGT\t"
            out.write(fixed.encode() + cell.tobytes())
    if index:
        pysam.tabix_index(str(path), preset="vcf", force=True)
    return path

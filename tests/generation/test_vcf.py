"""The streaming VCF reader and writer: round trips, QC and every malformed input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from factories import vcf_text, write_gzip

from generation.engine.panel import PanelError, read_panel
from generation.engine.vcf import VcfFormatError, VcfReader, read_vcf, write_vcf

SAMPLES = ["A", "B", "C"]


def _write(tmp_path: Path, records: list[str], samples: list[str] = SAMPLES) -> Path:
    return write_gzip(tmp_path / "in.vcf.gz", vcf_text(samples, records))


def test_round_trip_through_bgzip_and_tabix(tmp_path: Path, simulated) -> None:  # type: ignore[no-untyped-def]
    path = write_vcf(tmp_path / "out.vcf.gz", simulated.haplotypes, simulated.variants, simulated.samples)
    assert (tmp_path / "out.vcf.gz.tbi").exists()
    back = read_vcf(path)
    assert back.phased and back.samples == simulated.samples
    np.testing.assert_array_equal(back.haplotypes, simulated.haplotypes)
    back.variants.check_matches(simulated.variants)


def test_qc_drops_multiallelic_indels_monomorphic_and_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        "1 10 a A G 0|1 1|0 0|0",       # kept
        "1 20 b A G,T 0|1 2|0 0|0",     # multi-allelic
        "1 30 c AT A 0|1 1|0 0|0",      # indel
        "1 40 d A G 0|0 0|0 0|0",       # no alternate allele
        "1 50 e A G .|. .|1 0|0",       # 3 of 6 alleles missing
        "1 60 f C T 1|1 1|1 1|1",       # fixed for the alternate allele: kept
        "1 70 g C T 0|1 .|0 1|1",       # one missing allele: kept, imputed with the major allele
    ])
    result = read_vcf(path, max_missing=0.2)
    assert result.variants.pos.tolist() == [10, 60, 70]
    assert result.qc.dropped == {"multiallelic": 1, "indel": 1, "monomorphic": 1, "missing": 1}
    assert result.qc.imputed_alleles == 1 and result.qc.fixed_alternate == 1
    assert result.haplotypes[:, 2].tolist() == [0, 1, 1, 0, 1, 1]


def test_unphased_calls_are_detected(tmp_path: Path) -> None:
    result = read_vcf(_write(tmp_path, ["1 10 a A G 0/1 1|0 0|0", "1 20 b A G 0|1 1|1 0|1"]))
    assert not result.phased and result.qc.unphased_calls == 1


def test_general_path_reads_multi_field_format(tmp_path: Path) -> None:
    text = vcf_text(SAMPLES, ["1 10 a A G 0|1 1|0 0|0"]).replace("\tGT\t0|1\t1|0\t0|0", "\tGT:DP\t0|1:5\t1|0:7\t0|0:3")
    result = read_vcf(write_gzip(tmp_path / "x.vcf.gz", text))
    assert result.haplotypes[:, 0].tolist() == [0, 1, 1, 0, 0, 0]


def test_bcf_is_read_like_vcf(tmp_path: Path, simulated) -> None:  # type: ignore[no-untyped-def]
    import pysam

    vcf = write_vcf(tmp_path / "in.vcf.gz", simulated.haplotypes, simulated.variants, simulated.samples)
    bcf = tmp_path / "in.bcf"
    with pysam.VariantFile(str(vcf)) as source, pysam.VariantFile(str(bcf), "wb", header=source.header) as out:
        for record in source:
            out.write(record)
    np.testing.assert_array_equal(read_vcf(bcf).haplotypes, simulated.haplotypes)


def test_chunks_bound_memory_and_report_progress(tmp_path: Path, simulated) -> None:  # type: ignore[no-untyped-def]
    path = write_vcf(tmp_path / "in.vcf.gz", simulated.haplotypes, simulated.variants, simulated.samples)
    reader = VcfReader(path, chunk_size=50)
    sizes, fractions = [], []
    for chunk in reader.chunks():
        sizes.append(len(chunk.variants))
        fractions.append(reader.fraction_read())
    assert max(sizes) == 50 and sum(sizes) == len(simulated.variants)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"hello\tworld\n", "not a VCF file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a VCF file"),
        (b"##fileformat=VCFv4.2\n##x=1\n1\t10\ta\tA\tG\t.\t.\t.\tGT\t0|1\n", "broken header"),
        (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\n", "broken header"),
        (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n", "no genotype columns"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.vcf"
    path.write_bytes(content)
    with pytest.raises(VcfFormatError, match=expected):
        read_vcf(path)


def test_ragged_row_names_the_record(tmp_path: Path) -> None:
    path = _write(tmp_path, ["1 10 a A G 0|1 1|0 0|0", "1 20 b A G 0|1 1|0"])
    with pytest.raises(VcfFormatError, match=r"line 6: expected 12 tab-separated columns.*found 11"):
        read_vcf(path)


def test_truncated_gzip_is_reported_as_truncated(tmp_path: Path, simulated) -> None:  # type: ignore[no-untyped-def]
    whole = tmp_path / "whole.vcf.gz"
    with gzip.open(whole, "wt") as out:
        out.write(vcf_text(SAMPLES, [f"1 {10 + i} v{i} A G 0|1 1|0 0|{i % 2}" for i in range(3000)]))
    data = whole.read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfFormatError, match="ends early"):
        read_vcf(cut)


def test_haploid_calls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(VcfFormatError, match="diploid"):
        read_vcf(_write(tmp_path, ["1 10 a A G 0 1 0"]))


def test_panel_aliases_and_alignment(tmp_path: Path) -> None:
    panel = tmp_path / "p.tsv"
    panel.write_text("sample\tpop\tsuper_pop\tgender\nC\tP2\tS\tm\nA\tP1\tS\tf\nB\tP1\tS\tf\n")
    result = read_panel(panel, SAMPLES)
    assert result.populations == ["P1", "P1", "P2"]
    assert result.haplotype_labels() == ["P1", "P1", "P1", "P1", "P2", "P2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sample\tsex\nA\tm\n", "lacks the column"),
        ("sample\tpopulation\nA\tP\nB\tP\nC\tP\nZ\tP\n", "not in the VCF"),
        ("sample\tpopulation\nA\tP\n", "no row for 2"),
        ("", "empty"),
        ("sample\tpopulation\nA\tP\nA\tQ\n", "listed twice"),
    ],
)
def test_bad_panels_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    panel = tmp_path / "p.tsv"
    panel.write_text(text)
    with pytest.raises(PanelError, match=expected):
        read_panel(panel, SAMPLES)

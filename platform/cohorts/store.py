"""Cohort files in Django's storage: packed matrices, variant and sample tables."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from generation.engine.genotypes import VariantTable, unpack_haplotypes

VARIANT_COLUMNS = ("chrom", "pos", "id", "ref", "alt")


def cohort_dir(cohort_id: int) -> str:
    return f"cohorts/{cohort_id}"


def save_bytes(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def save_file(name: str, source: File | io.BufferedIOBase) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, source if isinstance(source, File) else File(source))


def delete_files(*names: str) -> None:
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


@contextmanager
def local_path(name: str) -> Iterator[Path]:
    """A local filesystem path for a stored file (a temporary copy for remote storage)."""
    try:
        yield Path(default_storage.path(name))
        return
    except NotImplementedError:
        pass
    suffix = "".join(Path(name).suffixes)
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with default_storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy)
        copy.flush()
        yield Path(copy.name)


def save_matrix(name: str, packed: np.ndarray, n_haplotypes: int) -> str:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, packed=packed, n_haplotypes=np.int64(n_haplotypes))
    return save_bytes(name, buffer.getvalue())


def load_matrix(name: str) -> np.ndarray:
    """Unpacked haplotypes (n_haplotypes, n_variants) uint8 from a stored matrix."""
    with default_storage.open(name, "rb") as stored, np.load(io.BytesIO(stored.read())) as data:
        return unpack_haplotypes(data["packed"], int(data["n_haplotypes"]))


def save_variants(name: str, variants: VariantTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(VARIANT_COLUMNS)
    writer.writerows(
        zip(*(getattr(variants, column).tolist() for column in VARIANT_COLUMNS), strict=True)
    )
    return save_bytes(name, out.getvalue().encode())


def load_variants(name: str) -> VariantTable:
    with default_storage.open(name, "rb") as stored:
        rows = list(csv.DictReader(io.StringIO(stored.read().decode()), delimiter="\t"))
    return VariantTable.from_rows(rows)  # type: ignore[arg-type]


def save_samples(name: str, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["sample", "population", "superpopulation", "split"], delimiter="\t",
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    return save_bytes(name, out.getvalue().encode())


def load_samples(name: str) -> list[dict[str, str]]:
    with default_storage.open(name, "rb") as stored:
        return list(csv.DictReader(io.StringIO(stored.read().decode()), delimiter="\t"))

"""A synthetic set's files in storage: packed haplotypes, bgzipped VCF, tabix index, panel.

Pairing haplotypes into individuals, naming samples and writing the VCF and panel are the
engine's (:mod:`generation.engine.output`), so the CLI and the site release alike; this
module draws the set and puts the engine's files into Django storage.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from cohorts import store
from cohorts.training import label_counts
from django.core.files import File

from generation.engine.base import HaplotypeGenerator
from generation.engine.genotypes import VariantTable, pack_variant_rows
from generation.engine.output import sample_cohort, write_synthetic_cohort

from .models import SyntheticSet

# Panel label of individuals drawn without a population (an unconditional model): every
# set ships a panel, and this names no real population.
UNLABELLED = "synthetic"


def synthetic_dir(synthetic_set_id: int) -> str:
    return f"synthetic/{synthetic_set_id}"


def sample_prefix(synthetic_set: SyntheticSet) -> str:
    """``SYN<set>_``: sample names unique across the platform's sets, never a real sample's."""
    return f"SYN{synthetic_set.pk}_"


def synthetic_individuals(
    synthetic_set: SyntheticSet, model: HaplotypeGenerator
) -> tuple[np.ndarray, list[str] | None]:
    """Draw the set: haplotypes (2 * n_individuals, n_variants) uint8 and per-row labels.

    A conditional model asked for no population draws each individual's population in
    the training split's proportions (both haplotypes from the same one).
    """
    run = synthetic_set.run
    training_counts = label_counts(run.cohort, run.training_level) if run.training_level else None
    return sample_cohort(
        model, synthetic_set.n_individuals, population=synthetic_set.population or None,
        population_individuals=training_counts or None, seed=synthetic_set.seed,
    )


def synthetic_files_store(
    synthetic_set: SyntheticSet,
    haplotypes: np.ndarray,
    variants: VariantTable,
    populations: list[str] | None,
) -> dict[str, str]:
    """Write and store the set's four files; return the model's field names -> storage names."""
    directory = synthetic_dir(synthetic_set.pk)
    labels = populations if populations is not None else [UNLABELLED] * haplotypes.shape[0]
    stored: dict[str, str] = {}
    try:
        with tempfile.TemporaryDirectory(prefix=f"synthome-set-{synthetic_set.pk}-") as workdir:
            files = write_synthetic_cohort(
                Path(workdir) / "synthetic.vcf.gz", haplotypes, variants, populations=labels,
                label_column=synthetic_set.run.label_level,
                prefix=sample_prefix(synthetic_set), source=f"Synthome synthetic set {synthetic_set.pk}",
            )
            stored["haplotypes_file"] = store.save_matrix(
                f"{directory}/haplotypes.npz", pack_variant_rows(haplotypes.T), haplotypes.shape[0]
            )
            for field, path, name in (("vcf_file", files.vcf, "synthetic.vcf.gz"),
                                      ("index_file", files.index, "synthetic.vcf.gz.tbi"),
                                      ("panel_file", files.panel, "panel.tsv")):
                assert path is not None, f"the engine wrote no {name}"
                with open(path, "rb") as local:
                    stored[field] = store.save_file(f"{directory}/{name}", File(local))
    except BaseException:
        store.delete_files(*stored.values())
        raise
    return stored

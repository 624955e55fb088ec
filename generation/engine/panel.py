"""Sample panels: the TSV that labels each sample with its population.

Columns (tab-separated, with a header row): ``sample``, ``population`` and optionally
``superpopulation``; the 1000 Genomes spellings ``pop`` and ``super_pop`` are accepted.
Further columns (sex, ...) are ignored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .genotypes import InvalidGenotypeError

_ALIASES = {
    "sample": ("sample", "sample_id", "id"),
    "population": ("population", "pop"),
    "superpopulation": ("superpopulation", "super_population", "super_pop"),
}


# The levels a conditional model can be trained on: 26 populations in 1000 Genomes, or
# 5 superpopulations (more haplotypes per label: less population detail, and a smaller
# membership signal in what the model learns, see the README's benchmark).
LABEL_LEVELS = ("population", "superpopulation")


class PanelError(InvalidGenotypeError):
    """A sample panel that cannot label the cohort's samples."""


@dataclass(frozen=True)
class SamplePanel:
    """Population labels in the order of the VCF's samples."""

    samples: list[str]
    populations: list[str]
    superpopulations: list[str]

    def haplotype_labels(self, level: str = "population") -> list[str]:
        """One label per haplotype row (each sample's label twice), at ``level``.

        ``level`` is one of :data:`LABEL_LEVELS`; a panel without a superpopulation for
        every sample cannot label at that level (:class:`PanelError`).
        """
        if level not in LABEL_LEVELS:
            raise PanelError(f"unknown label level {level!r}; choose {' or '.join(LABEL_LEVELS)}")
        labels = self.populations if level == "population" else self.superpopulations
        missing = [sample for sample, label in zip(self.samples, labels, strict=True) if not label]
        if missing:
            raise PanelError(
                f"the sample panel gives no {level} for {len(missing)} sample(s) (e.g. "
                f"{', '.join(missing[:3])}): add a {level} column, or condition on population"
            )
        return [label for label in labels for _ in range(2)]


def _column(header: list[str], name: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for alias in _ALIASES[name]:
        if alias in lowered:
            return lowered.index(alias)
    return None


def read_panel(path: str | Path, vcf_samples: list[str]) -> SamplePanel:
    """Read a panel and align it to ``vcf_samples``, or raise :class:`PanelError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PanelError("the sample panel is not a UTF-8 text file: upload a TSV") from None
    rows = [r for r in csv.reader(text.splitlines(), delimiter="\t") if any(c.strip() for c in r)]
    if not rows:
        raise PanelError("the sample panel is empty: expected a header row and one row per sample")
    header = rows[0]
    sample_col = _column(header, "sample")
    population_col = _column(header, "population")
    super_col = _column(header, "superpopulation")
    missing = [n for n, c in (("sample", sample_col), ("population", population_col)) if c is None]
    if missing:
        raise PanelError(
            f"the sample panel lacks the column(s) {', '.join(missing)}: expected a "
            f"tab-separated header with sample, population[, superpopulation]; found "
            f"{', '.join(header) or 'nothing'}"
        )
    assert sample_col is not None and population_col is not None
    labels: dict[str, tuple[str, str]] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        needed = max(c for c in (sample_col, population_col, super_col) if c is not None)
        if len(row) <= needed:
            raise PanelError(
                f"sample panel line {line_number}: expected {needed + 1} tab-separated "
                f"columns; found {len(row)}"
            )
        sample, population = row[sample_col].strip(), row[population_col].strip()
        if not sample or not population:
            raise PanelError(f"sample panel line {line_number}: sample and population must not be empty")
        if sample in labels:
            raise PanelError(f"sample panel line {line_number}: sample {sample} is listed twice")
        superpopulation = row[super_col].strip() if super_col is not None else ""
        labels[sample] = (population, superpopulation)
    unknown = sorted(set(labels) - set(vcf_samples))
    if unknown:
        raise PanelError(
            f"the sample panel names {len(unknown)} sample(s) that are not in the VCF "
            f"(e.g. {', '.join(unknown[:3])}): use the panel that belongs to this file"
        )
    unlabelled = [s for s in vcf_samples if s not in labels]
    if unlabelled:
        raise PanelError(
            f"the sample panel has no row for {len(unlabelled)} VCF sample(s) "
            f"(e.g. {', '.join(unlabelled[:3])}): add them or upload without a panel"
        )
    return SamplePanel(
        samples=list(vcf_samples),
        populations=[labels[s][0] for s in vcf_samples],
        superpopulations=[labels[s][1] for s in vcf_samples],
    )

"""Fixtures for the audit app: a cohort with real individuals left out of it, synthetic
sets built through the ORM, and reports at each stage.

The audit cohort is an msprime sample of two populations of which only part goes into
the cohort's VCF; the individuals left out are "holdout-like" real data that neither the
training nor the holdout split contains: what a perfect generator would produce.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from factories import SimulatedCohort, write_cohort_files

from generation.engine.genotypes import VariantTable

IN_COHORT = 40  # individuals per population in the cohort's VCF
LEFT_OUT = 20  # individuals per population never uploaded: the "holdout-like" real data

# The defaults are set on the 805-SNP 1000 Genomes panel (thousands of haplotypes). In a
# 200 kb simulated region unrelated real individuals share whole haplotypes; with 80
# haplotypes per set AATS and PCA distances carry sampling noise of several hundredths,
# and a 1% false-positive rate cannot be resolved. A small cohort's custodian relaxes
# those checks; copies of training haplotypes still fail them by far.
SMALL_COHORT_POLICY = {
    "exact_copies_max": 30, "privacy_loss_max": 0.1, "pca_distance_max": 0.35,
    "mia_tpr_at_1pct_fpr_max": None,
}


@dataclass
class AuditSimulation:
    cohort: SimulatedCohort  # what is uploaded
    left_out_haplotypes: np.ndarray  # (2 * 2 * LEFT_OUT, n_sites) uint8
    left_out_positions: np.ndarray  # (n_sites,) int64


def _simulate(seed: int = 11) -> AuditSimulation:
    import msprime

    names = ["POP0", "POP1"]
    demography = msprime.Demography()
    for name in names:
        demography.add_population(name=name, initial_size=20_000)
    demography.add_population(name="ANC", initial_size=40_000)
    demography.add_population_split(time=2_000, derived=names, ancestral="ANC")
    per_population = IN_COHORT + LEFT_OUT
    ts = msprime.sim_ancestry(
        samples={name: per_population for name in names}, demography=demography,
        sequence_length=1e5, recombination_rate=1e-8, random_seed=seed,
    )
    ts = msprime.sim_mutations(ts, rate=2e-8, random_seed=seed, model=msprime.BinaryMutationModel())
    positions = np.array([int(site.position) + 1 for site in ts.sites()], dtype=np.int64)
    unique = np.concatenate([[True], np.diff(positions) > 0])
    haplotypes = np.ascontiguousarray(ts.genotype_matrix()[unique].T.astype(np.uint8))
    positions = positions[unique]
    population_of = [names[ts.node(ind.nodes[0]).population] for ind in ts.individuals()]
    chosen = {name: [i for i, p in enumerate(population_of) if p == name] for name in names}
    cohort_individuals = sorted(i for name in names for i in chosen[name][:IN_COHORT])
    left_out = sorted(i for name in names for i in chosen[name][IN_COHORT:])

    def rows(individuals: list[int]) -> np.ndarray:
        return np.array([r for i in individuals for r in (2 * i, 2 * i + 1)])

    n = len(positions)
    variants = VariantTable(
        chrom=np.array(["1"] * n, dtype=object), pos=positions,
        id=np.array([f"1:{p}" for p in positions], dtype=object),
        ref=np.array(["A"] * n, dtype=object), alt=np.array(["G"] * n, dtype=object),
    )
    cohort = SimulatedCohort(
        haplotypes=haplotypes[rows(cohort_individuals)], variants=variants,
        samples=[f"S{i:04d}" for i in cohort_individuals],
        populations=[population_of[i] for i in cohort_individuals],
    )
    return AuditSimulation(
        cohort=cohort, left_out_haplotypes=haplotypes[rows(left_out)], left_out_positions=positions,
    )


@pytest.fixture(scope="session")
def audit_simulation() -> AuditSimulation:
    return _simulate()


_PLOTS: dict[str, dict[str, str]] = {}


@pytest.fixture(autouse=True)
def _figures_drawn_once(monkeypatch):  # type: ignore[no-untyped-def]
    """Draw each distinct report's figures once per session (matplotlib is the slow part).

    The figures depend on the metric records only, so a re-judged report reuses them.
    """
    from audit import presentation, services
    from audit.metrics.plots import report_plots

    def drawn_once(report: dict[str, Any]) -> dict[str, str]:
        key = hashlib.sha256(json.dumps(report["metrics"], sort_keys=True).encode()).hexdigest()
        if key not in _PLOTS:
            _PLOTS[key] = report_plots(report)
        return _PLOTS[key]

    monkeypatch.setattr(presentation, "report_plots", drawn_once)
    monkeypatch.setattr(services, "report_plots", drawn_once)


@pytest.fixture(scope="session")
def audit_cohort_files(audit_simulation, tmp_path_factory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    return write_cohort_files(audit_simulation.cohort, tmp_path_factory.mktemp("audit-cohort"))


@pytest.fixture
def audit_cohort(custodian, audit_cohort_files):  # type: ignore[no-untyped-def]
    """The cohort ingested in-process, half of it held out (40 + 40 individuals)."""
    from cohorts.models import Cohort
    from cohorts.services import cohort_ingest, cohort_register

    vcf, panel = audit_cohort_files
    with open(vcf, "rb") as source, open(panel, "rb") as panel_file:
        cohort = cohort_register(
            organisation=custodian.membership.organisation, user=custodian, name="Audit cohort",
            source=source, filename=vcf.name, size=vcf.stat().st_size, panel=panel_file,
            holdout_fraction=0.5, split_seed=1, queue=False,
        )
    cohort_ingest(cohort_id=cohort.pk)
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.status == "succeeded", cohort.error_message
    return cohort


def make_synthetic_set(cohort: Any, user: Any, haplotypes: np.ndarray) -> Any:
    """A succeeded run and synthetic set whose packed haplotypes are in storage.

    Sampled from the training mixture (no ``population``), so the set carries no
    per-haplotype labels, as the generation app's sets do.
    """
    from cohorts.store import save_matrix

    from generation.engine.genotypes import pack_variant_rows
    from generation.models import GeneratorRun, SyntheticSet

    run = GeneratorRun.objects.create(
        cohort=cohort, model_name="rbm", created_by=user, status="succeeded",
    )
    synthetic_set = SyntheticSet.objects.create(
        run=run, n_individuals=len(haplotypes) // 2, created_by=user, status="succeeded",
    )
    directory = f"synthetic/{synthetic_set.pk}"
    synthetic_set.haplotypes_file = save_matrix(
        f"{directory}/haplotypes.npz", pack_variant_rows(haplotypes.T), len(haplotypes)
    )
    synthetic_set.save()
    return synthetic_set


@pytest.fixture
def holdout_like_set(audit_cohort, audit_simulation, custodian):  # type: ignore[no-untyped-def]
    """Real individuals the cohort never contained, on the cohort's SNPs: should pass."""
    from cohorts.store import load_variants

    kept = load_variants(audit_cohort.variants_file).pos
    columns = np.searchsorted(audit_simulation.left_out_positions, kept)
    assert np.array_equal(audit_simulation.left_out_positions[columns], kept)
    return make_synthetic_set(audit_cohort, custodian, audit_simulation.left_out_haplotypes[:, columns])


@pytest.fixture
def copied_set(audit_cohort, custodian):  # type: ignore[no-untyped-def]
    """Exact copies of the training haplotypes: must fail."""
    from cohorts.training import training_data

    return make_synthetic_set(audit_cohort, custodian, training_data(audit_cohort).haplotypes)


@pytest.fixture
def small_cohort_policy(organisation, custodian):  # type: ignore[no-untyped-def]
    from audit.services import policy_update

    return policy_update(organisation=organisation, user=custodian, thresholds=SMALL_COHORT_POLICY,
                         note="Small simulated cohort: shared haplotypes are expected.")


# Rows only (no files): enough for pages and permissions ------------------------------


def rows_only_set(user: Any, name: str = "Rows only") -> Any:
    from cohorts.models import Cohort

    from generation.models import GeneratorRun, SyntheticSet

    cohort = Cohort.objects.create(
        organisation=user.membership.organisation, name=name, created_by=user, source_file="x",
        source_filename="x.vcf", status="succeeded", phased=True, train_file="x",
    )
    run = GeneratorRun.objects.create(cohort=cohort, created_by=user, model_name="rbm",
                                      status="succeeded")
    return SyntheticSet.objects.create(run=run, created_by=user, n_individuals=30,
                                       status="succeeded", haplotypes_file="x")


@pytest.fixture
def rows_only():  # type: ignore[no-untyped-def]
    """Build a set of rows only: ``rows_only(user, name)``."""
    return rows_only_set


@pytest.fixture
def synthetic_set_from():  # type: ignore[no-untyped-def]
    """Build a set with stored haplotypes: ``synthetic_set_from(cohort, user, haplotypes)``."""
    return make_synthetic_set


@pytest.fixture
def queued_report(custodian):  # type: ignore[no-untyped-def]
    from audit.services import audit_queue

    return audit_queue(synthetic_set=rows_only_set(custodian), queue=False)


@pytest.fixture
def other_report(other_custodian):  # type: ignore[no-untyped-def]
    from audit.services import audit_queue

    return audit_queue(synthetic_set=rows_only_set(other_custodian, "Elsewhere"), queue=False)


@pytest.fixture(scope="session")
def tiny_report_result() -> dict[str, Any]:
    """A real audit_report result on tiny random data (fails: the sets are unrelated)."""
    from audit.metrics.report import audit_report

    rng = np.random.default_rng(0)
    train = (rng.random((60, 80)) < 0.3).astype(np.uint8)
    holdout = (rng.random((40, 80)) < 0.3).astype(np.uint8)
    return audit_report(train=train, holdout=holdout, synthetic=train.copy())


@pytest.fixture
def finished_report(queued_report, tiny_report_result):  # type: ignore[no-untyped-def]
    """The queued report finished with a stored result and its two files."""
    from cohorts.store import save_bytes
    from django.utils import timezone

    from audit import services
    from audit.metrics.html import render_html
    from audit.models import AuditReport

    result = tiny_report_result
    AuditReport.objects.filter(pk=queued_report.pk).update(
        status="succeeded", progress=1.0, started_at=timezone.now(), finished_at=timezone.now(),
        report=result, headline=result["headline"], verdict=result["verdict"],
        failing_checks=[check for check in result["checks"] if not check["passed"]],
        json_file=save_bytes(f"audits/{queued_report.pk}/report.json", json.dumps(result).encode()),
        html_file=save_bytes(f"audits/{queued_report.pk}/report.html",
                             render_html(result, services.report_plots(result)).encode()),
    )
    return AuditReport.objects.get(pk=queued_report.pk)

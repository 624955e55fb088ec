"""Release test data: audited synthetic sets built through the ORM, releases at each stage of
their life, grants. Imported by name (not from a conftest, which is ambiguous across folders)."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

PURPOSE = "Benchmarking population-structure inference methods on synthetic genomes."
DUO = ["DUO:0000042", "DUO:0000046"]  # GRU + NCU
N_INDIVIDUALS = 12
N_SNPS = 40


def make_audited_set(user: Any, *, verdict: str = "pass", epsilon: float | None = 2.5,
                     cohort_name: str = "Simulated") -> Any:
    """A succeeded run, a sampled synthetic set with its files in storage, and its audit."""
    from cohorts.models import Cohort
    from cohorts.store import save_bytes

    from audit.models import AuditReport, ReleasePolicy
    from generation.engine.genotypes import VariantTable
    from generation.engine.vcf import write_vcf
    from generation.models import GeneratorRun, SyntheticSet

    organisation = user.membership.organisation
    cohort, _ = Cohort.objects.get_or_create(
        organisation=organisation, name=cohort_name,
        defaults=dict(
            created_by=user, source_file="cohorts/x/source.vcf.gz", source_filename="real.vcf.gz",
            status="succeeded", phased=True, n_samples=60, n_variants=N_SNPS, n_train_samples=48,
            n_holdout_samples=12, populations={"POP0": {"train": 24, "holdout": 6},
                                               "POP1": {"train": 24, "holdout": 6}},
        ),
    )
    run = GeneratorRun.objects.create(
        cohort=cohort, model_name="rbm", hyperparameters={"epochs": 3, "n_hidden": 8}, seed=3,
        target_epsilon=epsilon, target_delta=1e-5 if epsilon else None,
        max_grad_norm=1.0 if epsilon else None, epsilon_spent=epsilon * 0.96 if epsilon else None,
        delta=1e-5 if epsilon else None, created_by=user, status="succeeded",
    )
    synthetic_set = SyntheticSet.objects.create(run=run, n_individuals=N_INDIVIDUALS, created_by=user,
                                                status="succeeded", seed=5)
    rng = np.random.default_rng(synthetic_set.pk)
    haplotypes = rng.integers(0, 2, size=(2 * N_INDIVIDUALS, N_SNPS), dtype=np.uint8)
    variants = VariantTable(
        chrom=np.array(["1"] * N_SNPS, dtype=object), pos=np.arange(1, N_SNPS + 1, dtype=np.int64) * 100,
        id=np.array([f"1:{100 * (i + 1)}" for i in range(N_SNPS)], dtype=object),
        ref=np.array(["A"] * N_SNPS, dtype=object), alt=np.array(["G"] * N_SNPS, dtype=object),
    )
    samples = [f"SYN{synthetic_set.pk}_{i + 1:06d}" for i in range(N_INDIVIDUALS)]
    with tempfile.TemporaryDirectory() as workdir:
        vcf = write_vcf(Path(workdir) / "synthetic.vcf.gz", haplotypes, variants, samples, index=True)
        directory = f"synthetic/{synthetic_set.pk}"
        synthetic_set.vcf_file = save_bytes(f"{directory}/synthetic.vcf.gz", vcf.read_bytes())
        synthetic_set.index_file = save_bytes(f"{directory}/synthetic.vcf.gz.tbi",
                                              Path(f"{vcf}.tbi").read_bytes())
    panel = ["sample\tpopulation\tsuperpopulation"] + [
        f"{name}\t{'POP0' if i % 3 else 'POP1'}\tSYNTHETIC" for i, name in enumerate(samples)
    ]
    synthetic_set.panel_file = save_bytes(f"{directory}/panel.tsv", ("\n".join(panel) + "\n").encode())
    synthetic_set.save()
    policy, _ = ReleasePolicy.objects.get_or_create(
        organisation=organisation, version=1,
        defaults={"thresholds": {"max_privacy_loss": 0.05, "max_exact_copies": 0}},
    )
    headline = {"aats_train": 0.51, "privacy_loss": 0.01 if verdict == "pass" else 0.2,
                "exact_copies": 0, "allele_frequency_r2": 0.97}
    failing = [] if verdict == "pass" else ["privacy_loss"]
    report = {"headline": headline, "checks": {"privacy_loss": verdict}}
    audit = AuditReport.objects.create(
        synthetic_set=synthetic_set, policy=policy, status="succeeded", report=report,
        headline=headline, verdict=verdict, failing_checks=failing,
        json_file=save_bytes(f"audit/{synthetic_set.pk}/report.json", json.dumps(report).encode()),
        html_file=save_bytes(f"audit/{synthetic_set.pk}/report.html",
                             b"<!doctype html><title>Audit</title><p>verdict</p>"),
    )
    synthetic_set.refresh_from_db()
    assert synthetic_set.audit == audit
    return synthetic_set


def propose(synthetic_set: Any, custodian: Any, *, title: str = "North synthetic panel",
            version: str = "1.0") -> Any:
    from releases.services import release_propose

    return release_propose(
        synthetic_set=synthetic_set, proposer=custodian, title=title, version=version,
        description="Synthetic genomes for method development.", licence="CC-BY-4.0", duo_codes=DUO,
    )


def publish(release: Any, reviewer: Any, *, justification: str = "") -> Any:
    """Approve and build the bundle in this process (on_commit never fires in a test transaction)."""
    from releases.models import Release
    from releases.services import bundle_build, release_approve

    release_approve(release=release, reviewer=reviewer, comment="Audit reviewed; fine to release.",
                    override_justification=justification)
    bundle = bundle_build(bundle_id=release.bundle.pk)
    assert bundle is not None and bundle.status == "succeeded", bundle and bundle.error_message
    return Release.objects.get(pk=release.pk)


def grant_access(release: Any, researcher: Any, custodian: Any, *, days: int = 30) -> Any:
    from releases.access_services import access_request_approve, access_request_create

    access_request = access_request_create(release=release, researcher=researcher, purpose=PURPOSE,
                                           accept_terms=True)
    return access_request_approve(access_request=access_request, custodian=custodian, days=days)


def extract_archive(release: Any, target: Path) -> Path:
    """Unpack the stored .tar.gz of a release; return the bundle directory."""
    from django.core.files.storage import default_storage

    bundle = release.bundle
    with default_storage.open(bundle.archive_file, "rb") as stored:
        data = stored.read()
    return extract_bytes(data, target)


def extract_bytes(data: bytes, target: Path) -> Path:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(target, filter="data")
        top = {name.split("/")[0] for name in tar.getnames()}
    assert len(top) == 1
    return target / top.pop()

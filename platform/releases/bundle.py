"""Assembling a release bundle on disk: files, manifest, in-toto statement, DSSE signature.

Layout of a bundle directory (and of the ``.tar.gz`` that carries it)::

    synthome-<org>-r<release>-v<version>/
        synthetic.vcf.gz, synthetic.vcf.gz.tbi   the synthetic genotypes and tabix index
        synthetic_samples.tsv                    the synthetic sample panel
        audit/report.json, audit/report.html     the privacy and fidelity audit
        README.md, verify_bundle.py              how to verify, and the verifier itself
        manifest.json                            every file above with size and SHA-256
        manifest.dsse.json                       the signed in-toto statement of the manifest

Nothing here reads real genotypes: the cohort appears only as the aggregate counts the
platform already showed on the release page.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from . import verify_bundle as verifier
from .models import Release
from .signing import SigningKey, active_signing_key, sign_envelope
from .terms import duo_terms

Progress = Callable[[float, str], None]

VCF_NAME = "synthetic.vcf.gz"
INDEX_NAME = "synthetic.vcf.gz.tbi"
PANEL_NAME = "synthetic_samples.tsv"
AUDIT_JSON_NAME = "audit/report.json"
AUDIT_HTML_NAME = "audit/report.html"
README_NAME = "README.md"
VERIFIER_NAME = "verify_bundle.py"


class BundleSourceError(RuntimeError):
    """A file the bundle needs is missing from storage; the message says which."""


@dataclass(frozen=True)
class BuiltBundle:
    name: str
    directory: Path
    archive: Path
    files: list[dict[str, Any]]
    manifest: dict[str, Any]
    keyid: str


def bundle_name(release: Release) -> str:
    version = re.sub(r"[^A-Za-z0-9._-]+", "-", release.version).strip("-.") or "1"
    return f"synthome-{release.organisation.slug}-r{release.pk}-v{version}"


def code_version() -> str:
    """The platform's git commit when it runs from a checkout, else the package version."""
    configured = getattr(settings, "SYNTHOME_CODE_VERSION", "")
    if configured:
        return str(configured)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True,
            timeout=5, check=True,
        ).stdout.strip()
        if commit:
            return f"git:{commit}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"synthome {metadata.version('synthome')}"
    except metadata.PackageNotFoundError:
        return "synthome 0.1.0"


def _copy_from_storage(name: str, target: Path, what: str) -> None:
    if not name or not default_storage.exists(name):
        raise BundleSourceError(
            f"the {what} ({name or 'no file recorded'}) is missing from storage: sample the "
            "synthetic set again, or restore the file, then retry the bundle"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as stored, open(target, "wb") as out:
        shutil.copyfileobj(stored, out)


def _genome_build(vcf: Path) -> str | None:
    """The assembly the VCF header names (##reference or a contig's assembly=), if any."""
    with gzip.open(vcf, "rt", errors="replace") as stream:
        for line in stream:
            if not line.startswith("##"):
                break
            if line.startswith("##reference="):
                return line.split("=", 1)[1].strip() or None
            if line.startswith("##contig=") and "assembly=" in line:
                return line.split("assembly=", 1)[1].split(",")[0].rstrip(">\n") or None
    return None


def _audit_html(release: Release) -> str:
    return render_to_string("releases/bundle_audit.html", {"release": release, "audit": release.audit})


def _cohort_descriptor(release: Release, genome_build: str | None) -> dict[str, Any]:
    """Aggregate counts only: no sample identifier, no genotype, no per-person value."""
    cohort = release.synthetic_set.run.cohort
    populations = {
        name: int(sum(v for v in counts.values() if isinstance(v, int)))
        for name, counts in sorted((cohort.populations or {}).items())
    }
    return {
        "name": cohort.name,
        "n_individuals": cohort.n_samples,
        "n_train_individuals": cohort.n_train_samples,
        "n_holdout_individuals": cohort.n_holdout_samples,
        "n_snps": cohort.n_variants,
        "phased": cohort.phased,
        "populations": populations,
        "genome_build": genome_build,
    }


def build_manifest(
    release: Release, files: list[dict[str, Any]], *, name: str, keyid: str, genome_build: str | None,
) -> dict[str, Any]:
    run = release.synthetic_set.run
    audit = release.audit
    policy = audit.policy
    return {
        "schema": verifier.PREDICATE_TYPE,
        "bundle": name,
        "created_at": timezone.now().isoformat(),
        "release": {
            "id": release.pk,
            "title": release.title,
            "version": release.version,
            "description": release.description,
            "organisation": release.organisation.name,
            "licence": release.licence,
            "data_use": [term.as_json() for term in duo_terms(release.duo_codes)],
            "n_individuals": release.n_individuals,
            "n_snps": release.n_snps,
            "population_composition": release.population_composition,
        },
        "files": files,
        "generator": {
            "run": run.pk,
            "model": run.model_name,
            "hyperparameters": run.hyperparameters,
            "seed": run.seed,
            "condition_on": run.condition_on,
            "sampling_seed": release.synthetic_set.seed,
            "code_version": code_version(),
        },
        "privacy": {
            "differential_privacy": run.target_epsilon is not None,
            "target_epsilon": run.target_epsilon,
            "target_delta": run.target_delta,
            "max_grad_norm": run.max_grad_norm,
            "epsilon_spent": run.epsilon_spent,
            "delta": run.delta,
        },
        "audit": {
            "verdict": audit.verdict,
            "headline": audit.headline,
            "failing_checks": audit.failing_checks,
            "policy": {
                "organisation": policy.organisation.name,
                "version": policy.version,
                "thresholds": policy.thresholds,
            },
            "report_files": [AUDIT_JSON_NAME, AUDIT_HTML_NAME],
        },
        "cohort": _cohort_descriptor(release, genome_build),
        "approval": {
            "proposed_by": release.proposed_by.get_username(),
            "proposed_at": release.proposed_at.isoformat(),
            "approved_by": release.decided_by.get_username() if release.decided_by else None,
            "approved_at": release.decided_at.isoformat() if release.decided_at else None,
            "audit_override": release.is_overridden,
            "override_justification": release.override_justification or None,
        },
        "signing": {"algorithm": verifier.KEY_ALGORITHM, "keyid": keyid},
    }


def statement_for(manifest: dict[str, Any]) -> dict[str, Any]:
    """The in-toto Statement v1: one subject per file, the manifest as predicate."""
    return {
        "_type": verifier.STATEMENT_TYPE,
        "subject": [
            {"name": entry["path"], "digest": {"sha256": entry["sha256"]}} for entry in manifest["files"]
        ],
        "predicateType": verifier.PREDICATE_TYPE,
        "predicate": manifest,
    }


def _file_entries(directory: Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        size, sha256 = verifier.file_digest(path)
        entries.append({"path": path.relative_to(directory).as_posix(), "size": size, "sha256": sha256})
    return entries


def _write_archive(directory: Path, archive: Path, mtime: float) -> None:
    """A reproducible .tar.gz: sorted entries, fixed owner and time."""

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = int(mtime)
        info.mode = 0o755 if info.isdir() or info.name.endswith(".py") else 0o644
        return info

    with gzip.GzipFile(archive, "wb", mtime=int(mtime)) as compressed, \
            tarfile.open(fileobj=compressed, mode="w") as tar:
        tar.add(directory, arcname=directory.name, recursive=False, filter=normalise)
        for path in sorted(directory.rglob("*")):
            tar.add(path, arcname=f"{directory.name}/{path.relative_to(directory).as_posix()}",
                    recursive=False, filter=normalise)


def build_bundle(
    release: Release, workdir: Path, *, progress: Progress | None = None,
    signing_key: SigningKey | None = None,
) -> BuiltBundle:
    """Write the signed bundle of ``release`` under ``workdir`` and its archive beside it."""
    report = progress or (lambda fraction, message: None)
    synthetic_set, audit = release.synthetic_set, release.audit
    name = bundle_name(release)
    directory = workdir / name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)

    report(0.1, "copying the synthetic VCF, its index and panel")
    _copy_from_storage(synthetic_set.vcf_file, directory / VCF_NAME, "synthetic VCF")
    _copy_from_storage(synthetic_set.index_file, directory / INDEX_NAME, "tabix index")
    _copy_from_storage(synthetic_set.panel_file, directory / PANEL_NAME, "synthetic sample panel")

    report(0.4, "adding the audit report")
    if audit.json_file:
        _copy_from_storage(audit.json_file, directory / AUDIT_JSON_NAME, "audit report (JSON)")
    else:
        (directory / "audit").mkdir(exist_ok=True)
        (directory / AUDIT_JSON_NAME).write_bytes(verifier.canonical_json(audit.report))
    if audit.html_file:
        _copy_from_storage(audit.html_file, directory / AUDIT_HTML_NAME, "audit report (HTML)")
    else:
        (directory / AUDIT_HTML_NAME).write_text(_audit_html(release), encoding="utf-8")

    signing_key = signing_key or active_signing_key()
    (directory / README_NAME).write_text(
        render_to_string("releases/bundle_readme.md", {
            "release": release, "name": name, "keyid": signing_key.keyid,
            "site_url": getattr(settings, "SYNTHOME_PUBLIC_URL", "").rstrip("/") or "https://<platform>",
            "terms": duo_terms(release.duo_codes),
        }),
        encoding="utf-8",
    )
    shutil.copyfile(Path(verifier.__file__), directory / VERIFIER_NAME)

    report(0.6, "hashing the files and signing the manifest")
    files = _file_entries(directory)
    manifest = build_manifest(
        release, files, name=name, keyid=signing_key.keyid,
        genome_build=_genome_build(directory / VCF_NAME),
    )
    payload = json.dumps(statement_for(manifest), sort_keys=True, separators=(",", ":")).encode()
    envelope = sign_envelope(payload, verifier.PAYLOAD_TYPE, signing_key)
    (directory / verifier.MANIFEST_NAME).write_bytes(verifier.canonical_json(manifest))
    (directory / verifier.ENVELOPE_NAME).write_bytes(verifier.canonical_json(envelope))

    report(0.75, "checking the signed bundle")
    public = {signing_key.keyid: signing_key.private_key.public_key()}
    check = verifier.verify_bundle(directory, public)
    if not check.ok:
        raise RuntimeError(f"the freshly built bundle does not verify: {'; '.join(check.problems)}")

    report(0.8, "packing the archive")
    archive = workdir / f"{name}.tar.gz"
    _write_archive(directory, archive, (release.decided_at or timezone.now()).timestamp())
    all_files = files + [
        {"path": p, "size": (directory / p).stat().st_size, "sha256": verifier.file_digest(directory / p)[1]}
        for p in (verifier.MANIFEST_NAME, verifier.ENVELOPE_NAME)
    ]
    return BuiltBundle(name=name, directory=directory, archive=archive, files=all_files,
                       manifest=manifest, keyid=signing_key.keyid)

"""Signed bundles: what they hold, and that every kind of tampering is caught and named,
by the library function, the management command and the script shipped in the bundle."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from release_factories import extract_archive, make_audited_set, propose, publish
from releases.verify_bundle import (
    ENVELOPE_NAME,
    MANIFEST_NAME,
    canonical_json,
    load_public_keys,
    verify_bundle,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle_dir(published_release, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    return extract_archive(published_release, tmp_path / "unpacked")


def _verify(bundle: Path, keys_file: Path) -> list[str]:
    return verify_bundle(bundle, load_public_keys(keys_file)).problems


def _script(bundle: Path, keys_file: Path) -> subprocess.CompletedProcess[str]:
    """The verifier as a researcher runs it: the copy inside the bundle, in a bare process."""
    script = bundle.parent / "verify_copy.py"  # outside the bundle, so the bundle stays as signed
    shutil.copyfile(bundle / "verify_bundle.py", script)
    return subprocess.run([sys.executable, "-I", str(script), str(bundle), "--key", str(keys_file)],
                          capture_output=True, text=True, timeout=60)


def test_bundle_holds_every_file_and_a_manifest_without_real_sample_ids(bundle_dir, published_release) -> None:  # type: ignore[no-untyped-def]
    names = sorted(p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file())
    assert names == sorted(["README.md", "audit/report.html", "audit/report.json", MANIFEST_NAME, ENVELOPE_NAME,
                            "synthetic.vcf.gz", "synthetic.vcf.gz.tbi", "synthetic_samples.tsv", "verify_bundle.py"])
    manifest = json.loads((bundle_dir / MANIFEST_NAME).read_text())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(names) - {MANIFEST_NAME, ENVELOPE_NAME}
    assert listed["synthetic.vcf.gz"]["size"] == (bundle_dir / "synthetic.vcf.gz").stat().st_size
    assert manifest["generator"]["model"] == "rbm" and manifest["generator"]["code_version"]
    assert manifest["privacy"] == {"differential_privacy": True, "target_epsilon": 2.5, "target_delta": 1e-05,
                                   "max_grad_norm": 1.0, "epsilon_spent": 2.4, "delta": 1e-05}
    assert manifest["audit"]["verdict"] == "pass"
    assert manifest["audit"]["policy"]["version"] == 1
    assert manifest["audit"]["policy"]["thresholds"]["max_privacy_loss"] == 0.05
    assert manifest["approval"]["approved_by"] == "rita" and manifest["approval"]["proposed_by"] == "carol"
    assert manifest["cohort"] == {"name": "Simulated", "n_individuals": 60, "n_train_individuals": 48,
                                  "n_holdout_individuals": 12, "n_snps": 40, "phased": True,
                                  "populations": {"POP0": 30, "POP1": 30}, "genome_build": None}
    assert manifest["release"]["population_composition"] == {"POP0": 8, "POP1": 4}
    # The cohort's real sample names (S0000...) appear nowhere in the bundle's text files.
    for path in ("README.md", MANIFEST_NAME, "synthetic_samples.tsv", "audit/report.json"):
        assert "S0000" not in (bundle_dir / path).read_text()


def test_envelope_is_dsse_around_an_in_toto_statement(bundle_dir) -> None:  # type: ignore[no-untyped-def]
    envelope = json.loads((bundle_dir / ENVELOPE_NAME).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://synthome.example/release-manifest/v1"
    assert statement["predicate"] == json.loads((bundle_dir / MANIFEST_NAME).read_text())
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == {
        f["path"]: f["sha256"] for f in statement["predicate"]["files"]
    }
    assert len(envelope["signatures"]) == 1 and len(envelope["signatures"][0]["keyid"]) == 64


def test_untouched_bundle_verifies_three_ways(bundle_dir, keys_file, capsys) -> None:  # type: ignore[no-untyped-def]
    assert _verify(bundle_dir, keys_file) == []
    script = _script(bundle_dir, keys_file)
    assert script.returncode == 0, script.stdout + script.stderr
    assert script.stdout.startswith("OK: North synthetic panel version 1.0")
    call_command("verify_release", str(bundle_dir))
    assert "bundle verified" in capsys.readouterr().out


def _flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(bundle: Path) -> None:
    manifest = json.loads((bundle / MANIFEST_NAME).read_text())
    manifest["privacy"]["epsilon_spent"] = 0.1
    (bundle / MANIFEST_NAME).write_bytes(canonical_json(manifest))


def _swap_signature(bundle: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    envelope = json.loads((bundle / ENVELOPE_NAME).read_text())
    forged = Ed25519PrivateKey.generate().sign(b"something else")
    envelope["signatures"][0]["sig"] = base64.b64encode(forged).decode()
    (bundle / ENVELOPE_NAME).write_bytes(canonical_json(envelope))


def _resign_edited_payload(bundle: Path) -> None:
    envelope = json.loads((bundle / ENVELOPE_NAME).read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["release"]["licence"] = "CC0-1.0"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (bundle / ENVELOPE_NAME).write_bytes(canonical_json(envelope))


TAMPERING = [
    ("flip a byte in the VCF", lambda b: _flip_byte(b / "synthetic.vcf.gz"), "synthetic.vcf.gz: SHA-256"),
    ("flip a byte in the index", lambda b: _flip_byte(b / "synthetic.vcf.gz.tbi", 10), "synthetic.vcf.gz.tbi: SHA-256"),
    ("edit the sample panel", lambda b: (b / "synthetic_samples.tsv").write_text("sample\tpopulation\nX\tY\n"),
     "synthetic_samples.tsv: size"),
    ("edit the audit report", lambda b: _flip_byte(b / "audit/report.json", 5), "audit/report.json: SHA-256"),
    ("edit a manifest field", _edit_manifest, "manifest.json differs from the signed manifest at: privacy.epsilon_spent"),
    ("reformat the manifest", lambda b: (b / MANIFEST_NAME).write_text(
        json.dumps(json.loads((b / MANIFEST_NAME).read_text()))), "not the signed bytes"),
    ("swap the signature", _swap_signature, "signature: the signature by key"),
    ("edit the signed payload", _resign_edited_payload, "does not verify"),
    ("delete a file", lambda b: (b / "synthetic.vcf.gz.tbi").unlink(), "synthetic.vcf.gz.tbi: missing"),
    ("add a file", lambda b: (b / "extra.vcf").write_text("x"), "extra.vcf: not listed in the signed manifest"),
    ("remove the envelope", lambda b: (b / ENVELOPE_NAME).unlink(), "manifest.dsse.json is missing"),
]


@pytest.mark.parametrize(("change", "tamper", "named"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampered_bundle_fails_naming_what(bundle_dir, keys_file, change, tamper, named) -> None:  # type: ignore[no-untyped-def]
    tamper(bundle_dir)
    problems = _verify(bundle_dir, keys_file)
    assert any(named in problem for problem in problems), problems
    with pytest.raises(CommandError, match="FAILED"):
        call_command("verify_release", str(bundle_dir))


def test_standalone_script_names_the_changed_file_and_exits_1(bundle_dir, keys_file) -> None:  # type: ignore[no-untyped-def]
    _flip_byte(bundle_dir / "synthetic.vcf.gz")
    result = _script(bundle_dir, keys_file)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "synthetic.vcf.gz: SHA-256" in result.stdout


def test_wrong_key_fails_naming_the_signing_key(bundle_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    keyid = json.loads((bundle_dir / ENVELOPE_NAME).read_text())["signatures"][0]["keyid"]
    problems = _verify(bundle_dir, other)
    assert problems == [
        f"signature: manifest.dsse.json is signed by key {keyid}, which is not among the 1 public "
        "key(s) provided: fetch the platform's /.well-known/synthome-keys.json"
    ]
    assert _script(bundle_dir, other).returncode == 1
    with pytest.raises(CommandError):
        call_command("verify_release", str(bundle_dir), key=[str(other)])


def test_single_pem_from_the_well_known_url_verifies(bundle_dir, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    keyid = json.loads((bundle_dir / ENVELOPE_NAME).read_text())["signatures"][0]["keyid"]
    response = client.get(f"/.well-known/synthome-keys/{keyid}.pem")
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    pem = tmp_path / "key.pem"
    pem.write_bytes(response.content)
    assert _script(bundle_dir, pem).returncode == 0
    assert client.get(f"/.well-known/synthome-keys/{'0' * 64}.pem").status_code == 404


def test_unreadable_key_file_is_a_usage_error(bundle_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "keys.json"
    bad.write_text('[{"keyid": "abc", "algorithm": "ed25519", "public_key": "AAAA"}]')
    result = _script(bundle_dir, bad)
    assert result.returncode == 2 and "public_key is not 32 base64 bytes" in result.stderr


def test_published_verifier_is_the_bundled_one(bundle_dir, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/synthome-verify-bundle.py")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == (
        bundle_dir / "verify_bundle.py"
    ).read_bytes()


def test_old_releases_stay_verifiable_after_key_rotation(published_release, custodian, reviewer, client, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    old_keyid = published_release.bundle.keyid
    call_command("rotate_signing_key")
    second = publish(propose(make_audited_set(custodian), custodian, version="2.0"), reviewer)
    assert second.bundle.keyid != old_keyid

    keys = client.get("/.well-known/synthome-keys.json").json()
    assert [(k["keyid"], k["active"]) for k in keys] == [(old_keyid, False), (second.bundle.keyid, True)]
    assert all(k["algorithm"] == "ed25519" and k["created"] for k in keys)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keys))
    for release in (published_release, second):
        bundle = extract_archive(release, tmp_path / f"r{release.pk}")
        assert _script(bundle, keys_file).returncode == 0
    key_dir = Path(settings.SYNTHOME_SIGNING_KEY_DIR)
    assert not (key_dir / f"{old_keyid}.key.pem").exists()  # retired private key is gone
    assert (key_dir / f"{old_keyid}.pub.pem").exists()
    assert (key_dir / f"{second.bundle.keyid}.key.pem").stat().st_mode & 0o777 == 0o600


def test_manifest_and_envelope_served_byte_for_byte(published_release, bundle_dir, researcher_client) -> None:  # type: ignore[no-untyped-def]
    pk = published_release.pk
    for url, name in ((f"/catalogue/{pk}/manifest.json", MANIFEST_NAME),
                      (f"/catalogue/{pk}/manifest.dsse.json", ENVELOPE_NAME),
                      (f"/api/releases/{pk}/manifest/", MANIFEST_NAME),
                      (f"/api/releases/{pk}/envelope/", ENVELOPE_NAME)):
        response = researcher_client.get(url)
        assert response.status_code == 200, url
        assert response.content == (bundle_dir / name).read_bytes(), url

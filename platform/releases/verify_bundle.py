#!/usr/bin/env python3
"""Verify a Synthome release bundle offline.

Checks, and names each failure:

1. ``manifest.dsse.json`` is a DSSE envelope whose Ed25519 signature verifies with one of
   the public keys you give (the platform publishes them at
   ``/.well-known/synthome-keys.json``, one PEM per key beside it);
2. its payload is an in-toto Statement v1 whose predicate is the release manifest and
   whose subjects are exactly the manifest's files;
3. ``manifest.json`` is byte for byte the signed manifest;
4. every file the manifest lists is present with the signed size and SHA-256, and the
   bundle holds no file the manifest does not list.

Usage (Python 3.8+ and the ``cryptography`` package, nothing else)::

    python verify_bundle.py BUNDLE_DIR --key synthome-keys.json
    python verify_bundle.py BUNDLE_DIR --key KEYID.pem

Exit status: 0 verified, 1 a check failed, 2 the command line or the key file is wrong.

This one file serves twice: the platform's ``manage.py verify_release`` imports it, and
the bundle builder copies it, unchanged, into every bundle. Keep it to the standard
library and ``cryptography``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST_NAME = "manifest.json"
ENVELOPE_NAME = "manifest.dsse.json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://synthome.example/release-manifest/v1"
KEY_ALGORITHM = "ed25519"
_CHUNK = 1024 * 1024
_MAX_LISTED = 10


class KeyFileError(ValueError):
    """A public key file that cannot be read as a PEM key or a Synthome keys JSON."""


@dataclass
class VerificationResult:
    """What a verification found: ``ok`` only when ``problems`` is empty."""

    problems: list[str] = field(default_factory=list)
    keyid: str | None = None
    manifest: dict[str, Any] | None = None
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: the exact bytes that are signed."""
    encoded_type = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(encoded_type), encoded_type, len(payload), payload)


def canonical_json(value: Any) -> bytes:
    """The one serialisation of a manifest: sorted keys, two-space indent, final newline."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keyid_for(key: Ed25519PublicKey) -> str:
    """A key's id: the SHA-256 (hex) of its 32 raw public bytes."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """Size in bytes and SHA-256 (hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _key_from_entry(entry: Any, position: int) -> Ed25519PublicKey:
    if not isinstance(entry, dict):
        raise KeyFileError(f"key entry {position} is not an object")
    algorithm = str(entry.get("algorithm", KEY_ALGORITHM)).lower()
    if algorithm != KEY_ALGORITHM:
        raise KeyFileError(f"key entry {position} uses {algorithm!r}; expected {KEY_ALGORITHM!r}")
    if entry.get("public_key"):
        try:
            raw = base64.b64decode(str(entry["public_key"]), validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw)
        except (binascii.Error, ValueError) as error:
            raise KeyFileError(f"key entry {position}: public_key is not 32 base64 bytes ({error})") from None
    elif entry.get("public_key_pem"):
        key = _key_from_pem(str(entry["public_key_pem"]).encode(), f"key entry {position}")
    else:
        raise KeyFileError(f"key entry {position} has neither public_key nor public_key_pem")
    listed = entry.get("keyid")
    if listed and listed != keyid_for(key):
        raise KeyFileError(
            f"key entry {position} says keyid {listed} but its key hashes to {keyid_for(key)}"
        )
    return key


def _key_from_pem(data: bytes, where: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise KeyFileError(f"{where} is not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{where} holds a {type(key).__name__}; expected an Ed25519 public key")
    return key


def parse_public_keys(data: bytes, where: str = "the key file") -> dict[str, Ed25519PublicKey]:
    """Keys by keyid from PEM, a keys JSON (a list, or an object with ``keys``), or base64."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = _key_from_pem(text, where)
        return {keyid_for(key): key}
    if text[:1] in (b"[", b"{"):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise KeyFileError(f"{where} is not valid JSON ({error})") from None
        entries = document.get("keys") if isinstance(document, dict) else document
        if not isinstance(entries, list) or not entries:
            raise KeyFileError(f"{where} lists no keys: expected a JSON list of key objects")
        keys = [_key_from_entry(entry, i) for i, entry in enumerate(entries, start=1)]
        return {keyid_for(key): key for key in keys}
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise KeyFileError(
            f"{where} is neither a PEM public key, a keys JSON, nor a base64 raw Ed25519 key"
        ) from None
    return {keyid_for(key): key}


def load_public_keys(path: str | os.PathLike[str]) -> dict[str, Ed25519PublicKey]:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read {path}: {error.strerror}") from None
    return parse_public_keys(data, str(path))


def _differences(signed: Any, found: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two JSON values differ (the fields someone changed)."""
    if isinstance(signed, dict) and isinstance(found, dict):
        paths: list[str] = []
        for name in sorted(set(signed) | set(found), key=str):
            where = f"{prefix}.{name}" if prefix else str(name)
            if name not in found:
                paths.append(f"{where} (removed)")
            elif name not in signed:
                paths.append(f"{where} (added)")
            else:
                paths.extend(_differences(signed[name], found[name], where))
        return paths
    if isinstance(signed, list) and isinstance(found, list) and len(signed) == len(found):
        paths = []
        for index in range(len(signed)):
            paths.extend(_differences(signed[index], found[index], f"{prefix}[{index}]"))
        return paths
    return [] if signed == found and type(signed) is type(found) else [prefix or "(whole manifest)"]


def _safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _read_envelope(bundle: Path, result: VerificationResult) -> dict[str, Any] | None:
    envelope_path = bundle / ENVELOPE_NAME
    if not envelope_path.is_file():
        result.problems.append(f"{ENVELOPE_NAME} is missing: the bundle carries no signature")
        return None
    try:
        envelope = json.loads(envelope_path.read_bytes())
    except ValueError as error:
        result.problems.append(f"{ENVELOPE_NAME} is not valid JSON ({error})")
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signatures"), list):
        result.problems.append(f"{ENVELOPE_NAME} is not a DSSE envelope (no signatures list)")
        return None
    return envelope


def _check_signature(
    envelope: dict[str, Any], payload: bytes, keys: dict[str, Ed25519PublicKey],
    result: VerificationResult,
) -> None:
    payload_type = envelope.get("payloadType")
    if payload_type != PAYLOAD_TYPE:
        result.problems.append(
            f"{ENVELOPE_NAME}: payloadType is {payload_type!r}; expected {PAYLOAD_TYPE!r}"
        )
        return
    message = pae(payload_type, payload)
    known = [s for s in envelope["signatures"] if isinstance(s, dict) and s.get("keyid") in keys]
    if not known:
        signers = ", ".join(str(s.get("keyid")) for s in envelope["signatures"] if isinstance(s, dict))
        result.problems.append(
            f"signature: {ENVELOPE_NAME} is signed by key {signers or '(none)'}, which is not "
            f"among the {len(keys)} public key(s) provided: fetch the platform's "
            "/.well-known/synthome-keys.json"
        )
        return
    for signature in known:
        try:
            keys[signature["keyid"]].verify(base64.b64decode(str(signature.get("sig", ""))), message)
        except (InvalidSignature, binascii.Error, ValueError):
            continue
        result.keyid = signature["keyid"]
        return
    result.problems.append(
        f"signature: the signature by key {known[0]['keyid']} does not verify: the envelope "
        "was altered after signing"
    )


def _statement_manifest(payload: bytes, result: VerificationResult) -> dict[str, Any] | None:
    try:
        statement = json.loads(payload)
    except ValueError as error:
        result.problems.append(f"{ENVELOPE_NAME}: the payload is not JSON ({error})")
        return None
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        result.problems.append(f"{ENVELOPE_NAME}: the payload is not an in-toto Statement v1")
        return None
    if statement.get("predicateType") != PREDICATE_TYPE:
        result.problems.append(
            f"{ENVELOPE_NAME}: predicateType is {statement.get('predicateType')!r}; expected "
            f"{PREDICATE_TYPE!r}"
        )
        return None
    manifest = statement.get("predicate")
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list):
        result.problems.append(f"{ENVELOPE_NAME}: the signed manifest has no file list")
        return None
    subjects = {
        s.get("name"): (s.get("digest") or {}).get("sha256")
        for s in statement.get("subject") or [] if isinstance(s, dict)
    }
    listed = {f.get("path"): f.get("sha256") for f in files if isinstance(f, dict)}
    if subjects != listed:
        result.problems.append(
            f"{ENVELOPE_NAME}: the statement's subjects differ from the manifest's file list"
        )
    return manifest


def _check_manifest_file(bundle: Path, signed: dict[str, Any], result: VerificationResult) -> None:
    path = bundle / MANIFEST_NAME
    if not path.is_file():
        result.problems.append(f"{MANIFEST_NAME} is missing")
        return
    data = path.read_bytes()
    if data == canonical_json(signed):
        return
    try:
        found = json.loads(data)
    except ValueError as error:
        result.problems.append(f"{MANIFEST_NAME} is not valid JSON ({error})")
        return
    changed = _differences(signed, found)
    if changed:
        shown = ", ".join(changed[:_MAX_LISTED]) + (" ..." if len(changed) > _MAX_LISTED else "")
        result.problems.append(f"{MANIFEST_NAME} differs from the signed manifest at: {shown}")
    else:
        result.problems.append(
            f"{MANIFEST_NAME} has the signed content but not the signed bytes (reformatted)"
        )


def _check_files(bundle: Path, manifest: dict[str, Any], result: VerificationResult) -> None:
    listed: set[str] = {MANIFEST_NAME, ENVELOPE_NAME}
    for entry in manifest["files"]:
        name = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not _safe_relative(name) or name in listed:
            result.problems.append(f"manifest: file entry {name!r} is not a plain relative path")
            continue
        listed.add(name)
        path = bundle / name
        if not path.is_file():
            result.problems.append(f"{name}: missing from the bundle")
            continue
        size, sha256 = file_digest(path)
        result.files_checked += 1
        if size != entry.get("size"):
            result.problems.append(
                f"{name}: size is {size} bytes; the signed manifest says {entry.get('size')}"
            )
        if sha256 != entry.get("sha256"):
            result.problems.append(
                f"{name}: SHA-256 is {sha256}; the signed manifest says {entry.get('sha256')} "
                "(the file was changed)"
            )
    for path in sorted(p for p in bundle.rglob("*") if p.is_file() or p.is_symlink()):
        name = path.relative_to(bundle).as_posix()
        if name not in listed:
            result.problems.append(f"{name}: not listed in the signed manifest")


def verify_bundle(
    bundle_dir: str | os.PathLike[str], keys: dict[str, Ed25519PublicKey]
) -> VerificationResult:
    """Check the signature, the manifest and every file of the bundle in ``bundle_dir``.

    ``keys`` maps keyid to public key (see :func:`load_public_keys`). Every check runs,
    so the result names all that is wrong, not only the first thing.
    """
    result = VerificationResult()
    bundle = Path(bundle_dir)
    if not bundle.is_dir():
        result.problems.append(f"{bundle} is not a directory: unpack the bundle first")
        return result
    envelope = _read_envelope(bundle, result)
    if envelope is None:
        return result
    try:
        payload = base64.b64decode(str(envelope.get("payload", "")), validate=True)
    except (binascii.Error, ValueError):
        result.problems.append(f"{ENVELOPE_NAME}: the payload is not base64")
        return result
    _check_signature(envelope, payload, keys, result)
    manifest = _statement_manifest(payload, result)
    if manifest is None:
        return result
    result.manifest = manifest
    _check_manifest_file(bundle, manifest, result)
    _check_files(bundle, manifest, result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Verify a Synthome release bundle: signature, manifest and every file."
    )
    parser.add_argument("bundle_dir", help="the unpacked bundle directory")
    parser.add_argument(
        "--key", required=True, action="append",
        help="a public key: PEM file, or the platform's synthome-keys.json (repeatable)",
    )
    arguments = parser.parse_args(argv)
    keys: dict[str, Ed25519PublicKey] = {}
    try:
        for key_path in arguments.key:
            keys.update(load_public_keys(key_path))
    except KeyFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = verify_bundle(arguments.bundle_dir, keys)
    if result.ok:
        release = (result.manifest or {}).get("release", {})
        print(
            f"OK: {release.get('title', 'release')} version {release.get('version', '?')}: "
            f"signature by key {result.keyid} verified; {result.files_checked} files match the "
            "signed manifest"
        )
        return 0
    print(f"FAILED: {len(result.problems)} problem(s) in {arguments.bundle_dir}")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

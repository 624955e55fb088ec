"""Ed25519 signing keys for release manifests, and DSSE envelopes.

The key directory (``settings.SYNTHOME_SIGNING_KEY_DIR``) holds:

- ``keys.json``: every key ever used, ``[{keyid, algorithm, created, retired}]``, and
  which one is active;
- ``<keyid>.pub.pem``: the public key of each of them, kept forever so that releases
  signed before a rotation stay verifiable;
- ``<keyid>.key.pem``: the private key of the active one only (mode 0600). Rotation
  deletes the retired private key: nothing can be signed with it afterwards.

The active key is created on first use. Web and worker processes may both reach for it
at once, so creation and rotation hold an exclusive lock on ``.lock`` in the directory.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from .verify_bundle import KEY_ALGORITHM, keyid_for, pae, raw_public_key

INDEX_NAME = "keys.json"


class SigningKeyError(RuntimeError):
    """The key directory is unusable (unreadable, inconsistent, wrong permissions)."""


@dataclass(frozen=True)
class PublicKeyRecord:
    """One published public key."""

    keyid: str
    created: str
    active: bool
    public_key: Ed25519PublicKey
    retired: str | None = None

    @property
    def pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def as_json(self) -> dict[str, Any]:
        return {
            "keyid": self.keyid,
            "algorithm": KEY_ALGORITHM,
            "public_key": base64.b64encode(raw_public_key(self.public_key)).decode(),
            "public_key_pem": self.pem,
            "created": self.created,
            "retired": self.retired,
            "active": self.active,
        }


@dataclass(frozen=True)
class SigningKey:
    keyid: str
    private_key: Ed25519PrivateKey


def key_dir() -> Path:
    return Path(settings.SYNTHOME_SIGNING_KEY_DIR)


@contextmanager
def _locked() -> Iterator[Path]:
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_index(directory: Path) -> dict[str, Any]:
    path = directory / INDEX_NAME
    if not path.exists():
        return {"active": None, "keys": []}
    try:
        index = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"{path} cannot be read ({error}); restore it from backup") from None
    return index


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _new_key(directory: Path, index: dict[str, Any]) -> SigningKey:
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    keyid = keyid_for(public_key)
    now = timezone.now().isoformat()
    _write_atomically(
        directory / f"{keyid}.pub.pem",
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    _write_atomically(
        directory / f"{keyid}.key.pem",
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    previous = index.get("active")
    for entry in index["keys"]:
        if entry["keyid"] == previous:
            entry["retired"] = now
    index["keys"].append({"keyid": keyid, "algorithm": KEY_ALGORITHM, "created": now, "retired": None})
    index["active"] = keyid
    _write_atomically(directory / INDEX_NAME, json.dumps(index, indent=2).encode(), 0o644)
    if previous:
        (directory / f"{previous}.key.pem").unlink(missing_ok=True)
    return SigningKey(keyid, private_key)


def _load_private(directory: Path, keyid: str) -> SigningKey:
    path = directory / f"{keyid}.key.pem"
    try:
        if path.stat().st_mode & 0o077:
            raise SigningKeyError(f"{path} is readable by others: chmod 600 it")
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(
            f"the active key {keyid} has no private key file in {directory}: rotate the key "
            "(manage.py rotate_signing_key)"
        ) from None
    if not isinstance(private_key, Ed25519PrivateKey) or keyid_for(private_key.public_key()) != keyid:
        raise SigningKeyError(f"{path} is not the Ed25519 key {keyid}")
    return SigningKey(keyid, private_key)


def active_signing_key() -> SigningKey:
    """The key new manifests are signed with, created on first use."""
    with _locked() as directory:
        index = _read_index(directory)
        if not index.get("active"):
            return _new_key(directory, index)
        return _load_private(directory, index["active"])


def rotate_signing_key() -> PublicKeyRecord:
    """Make a new active key; the old one's public half stays published, its private half goes."""
    with _locked() as directory:
        signing_key = _new_key(directory, _read_index(directory))
    record = public_key(signing_key.keyid)
    assert record is not None
    return record


def public_keys() -> list[PublicKeyRecord]:
    """Every key ever used, oldest first (empty before the first signature)."""
    directory = key_dir()
    index = _read_index(directory) if directory.exists() else {"active": None, "keys": []}
    records = []
    for entry in index["keys"]:
        path = directory / f"{entry['keyid']}.pub.pem"
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except OSError as error:
            raise SigningKeyError(f"the public key {path} is missing ({error.strerror})") from None
        if not isinstance(key, Ed25519PublicKey) or keyid_for(key) != entry["keyid"]:
            raise SigningKeyError(f"{path} is not the Ed25519 public key {entry['keyid']}")
        records.append(
            PublicKeyRecord(
                keyid=entry["keyid"], created=entry["created"], retired=entry.get("retired"),
                active=entry["keyid"] == index["active"], public_key=key,
            )
        )
    return records


def public_key(keyid: str) -> PublicKeyRecord | None:
    return next((record for record in public_keys() if record.keyid == keyid), None)


def sign_envelope(payload: bytes, payload_type: str, signing_key: SigningKey | None = None) -> dict[str, Any]:
    """A DSSE envelope around ``payload``, signed over its pre-authentication encoding."""
    signing_key = signing_key or active_signing_key()
    signature = signing_key.private_key.sign(pae(payload_type, payload))
    return {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": signing_key.keyid, "sig": base64.b64encode(signature).decode()}],
    }

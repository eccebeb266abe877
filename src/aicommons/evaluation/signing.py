"""The hub's Ed25519 signing key and record signatures.

The key is made once, in the data directory (``eval-signing-key.pem``, mode 0600), so every process
of one hub signs with it. Anyone verifies a record with the public key from ``GET
/api/evaluation-key``; the key id (first 16 hex digits of sha256 of the raw public key) tells which
key signed a record.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aicommons.evaluation import canonical
from aicommons.evaluation.records import unsigned

KEY_FILE = "eval-signing-key.pem"
ALGORITHM = "ed25519"


def hub_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.tmp")
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(tmp, path)  # the first process to get here wins; the others read its key
        except FileExistsError:
            pass
        tmp.unlink(missing_ok=True)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def public_key_document(private: Ed25519PrivateKey) -> dict:
    public = raw_public(private.public_key())
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"algorithm": ALGORITHM, "key_id": key_id(public), "public_key": base64.b64encode(public).decode(),
            "pem": pem.decode()}


def sign(record: dict, private: Ed25519PrivateKey) -> dict:
    body = unsigned(record)
    public = raw_public(private.public_key())
    value = private.sign(canonical.dumps(body))
    return {**body, "signature": {"algorithm": ALGORITHM, "key_id": key_id(public),
                                  "value": base64.b64encode(value).decode()}}


def signature_valid(record: dict, public: bytes) -> bool:
    signature = record.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(signature.get("value", ""), validate=True),
                                                          canonical.dumps(unsigned(record)))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def load_public_key(text: str) -> bytes:
    """A public key given as PEM, as the JSON of ``/api/evaluation-key``, or as raw base64."""
    import json

    stripped = text.strip()
    if stripped.startswith("{"):
        stripped = json.loads(stripped)["public_key"]
    if stripped.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(stripped.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 public key")
        return raw_public(key)
    public = base64.b64decode(stripped, validate=True)
    if len(public) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return public

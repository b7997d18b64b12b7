"""Keys: the JWT key ring (sign with the current key, verify with any published one) and
the data-encryption box for secrets at rest (AES-GCM, key id in every sealed value).

Both rotate the same way: add a new key and make it current; old keys stay for verifying or
opening until nothing signed or sealed with them is left.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

JWT_ALGORITHM = "EdDSA"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32
REQUIRED_CLAIMS = ("sub", "exp", "iat", "jti", "sid")


class InvalidTokenError(Exception):
    """The token is not one we issued, or no longer valid; the message says which."""


@dataclass(frozen=True)
class JwtKeyRing:
    key_id: str
    signing_key: Ed25519PrivateKey
    verifying_keys: Mapping[str, Ed25519PublicKey]

    @classmethod
    def from_pem(cls, private_pem: str, key_id: str, previous_public_pems: Mapping[str, str]) -> JwtKeyRing:
        private = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the JWT signing key must be an Ed25519 private key (EdDSA)")
        verifying: dict[str, Ed25519PublicKey] = {key_id: private.public_key()}
        for kid, pem in previous_public_pems.items():
            public = serialization.load_pem_public_key(pem.encode())
            if not isinstance(public, Ed25519PublicKey):
                raise ValueError(f"previous JWT key {kid} is not an Ed25519 public key")
            verifying.setdefault(kid, public)
        return cls(key_id, private, verifying)

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode(dict(claims), self.signing_key, algorithm=JWT_ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token we signed that has not expired; InvalidTokenError otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidTokenError("malformed token") from error
        if header.get("alg") != JWT_ALGORITHM:
            raise InvalidTokenError("unexpected signing algorithm")
        key = self.verifying_keys.get(str(header.get("kid", "")))
        if key is None:
            raise InvalidTokenError("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[JWT_ALGORITHM], options={"require": list(REQUIRED_CLAIMS)}
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidTokenError("token expired") from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError("invalid token") from error
        return claims

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        keys = []
        for kid, public in self.verifying_keys.items():
            jwk: dict[str, str] = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public))
            keys.append({**jwk, "kid": kid, "alg": JWT_ALGORITHM, "use": "sig"})
        return {"keys": keys}


@dataclass(frozen=True)
class SecretBox:
    """AES-256-GCM for secrets at rest; a sealed value names the key it was sealed with."""

    key_id: str
    keys: Mapping[str, bytes]

    @classmethod
    def from_json(cls, keys_json: str, key_id: str) -> SecretBox:
        keys = {kid: base64.b64decode(value) for kid, value in json.loads(keys_json).items()}
        if key_id not in keys:
            raise ValueError(f"data key {key_id!r} is not among the configured data keys")
        if any(len(key) != DATA_KEY_BYTES for key in keys.values()):
            raise ValueError("data keys must be 32 bytes (AES-256)")
        return cls(key_id, keys)

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt `plaintext`, bound to `context` (e.g. the row it belongs to)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.key_id]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        key_id, _, payload = sealed.partition(":")
        raw = base64.b64decode(payload)
        return AESGCM(self.keys[key_id]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()


DEV_KEYS_DIR = "keys"


def ensure_dev_keys(data_dir: Path) -> dict[str, str]:
    """Development keys under `<data_dir>/keys` (created once, 0600): the settings a laptop
    stack uses when no JWT key or data key is configured."""
    folder = data_dir / DEV_KEYS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    jwt_file, data_file = folder / "jwt-signing.json", folder / "data-keys.json"
    if not jwt_file.exists():
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        _write_private(jwt_file, {"key_id": f"dev-{uuid.uuid4().hex[:8]}", "private_pem": pem})
    if not data_file.exists():
        kid = f"dev-{uuid.uuid4().hex[:8]}"
        _write_private(data_file, {"key_id": kid, "keys": {kid: base64.b64encode(secrets.token_bytes(32)).decode()}})
    signing, data = json.loads(jwt_file.read_text()), json.loads(data_file.read_text())
    return {
        "jwt_private_key_pem": signing["private_pem"],
        "jwt_key_id": signing["key_id"],
        "data_keys_json": json.dumps(data["keys"]),
        "data_key_id": data["key_id"],
    }


def _write_private(path: Path, document: dict[str, Any]) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle)

"""Keys rotate without logging anyone out; secrets at rest are bound to their row."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid

import pytest
import redis.asyncio as aioredis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from actors.keys import InvalidTokenError, JwtKeyRing, SecretBox
from actors.settings import Settings
from deployments.security import within_limit


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _claims() -> dict[str, object]:
    now = int(time.time())
    return {"sub": str(uuid.uuid4()), "iat": now, "exp": now + 60, "jti": "j", "sid": str(uuid.uuid4())}


def test_a_rotated_signing_key_still_verifies_its_tokens() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    before = JwtKeyRing.from_pem(_pem(old), "2026-01", {})
    token = before.sign(_claims())
    after = JwtKeyRing.from_pem(_pem(new), "2026-02", {"2026-01": _public_pem(old)})
    assert after.verify(token)["sub"]
    assert {key["kid"] for key in after.jwks()["keys"]} == {"2026-01", "2026-02"}
    retired = JwtKeyRing.from_pem(_pem(new), "2026-02", {})
    with pytest.raises(InvalidTokenError, match="unknown signing key"):
        retired.verify(token)


def test_sealed_secrets_open_only_in_their_context_and_across_rotation() -> None:
    first_key, second_key = os.urandom(32), os.urandom(32)
    keys = {"k1": base64.b64encode(first_key).decode()}
    box = SecretBox.from_json(json.dumps(keys), "k1")
    sealed = box.seal("123-45-6789", "customer:1")
    assert "6789" not in sealed
    assert box.open(sealed, "customer:1") == "123-45-6789"
    with pytest.raises(InvalidTag):
        box.open(sealed, "customer:2")
    rotated = SecretBox.from_json(json.dumps({**keys, "k2": base64.b64encode(second_key).decode()}), "k2")
    assert rotated.open(sealed, "customer:1") == "123-45-6789"
    assert rotated.seal("x", "c").startswith("k2:")


async def test_sliding_window_limit(settings: Settings) -> None:
    client = aioredis.from_url(settings.redis_url)
    key = f"rate:test:{uuid.uuid4()}"
    try:
        start = 1_000_000.0
        assert [await within_limit(client, key, 3, now=start + i) for i in range(3)] == [None, None, None]
        wait = await within_limit(client, key, 3, now=start + 3)
        assert wait is not None and 0 < wait <= 58
        assert await within_limit(client, key, 3, now=start + 61) is None, "the window slides"
    finally:
        await client.aclose()

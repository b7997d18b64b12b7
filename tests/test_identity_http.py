"""Identity over HTTP: the full flows, and the attacks that must fail."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from actors.keys import JwtKeyRing
from actors.settings import Settings
from tests.identity_client import STRONG_PASSWORD, bearer, event_data, login, new_email, register


@pytest.fixture(scope="module")
def api(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


def _code(settings: Settings, event_type: str, user_id: str, field: str) -> str:
    data = asyncio.run(event_data(settings.database_url, event_type, user_id))
    return str(data[field])


def test_register_verify_login_mfa_refresh_reuse_logout(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    registered = register(api, email)
    assert "code" not in json.dumps(registered)
    user_id = registered["user_id"]

    tokens = login(api, email).json()
    me = api.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).json()
    assert (me["email"], me["email_verified"], me["roles"]) == (email, False, ["customer"])
    code = _code(settings, "user.verification_requested", user_id, "code")
    verified = api.post("/api/v1/auth/verify", json={"code": code}, headers=bearer(tokens["access_token"]))
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    again = api.post("/api/v1/auth/verify", json={"code": code}, headers=bearer(tokens["access_token"]))
    assert again.status_code == 400, "a code is single-use"

    setup = api.post("/api/v1/auth/mfa/setup", headers=bearer(tokens["access_token"])).json()
    totp = pyotp.TOTP(setup["secret"])
    enabled = api.post("/api/v1/auth/mfa/enable", json={"code": totp.now()}, headers=bearer(tokens["access_token"]))
    assert enabled.status_code == 200 and enabled.json()["mfa_enabled"] is True
    without = login(api, email)
    assert (without.status_code, without.json()["error"]["code"]) == (401, "mfa_required")
    with_mfa = login(api, email, totp=totp.now())
    assert with_mfa.status_code == 200
    first = with_mfa.json()

    second = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert api.get("/api/v1/auth/me", headers=bearer(rotated["access_token"])).status_code == 200
    reuse = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert (reuse.status_code, reuse.json()["error"]["code"]) == (401, "refresh_token_reused")
    revoked = api.get("/api/v1/auth/me", headers=bearer(rotated["access_token"]))
    assert (revoked.status_code, revoked.json()["error"]["code"]) == (401, "session_revoked")
    family_gone = api.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert family_gone.status_code == 401, "reuse revokes the whole family"

    fresh = login(api, email, totp=totp.now()).json()
    assert api.post("/api/v1/auth/logout", headers=bearer(fresh["access_token"])).status_code == 200
    assert api.get("/api/v1/auth/me", headers=bearer(fresh["access_token"])).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 401


def test_forgot_and_reset_revoke_every_session(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    user_id = register(api, email)["user_id"]
    session = login(api, email).json()
    unknown = api.post("/api/v1/auth/forgot", json={"email": new_email()})
    known = api.post("/api/v1/auth/forgot", json={"email": email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json(), "the answer does not tell which emails exist"
    token = _code(settings, "user.password_reset_requested", user_id, "reset_token")
    new_password = "Brand-New-Secret-77"
    weak = api.post("/api/v1/auth/reset", json={"email": email, "token": token, "new_password": "short"})
    assert weak.status_code == 422 and "new_password" in weak.json()["error"]["message"]
    reset = api.post("/api/v1/auth/reset", json={"email": email, "token": token, "new_password": new_password})
    assert reset.status_code == 200, reset.text
    assert api.get("/api/v1/auth/me", headers=bearer(session["access_token"])).status_code == 401
    assert login(api, email).status_code == 401
    assert login(api, email, new_password).status_code == 200
    replay = api.post("/api/v1/auth/reset", json={"email": email, "token": token, "new_password": "Another-One-88x"})
    assert replay.status_code == 400, "a reset token is single-use"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": STRONG_PASSWORD}, "email"),
        ({"email": "x@example.com", "password": "short1!A"}, "password"),
        ({"email": "x@example.com", "password": "alllowercaseletters"}, "password"),
        ({"email": "x@example.com", "password": STRONG_PASSWORD, "phone": "0123"}, "phone"),
    ],
)
def test_registration_is_validated_with_clear_messages(api: httpx.Client, body: dict[str, str], field: str) -> None:
    response = api.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(field)


def test_duplicate_email_is_a_conflict(api: httpx.Client) -> None:
    email = new_email()
    register(api, email)
    response = api.post("/api/v1/auth/register", json={"email": email.upper(), "password": STRONG_PASSWORD})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "email_taken")


def test_five_failed_logins_lock_the_account(api: httpx.Client) -> None:
    email = new_email()
    register(api, email)
    for _ in range(5):
        assert login(api, email, "Wrong-Password-123").status_code == 401
    locked = login(api, email)
    assert (locked.status_code, locked.json()["error"]["code"]) == (403, "account_locked")
    assert int(locked.headers["Retry-After"]) > 0


def test_unknown_email_and_wrong_password_look_the_same(api: httpx.Client) -> None:
    email = new_email()
    register(api, email)
    wrong = login(api, email, "Wrong-Password-123").json()["error"]
    unknown = login(api, new_email()).json()["error"]
    assert (wrong["code"], wrong["message"]) == (unknown["code"], unknown["message"])


def _claims(user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": user_id,
        "email": "x@example.com",
        "roles": ["admin"],
        "customer_id": None,
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    claims.update(overrides)
    return claims


def _forged_tokens(settings: Settings, user_id: str, genuine: str) -> dict[str, str]:
    ring = JwtKeyRing.from_pem(settings.jwt_private_key_pem.get_secret_value(), settings.jwt_key_id, {})
    header, payload, signature = genuine.split(".")
    tampered_payload = base64.urlsafe_b64encode(json.dumps(_claims(user_id)).encode()).rstrip(b"=").decode()
    public_bytes = base64.urlsafe_b64decode(ring.jwks()["keys"][0]["x"] + "==")
    unsigned = jwt.encode(_claims(user_id), key=None, algorithm="none")  # type: ignore[arg-type]
    stranger = Ed25519PrivateKey.generate()
    return {
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "expired": ring.sign(_claims(user_id, iat=int(time.time()) - 3600, exp=int(time.time()) - 1800)),
        "wrong kid": jwt.encode(_claims(user_id), stranger, algorithm="EdDSA", headers={"kid": "not-ours"}),
        "our kid, other key": jwt.encode(_claims(user_id), stranger, algorithm="EdDSA", headers={"kid": ring.key_id}),
        "alg none": unsigned,
        "HS256 with the public key": jwt.encode(
            _claims(user_id), public_bytes, algorithm="HS256", headers={"kid": ring.key_id}
        ),
        "missing claims": ring.sign({"sub": user_id, "exp": int(time.time()) + 600}),
        "garbage": "not.a.token",
    }


def test_forged_and_expired_tokens_are_rejected(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    user_id = register(api, email)["user_id"]
    genuine = login(api, email).json()["access_token"]
    assert api.get("/api/v1/auth/me", headers=bearer(genuine)).status_code == 200
    for name, token in _forged_tokens(settings, user_id, genuine).items():
        response = api.get("/api/v1/auth/me", headers=bearer(token))
        assert response.status_code == 401, f"{name} was accepted"
    assert api.get("/api/v1/auth/me").status_code == 401
    assert api.get("/api/v1/auth/me", headers={"Authorization": f"Basic {genuine}"}).status_code == 401


def test_jwks_publishes_the_verifying_key(api: httpx.Client, settings: Settings) -> None:
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    assert [(key["kid"], key["alg"], key["kty"]) for key in keys] == [(settings.jwt_key_id, "EdDSA", "OKP")]


def test_per_user_rate_limit_answers_429_with_retry_after(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    register(api, email)
    token = login(api, email).json()["access_token"]
    statuses = [
        api.get("/api/v1/auth/me", headers=bearer(token)).status_code for _ in range(settings.rate_limit_per_minute + 1)
    ]
    assert statuses[: settings.rate_limit_per_minute] == [200] * settings.rate_limit_per_minute
    assert statuses[-1] == 429
    limited = api.get("/api/v1/auth/me", headers=bearer(token))
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 61


def test_the_admin_created_by_up_can_log_in(api: httpx.Client, settings: Settings) -> None:
    from tests.conftest import ADMIN_PASSWORD

    response = login(api, settings.admin_email, ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    me = api.get("/api/v1/auth/me", headers=bearer(response.json()["access_token"])).json()
    assert me["roles"] == ["admin"]

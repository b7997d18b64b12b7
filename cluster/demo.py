"""A demo customer for `make run`: signed up, profiled, KYC approved, with a funded checking
account — through the public HTTP API, the way a person and an admin would do it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

DEMO_EMAIL = "ada.lovelace@demo.bankflow.local"
# A published demo credential, created only by `bankflow up --demo`.
DEMO_PASSWORD = "Analytical-Engine-1843"  # nosec B105
TIMEOUT_S = 30
# A one-page PDF that stands in for a passport scan.
DEMO_DOCUMENT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class DemoError(RuntimeError):
    pass


def _request(url: str, method: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        # The URL is the stack's own http:// address from settings.
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # nosec B310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _json(
    url: str, method: str, payload: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return _request(url, method, json.dumps(payload).encode() if payload is not None else None, headers)


def _login(api: str, email: str, password: str) -> str:
    status, body = _json(f"{api}/auth/login", "POST", {"email": email, "password": password})
    if status != 200:
        raise DemoError(f"login as {email} failed: {body.get('error', body)}")
    return str(body["access_token"])


def seed_demo(http_url: str, admin_email: str, admin_password: str | None) -> str:
    """Create the demo customer if missing; say what happened."""
    api = f"{http_url}/api/v1"
    status, _ = _json(f"{api}/auth/register", "POST", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    if status == 409:
        return f"demo customer {DEMO_EMAIL} exists (password {DEMO_PASSWORD})"
    if status != 201:
        raise DemoError(f"registering the demo customer failed with {status}")
    token = _login(api, DEMO_EMAIL, DEMO_PASSWORD)
    status, customer = _json(
        f"{api}/customers",
        "POST",
        {
            "first_name": "Demo",
            "last_name": "Customer",
            "date_of_birth": "1985-06-15",
            "ssn": "123-45-6789",
            "phone": "+14155550100",
            "address": {
                "line1": "1 Demo Street",
                "city": "San Francisco",
                "region": "CA",
                "postal_code": "94105",
                "country": "US",
            },
        },
        token,
    )
    if status != 201:
        raise DemoError(f"creating the demo profile failed: {customer}")
    customer_id = customer["customer_id"]
    boundary = uuid.uuid4().hex
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npassport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="passport.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + DEMO_DOCUMENT
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _ = _request(f"{api}/customers/{customer_id}/documents", "POST", form, headers)
    if status != 201:
        raise DemoError(f"uploading the demo document failed with {status}")
    _json(f"{api}/customers/{customer_id}/kyc", "POST", None, token)
    if admin_password is None:
        return f"demo customer {DEMO_EMAIL} created (KYC submitted; approve it as the admin)"
    admin = _login(api, admin_email, admin_password)
    status, _ = _json(f"{api}/admin/kyc/{customer_id}/approve", "POST", None, admin)
    if status != 200:
        raise DemoError(f"approving the demo customer's KYC failed with {status}")
    number = _open_funded_account(api, token)
    return f"demo customer {DEMO_EMAIL} password {DEMO_PASSWORD}, KYC approved, checking {number} with 1000.00 USD"


def _open_funded_account(api: str, token: str) -> str:
    """A checking account with an opening deposit; idempotency keys make a re-run harmless."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    body = json.dumps({"account_type": "CHECKING", "currency": "USD"}).encode()
    status, account = _request(f"{api}/accounts", "POST", body, {**headers, "Idempotency-Key": "demo-checking"})
    if status != 201:
        raise DemoError(f"opening the demo account failed: {account}")
    deposit = json.dumps(
        {"account_id": account["account_id"], "amount": "1000.00", "currency": "USD", "description": "Opening deposit"}
    ).encode()
    status, made = _request(
        f"{api}/transactions/deposit", "POST", deposit, {**headers, "Idempotency-Key": "demo-deposit"}
    )
    if status != 201:
        raise DemoError(f"the demo deposit failed: {made}")
    return str(account["number"])

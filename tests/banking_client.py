"""Helpers for driving accounts and transactions over HTTP: customers with approved KYC,
funded accounts, and the admin's token."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.identity_client import bearer, login, new_email, register

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Customer:
    user_id: str
    customer_id: str
    headers: dict[str, str]


def _ssn() -> str:
    n = uuid.uuid4().int
    return f"{100 + n % 500:03d}-{10 + (n >> 16) % 89:02d}-{1000 + (n >> 32) % 8999:04d}"


def new_customer(api: httpx.Client, admin: dict[str, str] | None, *, approve: bool = True) -> Customer:
    """A registered user with a profile; KYC submitted and, with `admin`, approved."""
    email = new_email()
    user = register(api, email)
    headers = bearer(login(api, email).json()["access_token"])
    profile = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1980-12-09",
        "ssn": _ssn(),
        "phone": "+14155550199",
        "address": {"line1": "1 Navy Way", "city": "Arlington", "postal_code": "22202", "country": "US"},
    }
    created = api.post("/api/v1/customers", json=profile, headers=headers)
    assert created.status_code == 201, created.text
    customer_id = created.json()["customer_id"]
    files = {"file": ("passport.pdf", PDF, "application/pdf")}
    uploaded = api.post(
        f"/api/v1/customers/{customer_id}/documents", data={"kind": "passport"}, files=files, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text
    assert api.post(f"/api/v1/customers/{customer_id}/kyc", headers=headers).status_code == 200
    if approve and admin is not None:
        decided = api.post(f"/api/v1/admin/kyc/{customer_id}/approve", headers=admin)
        assert decided.status_code == 200, decided.text
    return Customer(str(user["user_id"]), customer_id, headers)


def open_account(api: httpx.Client, customer: Customer, currency: str = "USD", kind: str = "CHECKING") -> str:
    response = api.post("/api/v1/accounts", json={"account_type": kind, "currency": currency}, headers=customer.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["account_id"])


def deposit(
    api: httpx.Client, customer: Customer, account_id: str, amount: str, currency: str = "USD"
) -> dict[str, Any]:
    response = api.post(
        "/api/v1/transactions/deposit",
        json={"account_id": account_id, "amount": amount, "currency": currency},
        headers=customer.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def balance(api: httpx.Client, headers: dict[str, str], account_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/accounts/{account_id}/balance", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def transaction_event_types(database_url: str, transaction_id: str) -> list[str]:
    """The types of the transactions service's events about one transaction, oldest first."""
    import json

    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT events FROM outbox WHERE format = 'events' AND topic = 'transaction-events' ORDER BY position"
        )
    finally:
        await connection.close()
    return [
        event["type"].removeprefix("com.bankflow.")
        for row in rows
        for event in json.loads(row["events"])
        if event["subject"] == transaction_id
    ]


def wait_for(check: Callable[[], bool], timeout_s: float = 60) -> None:
    """Poll `check` until it holds; fail the test if it does not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def carried_out(api: httpx.Client, checker: dict[str, str], asked: httpx.Response) -> dict[str, Any]:
    """A governed action asked for (202, an approval request) and approved by `checker`: what the
    action answered."""
    assert asked.status_code == 202, asked.text
    approved = api.post(f"/api/v1/admin/approvals/{asked.json()['approval_id']}/approve", json={}, headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "EXECUTED", approved.text
    result: dict[str, Any] = approved.json()["result"]
    return result


def reversed_by_two(
    api: httpx.Client, maker: dict[str, str], checker: dict[str, str], transaction_id: str, reason: str
) -> dict[str, Any]:
    """A reversal under four eyes: `maker` asks (202, a request), `checker` approves, and the
    reversal is made; its transaction."""
    asked = api.post(f"/api/v1/transactions/{transaction_id}/reverse", json={"reason": reason}, headers=maker)
    return carried_out(api, checker, asked)


def limits_set(
    api: httpx.Client, maker: dict[str, str], checker: dict[str, str], account_id: str, **limits: str
) -> dict[str, Any]:
    """The account with `limits` set: at once (200), or above the four-eyes threshold (202)
    once `checker` approves."""
    asked = api.put(f"/api/v1/accounts/{account_id}/limits", json=limits, headers=maker)
    assert asked.status_code in (200, 202), asked.text
    if asked.status_code == 200:
        account: dict[str, Any] = asked.json()
        return account
    return carried_out(api, checker, asked)

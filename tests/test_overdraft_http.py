"""The overdraft line over HTTP: an admin sets it (PUT /accounts/{id}/limits, overdraft_limit),
the ledger's shard decides every movement against it, and racing transfers never take an account
past it, nor past a line being lowered at the same moment."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.banking_client import Customer, deposit, open_account


def _limits(api: httpx.Client, account_id: str, headers: dict[str, str], **limits: str) -> httpx.Response:
    return api.put(f"/api/v1/accounts/{account_id}/limits", json=limits, headers=headers)


def _account(api: httpx.Client, customer: Customer, account_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/accounts/{account_id}", headers=customer.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _send(api: httpx.Client, customer: Customer, source: str, destination: str, amount: str) -> dict[str, Any]:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    response = api.post("/api/v1/transactions/transfer", json=body, headers=customer.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_an_admin_sets_a_line_and_the_account_spends_into_it_and_no_further(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = open_account(api, ada), open_account(api, ada, kind="SAVINGS")
    deposit(api, ada, checking, "100.00")
    assert _account(api, ada, checking)["overdraft_limit"] == "0.00"
    refused = _limits(api, checking, ada.headers, overdraft_limit="300.00")
    assert refused.status_code == 403, refused.text
    granted = _limits(api, checking, admin, overdraft_limit="300.00")
    assert granted.status_code == 200, granted.text
    assert granted.json()["overdraft_limit"] == "300.00"

    assert _send(api, ada, checking, savings, "350.00")["status"] == "COMPLETED"
    account = _account(api, ada, checking)
    assert (account["balance"], account["available_balance"]) == ("-250.00", "-250.00")
    over = _send(api, ada, checking, savings, "50.01")
    assert (over["status"], over["failure_reason"]) == ("FAILED", "insufficient_funds")
    assert _send(api, ada, checking, savings, "50.00")["status"] == "COMPLETED"

    lowered = _limits(api, checking, admin, overdraft_limit="299.99")
    assert lowered.status_code == 409, lowered.text
    assert lowered.json()["error"]["code"] == "overdraft_in_use"
    # the daily limit alone leaves the line as it is
    daily = _limits(api, checking, admin, daily_outgoing_limit="5000.00")
    assert daily.status_code == 200, daily.text
    assert (daily.json()["overdraft_limit"], daily.json()["daily_outgoing_limit"]) == ("300.00", "5000.00")
    closing = api.delete(f"/api/v1/accounts/{checking}", headers=ada.headers)
    assert closing.status_code == 409, closing.text  # an overdrawn account does not close
    nothing = _limits(api, checking, admin)
    assert nothing.status_code == 422, nothing.text
    negative = _limits(api, checking, admin, overdraft_limit="-1.00")
    assert negative.status_code == 422, negative.text


RETRIES = 10  # a 429 or 503 is sent again, as a client would, with the same Idempotency-Key


async def _transfer(client: httpx.AsyncClient, customer: Customer, body: dict[str, str]) -> httpx.Response:
    headers = {**customer.headers, "Idempotency-Key": str(uuid.uuid4())}
    for _ in range(RETRIES):
        response = await client.post("/api/v1/transactions/transfer", json=body, headers=headers)
        if response.status_code not in (429, 503):
            return response
        await asyncio.sleep(min(float(response.headers.get("Retry-After", "0.2")), 2.0))
    return response


async def _race(api_url: str, customer: Customer, source: str, destination: str, amount: str, count: int) -> list[str]:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    async with httpx.AsyncClient(base_url=api_url, timeout=120) as client:
        responses = await asyncio.gather(*(_transfer(client, customer, body) for _ in range(count)))
    assert all(response.status_code == 201 for response in responses), [
        (response.status_code, response.text[:300]) for response in responses if response.status_code != 201
    ]
    return [response.json()["status"] for response in responses]


async def test_racing_transfers_use_the_line_exactly_once(
    api: httpx.Client, api_url: str, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = open_account(api, ada), open_account(api, ada, kind="SAVINGS")
    assert _limits(api, checking, admin, overdraft_limit="500.00").status_code == 200
    statuses = await _race(api_url, ada, checking, savings, "40.00", 20)
    assert statuses.count("COMPLETED") == 12 and statuses.count("FAILED") == 8  # 480 of the 500, no more
    account = _account(api, ada, checking)
    assert account["balance"] == "-480.00"
    assert _account(api, ada, savings)["balance"] == "480.00"


async def test_a_line_lowered_while_transfers_race_is_never_passed(
    api: httpx.Client, api_url: str, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = open_account(api, ada), open_account(api, ada, kind="SAVINGS")
    assert _limits(api, checking, admin, overdraft_limit="500.00").status_code == 200

    async def lower() -> httpx.Response:
        async with httpx.AsyncClient(base_url=api_url, timeout=120) as client:
            await asyncio.sleep(0.05)
            return await client.put(f"/api/v1/accounts/{checking}/limits", json={"overdraft_limit": "0"}, headers=admin)

    statuses, lowered = await asyncio.gather(_race(api_url, ada, checking, savings, "50.00", 16), lower())
    completed = statuses.count("COMPLETED")
    account = _account(api, ada, checking)
    assert Decimal(account["balance"]) == -50 * completed
    if lowered.status_code == 200:  # decided before any transfer took money: none could after it
        assert completed == 0 and account["overdraft_limit"] == "0.00"
    else:  # some transfer had used the line first: it stays, and bounds them all
        assert lowered.status_code == 409 and lowered.json()["error"]["code"] == "overdraft_in_use"
        assert account["overdraft_limit"] == "500.00" and 1 <= completed <= 10

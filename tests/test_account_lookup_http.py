"""Paying another customer by account number: the lookup that confirms whom a number pays
(first name and last initial, nothing more), its own tighter rate limit, and transfers — single,
batched, scheduled — naming their destination by number instead of by id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from actors.settings import Settings
from models.ledger.numbers import make_account_number
from tests.banking_client import Customer, deposit, new_customer, open_account

LOOKUP = "/api/v1/accounts/lookup"
TRANSFER = "/api/v1/transactions/transfer"


def _number(api: httpx.Client, customer: Customer, account_id: str) -> str:
    response = api.get(f"/api/v1/accounts/{account_id}", headers=customer.headers)
    assert response.status_code == 200, response.text
    number: str = response.json()["number"]
    return number


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_lookup_names_the_holder_by_first_name_and_initial_only(
    api: httpx.Client, ada: Customer, bob: Customer
) -> None:
    number = _number(api, bob, open_account(api, bob, "EUR"))
    response = api.get(LOOKUP, params={"number": number}, headers=ada.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"number": number, "holder_name": "Grace H.", "currency": "EUR"}


def test_unknown_closed_and_frozen_numbers_are_not_found(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str]
) -> None:
    """(The bank's own accounts have no number a customer could type: they are refused by type too.)"""
    unknown = make_account_number(999, 999_999_999)
    closed_id = open_account(api, bob)
    closed = _number(api, bob, closed_id)
    assert api.delete(f"/api/v1/accounts/{closed_id}", headers=bob.headers).status_code == 200
    frozen_id = open_account(api, bob)
    frozen = _number(api, bob, frozen_id)
    assert api.post(f"/api/v1/accounts/{frozen_id}/freeze", headers=admin).status_code == 200
    for number in (unknown, closed, frozen):
        response = api.get(LOOKUP, params={"number": number}, headers=ada.headers)
        assert _error(response) == (404, "account_not_found"), (number, response.text)
        assert set(response.json()) == {"error"}


def test_a_lookup_checks_the_numbers_shape_and_needs_a_caller(api: httpx.Client, ada: Customer) -> None:
    good = make_account_number(1, 42)
    wrong_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    for number in ("123", "0010000000426x", wrong_check, "１" * 14):
        response = api.get(LOOKUP, params={"number": number}, headers=ada.headers)
        assert _error(response) == (422, "validation_error"), (number, response.text)
        assert "number" in response.json()["error"]["message"]
    assert _error(api.get(LOOKUP, headers=ada.headers)) == (422, "validation_error")
    assert _error(api.get(LOOKUP, params={"number": good})) == (401, "unauthorized")


def test_lookups_have_their_own_tighter_window(api: httpx.Client, admin: dict[str, str], settings: Settings) -> None:
    carol = new_customer(api, admin)
    number = _number(api, carol, open_account(api, carol))
    limit = settings.account_lookup_limit_per_minute
    assert limit < settings.rate_limit_per_minute
    statuses = [api.get(LOOKUP, params={"number": number}, headers=carol.headers).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    refused = api.get(LOOKUP, params={"number": number}, headers=carol.headers)
    assert _error(refused) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    # Only lookups are held back: the rest of the API still answers.
    assert api.get("/api/v1/auth/me", headers=carol.headers).status_code == 200


def _funded(api: httpx.Client, customer: Customer, amount: str = "100.00") -> str:
    account = open_account(api, customer)
    deposit(api, customer, account, amount)
    return account


def test_a_transfer_by_number_reaches_the_numbers_account_idempotently(
    api: httpx.Client, ada: Customer, bob: Customer
) -> None:
    source = _funded(api, ada)
    destination = open_account(api, bob)
    number = _number(api, bob, destination)
    body = {"from_account_id": source, "to_account_number": number, "amount": "12.50", "currency": "USD"}
    key = {"Idempotency-Key": f"by-number-{uuid.uuid4()}"}
    first = api.post(TRANSFER, json=body, headers={**ada.headers, **key})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "COMPLETED" and first.json()["to_account_id"] == destination
    again = api.post(TRANSFER, json=body, headers={**ada.headers, **key})
    assert again.status_code == 201 and again.json()["transaction_id"] == first.json()["transaction_id"]
    other = _number(api, bob, open_account(api, bob))
    conflict = api.post(TRANSFER, json={**body, "to_account_number": other}, headers={**ada.headers, **key})
    assert _error(conflict) == (409, "idempotency_conflict")
    balance = api.get(f"/api/v1/accounts/{destination}/balance", headers=bob.headers).json()
    assert balance["balance"] == "12.50"


def test_a_transfer_names_exactly_one_destination_and_keeps_its_checks(
    api: httpx.Client, ada: Customer, bob: Customer
) -> None:
    source = _funded(api, ada)
    destination = open_account(api, bob)
    number = _number(api, bob, destination)
    base: dict[str, Any] = {"from_account_id": source, "amount": "1.00", "currency": "USD"}
    both = {**base, "to_account_id": destination, "to_account_number": number}
    for body in (base, both):
        assert _error(api.post(TRANSFER, json=body, headers=ada.headers)) == (422, "validation_error")
    bad = api.post(TRANSFER, json={**base, "to_account_number": "12345"}, headers=ada.headers)
    assert _error(bad) == (422, "validation_error") and "to_account_number" in bad.json()["error"]["message"]
    unknown = {**base, "to_account_number": make_account_number(999, 999_999_998)}
    assert _error(api.post(TRANSFER, json=unknown, headers=ada.headers)) == (404, "account_not_found")
    euro = _number(api, bob, open_account(api, bob, "EUR"))
    mismatch = api.post(TRANSFER, json={**base, "to_account_number": euro}, headers=ada.headers)
    assert _error(mismatch) == (422, "currency_mismatch") and "to_account_number" in mismatch.json()["error"]["message"]
    itself = {**base, "to_account_number": _number(api, ada, source)}
    assert _error(api.post(TRANSFER, json=itself, headers=ada.headers)) == (422, "same_account")
    # The source must still be the caller's own: bob cannot pay from ada's account by naming his number.
    theft = {**base, "to_account_number": number}
    assert _error(api.post(TRANSFER, json=theft, headers=bob.headers)) == (404, "not_found")
    assert _error(api.post(TRANSFER, json={**base, "to_account_number": number})) == (401, "unauthorized")


def test_batches_and_schedules_take_a_number_the_same_way(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    source = _funded(api, ada)
    destination = open_account(api, bob)
    number = _number(api, bob, destination)
    items = [
        {"from_account_id": source, "to_account_id": destination, "amount": "1.00", "currency": "USD"},
        {"from_account_id": source, "to_account_number": number, "amount": "2.00", "currency": "USD"},
    ]
    batch = api.post("/api/v1/transactions/transfer/batch", json={"transfers": items}, headers=ada.headers)
    assert batch.status_code == 201, batch.text
    assert [(item["status"], item["to_account_id"]) for item in batch.json()["items"]] == [
        ("COMPLETED", destination),
        ("COMPLETED", destination),
    ]
    unknown = {**items[1], "to_account_number": make_account_number(999, 999_999_997)}
    refused = api.post(
        "/api/v1/transactions/transfer/batch", json={"transfers": [items[0], unknown]}, headers=ada.headers
    )
    assert _error(refused) == (404, "account_not_found") and "transfers[1]" in refused.json()["error"]["message"]

    schedule = {
        "from_account_id": source,
        "to_account_number": number,
        "amount": "3.00",
        "currency": "USD",
        "frequency": "MONTHLY",
        "start_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    created = api.post("/api/v1/transactions/scheduled", json=schedule, headers=ada.headers)
    assert created.status_code == 201, created.text
    assert created.json()["to_account_id"] == destination
    both = {**schedule, "to_account_id": destination}
    assert _error(api.post("/api/v1/transactions/scheduled", json=both, headers=ada.headers)) == (
        422,
        "validation_error",
    )

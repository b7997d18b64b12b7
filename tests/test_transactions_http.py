"""Transactions over HTTP: transfers, idempotency, payments (capture, void, expiry),
reversals, batches, the fraud check, and bad input that must be a 4xx naming its field."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from actors.settings import Settings
from tests.banking_client import (
    Customer,
    balance,
    deposit,
    limits_set,
    new_customer,
    open_account,
    reversed_by_two,
    transaction_event_types,
)


def _transfer(api: httpx.Client, who: Customer, source: str, destination: str, amount: str, **headers: str) -> Any:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    return api.post("/api/v1/transactions/transfer", json=body, headers={**who.headers, **headers})


def test_a_transfer_moves_money_and_both_sides_see_it(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "100.00")
    response = _transfer(api, ada, source, destination, "30.25")
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["status"] == "COMPLETED" and sent["amount"] == "30.25" and sent["kind"] == "TRANSFER"
    assert balance(api, ada.headers, source)["balance"] == "69.75"
    assert balance(api, bob.headers, destination)["balance"] == "30.25"
    for who in (ada, bob):
        seen = api.get(f"/api/v1/transactions/{sent['transaction_id']}", headers=who.headers)
        assert seen.status_code == 200
        assert [change["status"] for change in seen.json()["status_history"]] == ["PROCESSING", "COMPLETED"]
    listed = api.get(f"/api/v1/transactions/account/{destination}", headers=bob.headers).json()["items"]
    assert [item["transaction_id"] for item in listed] == [sent["transaction_id"]]
    stranger = new_customer(api, None, approve=False)
    assert api.get(f"/api/v1/transactions/{sent['transaction_id']}", headers=stranger.headers).status_code == 404
    stolen = _transfer(api, stranger, source, destination, "1.00")
    assert stolen.status_code == 404 and balance(api, ada.headers, source)["balance"] == "69.75"


def test_insufficient_funds_is_a_failed_transaction_with_its_reason(
    api: httpx.Client, ada: Customer, bob: Customer
) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "10.00")
    failed = _transfer(api, ada, source, destination, "10.01")
    assert failed.status_code == 201
    assert failed.json()["status"] == "FAILED" and failed.json()["failure_reason"] == "insufficient_funds"
    assert balance(api, ada.headers, source)["balance"] == "10.00"


def test_an_idempotency_key_moves_money_once(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "100.00")
    key = f"rent-{uuid.uuid4()}"
    first = _transfer(api, ada, source, destination, "40.00", **{"Idempotency-Key": key})
    again = _transfer(api, ada, source, destination, "40.00", **{"Idempotency-Key": key})
    assert first.json()["transaction_id"] == again.json()["transaction_id"]
    assert balance(api, ada.headers, source)["balance"] == "60.00"
    conflict = _transfer(api, ada, source, destination, "41.00", **{"Idempotency-Key": key})
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_conflict"


def test_a_payment_is_authorised_then_captured_in_part(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "100.00")
    body = {"account_id": account, "amount": "80.00", "currency": "USD", "merchant": "Corner Coffee"}
    authorised = api.post("/api/v1/transactions/payment", json=body, headers=ada.headers)
    assert authorised.status_code == 201 and authorised.json()["status"] == "PENDING"
    payment_id = authorised.json()["transaction_id"]
    held = balance(api, ada.headers, account)
    assert held["balance"] == "100.00" and held["available_balance"] == "20.00"
    captured = api.post(f"/api/v1/transactions/{payment_id}/capture", json={"amount": "55.00"}, headers=ada.headers)
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "COMPLETED" and captured.json()["captured_amount"] == "55.00"
    after = balance(api, ada.headers, account)
    assert after["balance"] == "45.00" and after["available_balance"] == "45.00"
    late_void = api.post(f"/api/v1/transactions/{payment_id}/void", headers=ada.headers)
    assert late_void.status_code == 409


def test_a_voided_or_expired_authorisation_releases_its_hold(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "100.00")
    body: dict[str, Any] = {"account_id": account, "amount": "30.00", "currency": "USD", "merchant": "Hotel"}
    voided = api.post("/api/v1/transactions/payment", json=body, headers=ada.headers).json()
    result = api.post(f"/api/v1/transactions/{voided['transaction_id']}/void", headers=ada.headers)
    assert result.json()["status"] == "FAILED" and result.json()["failure_reason"] == "voided"
    capture = api.post(f"/api/v1/transactions/{voided['transaction_id']}/capture", headers=ada.headers)
    assert capture.status_code == 409
    expiring = api.post("/api/v1/transactions/payment", json={**body, "expires_in_s": 1}, headers=ada.headers).json()
    assert balance(api, ada.headers, account)["available_balance"] == "70.00"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = api.get(f"/api/v1/transactions/{expiring['transaction_id']}", headers=ada.headers).json()
        if state["status"] != "PENDING":
            break
        time.sleep(0.25)
    assert state["status"] == "FAILED" and state["failure_reason"] == "expired"
    assert balance(api, ada.headers, account)["available_balance"] == "100.00"


def test_two_admins_reverse_a_transfer_once(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str], checker: dict[str, str], settings: Settings
) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "20.00")
    sent = _transfer(api, ada, source, destination, "20.00").json()
    path = f"/api/v1/transactions/{sent['transaction_id']}/reverse"
    assert api.post(path, json={"reason": "duplicate"}, headers=ada.headers).status_code == 403
    reversal = reversed_by_two(api, admin, checker, sent["transaction_id"], "sent in error")
    assert reversal["status"] == "COMPLETED" and reversal["reversal_of"] == sent["transaction_id"]
    assert balance(api, ada.headers, source)["balance"] == "20.00"
    assert balance(api, bob.headers, destination)["balance"] == "0.00"
    original = api.get(f"/api/v1/transactions/{sent['transaction_id']}", headers=ada.headers).json()
    assert original["status"] == "REVERSED"
    twice = api.post(path, json={"reason": "again"}, headers=admin)  # refused before any request is opened
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reversed"
    events = asyncio.run(transaction_event_types(settings.database_url, sent["transaction_id"]))
    assert events == ["transaction.initiated", "transaction.reversed"]


def test_nobody_moves_or_reads_money_in_an_account_not_theirs(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str]
) -> None:
    account, own = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, account, "100.00")
    payment = {"account_id": account, "amount": "5.00", "currency": "USD", "merchant": "Shop"}
    authorised = api.post("/api/v1/transactions/payment", json=payment, headers=ada.headers).json()
    money = {"amount": "1.00", "currency": "USD"}
    party = {"name": "X", "routing_number": "021000021", "account_number": "12345678"}
    attempts = [
        ("/api/v1/transactions/transfer", {"from_account_id": account, "to_account_id": own, **money}),
        (
            "/api/v1/transactions/transfer/batch",
            {"transfers": [{"from_account_id": account, "to_account_id": own, **money}]},
        ),
        ("/api/v1/transactions/withdrawal", {"account_id": account, **money}),
        ("/api/v1/transactions/deposit", {"account_id": account, **money}),
        ("/api/v1/transactions/payment", {"account_id": account, "merchant": "Shop", **money}),
        (
            "/api/v1/transactions/external",
            {"direction": "OUT", "rail": "WIRE", "account_id": account, "counterparty": party, **money},
        ),
        (
            "/api/v1/transactions/scheduled",
            {"from_account_id": account, "to_account_id": own, "frequency": "ONCE", **money},
        ),
        (f"/api/v1/transactions/{authorised['transaction_id']}/capture", None),
        (f"/api/v1/transactions/{authorised['transaction_id']}/void", None),
    ]
    for path, body in attempts:
        response = api.post(path, json=body, headers=bob.headers)
        assert response.status_code == 404, (path, response.text)
    for path in (
        f"/api/v1/transactions/{authorised['transaction_id']}",
        f"/api/v1/transactions/account/{account}",
        f"/api/v1/transactions/search?account_id={account}",
    ):
        assert api.get(path, headers=bob.headers).status_code == 404, path
    assert balance(api, ada.headers, account) == balance(api, admin, account)
    assert balance(api, ada.headers, account)["available_balance"] == "95.00"


def test_a_batch_answers_each_transfer(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "10.00")
    items = [
        {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
        for amount in ("4.00", "5.00", "2.00")
    ]
    response = api.post("/api/v1/transactions/transfer/batch", json={"transfers": items}, headers=ada.headers)
    assert response.status_code == 201, response.text
    results = response.json()["items"]
    assert [(item["status"], item["failure_reason"]) for item in results] == [
        ("COMPLETED", None),
        ("COMPLETED", None),
        ("FAILED", "insufficient_funds"),
    ]
    assert balance(api, bob.headers, destination)["balance"] == "9.00"
    too_many = {"transfers": [items[0]] * 8_191}
    refused = api.post("/api/v1/transactions/transfer/batch", json=too_many, headers=ada.headers)
    assert refused.status_code == 422 and "transfers" in refused.json()["error"]["message"]


def test_the_default_fraud_rules_hold_or_block_large_movements(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str], checker: dict[str, str]
) -> None:
    """The rules a new bank starts with: review at 10,000, block at 250,000 (cluster/migrations/0007)."""
    source, destination = open_account(api, ada), open_account(api, bob)
    limits_set(api, admin, checker, source, daily_outgoing_limit="500000.00")
    deposit(api, ada, source, "500000.00")
    blocked = _transfer(api, ada, source, destination, "250000.00").json()
    assert blocked["status"] == "FAILED" and blocked["failure_reason"] == "fraud_blocked"
    assert blocked["fraud"]["verdict"] == "block"
    held = _transfer(api, ada, source, destination, "10000.00").json()
    assert held["status"] == "PENDING_REVIEW" and held["fraud"]["verdict"] == "review"
    state = balance(api, ada.headers, source)
    assert state["balance"] == "500000.00" and state["available_balance"] == "490000.00"
    assert balance(api, bob.headers, destination)["balance"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 12.5}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"from_account_id": "12345"}, "from_account_id"),
        ({"to_account_id": None}, "to_account_id"),
        ({"memo": "unknown field"}, "memo"),
    ],
)
def test_bad_transfer_input_is_422_naming_the_field(
    api: httpx.Client, ada: Customer, change: dict[str, Any], field: str
) -> None:
    body = {"from_account_id": str(uuid.uuid4()), "to_account_id": str(uuid.uuid4()), "amount": "1.00"}
    body["currency"] = "USD"
    body.update(change)
    response = api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def test_a_transfer_to_the_same_account_is_refused(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    response = _transfer(api, ada, account, account, "1.00")
    assert response.status_code == 422 and "to_account_id" in response.json()["error"]["message"]

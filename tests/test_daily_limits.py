"""Daily outgoing limits over HTTP: the ledger's shard refuses a movement past the day's
limit an admin set, counts a batch in its order, and every way a movement ends without its
money leaving (voided, expired, captured for less, rejected in review) gives its room back.
The rules themselves are tested without a stack in tests/test_ledger_daily_limit.py."""

from __future__ import annotations

from typing import Any

import httpx

from tests.banking_client import Customer, balance, deposit, open_account, wait_for


def _limited_pair(api: httpx.Client, customer: Customer, admin: dict[str, str], limit: str) -> tuple[str, str]:
    checking = open_account(api, customer)
    savings = open_account(api, customer, kind="SAVINGS")
    deposit(api, customer, checking, "1000.00")
    response = api.put(f"/api/v1/accounts/{checking}/limits", json={"daily_outgoing_limit": limit}, headers=admin)
    assert response.status_code == 200, response.text
    return checking, savings


def _move(api: httpx.Client, customer: Customer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"/api/v1/transactions/{path}", json=body, headers=customer.headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _send(api: httpx.Client, customer: Customer, source: str, destination: str, amount: str) -> dict[str, Any]:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    return _move(api, customer, "transfer", body)


def test_a_refused_transfer_above_the_limit_leaves_the_day_open(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = _limited_pair(api, ada, admin, "1500.00")  # 1,000.00 in the account
    over = _send(api, ada, checking, savings, "1600.00")
    assert over["status"] == "FAILED" and over["failure_reason"] == "daily_limit_exceeded"
    assert _send(api, ada, checking, savings, "10.00")["status"] == "COMPLETED"
    refused = _send(api, ada, checking, savings, "1200.00")  # within the limit, refused by the ledger: no funds
    assert refused["status"] == "FAILED" and refused["failure_reason"] == "insufficient_funds"
    assert _send(api, ada, checking, savings, "490.00")["status"] == "COMPLETED"
    deposit(api, ada, checking, "2000.00")
    assert _send(api, ada, checking, savings, "1000.01")["failure_reason"] == "daily_limit_exceeded"
    assert _send(api, ada, checking, savings, "1000.00")["status"] == "COMPLETED"


def test_a_batch_admits_each_transfer_that_still_fits(api: httpx.Client, ada: Customer, admin: dict[str, str]) -> None:
    checking, savings = _limited_pair(api, ada, admin, "100.00")
    transfers = [
        {"from_account_id": checking, "to_account_id": savings, "amount": amount, "currency": "USD"}
        for amount in ("40.00", "70.00", "30.00")
    ]
    response = api.post("/api/v1/transactions/transfer/batch", json={"transfers": transfers}, headers=ada.headers)
    assert response.status_code in (200, 201), response.text
    statuses = [(item["status"], item["failure_reason"]) for item in response.json()["items"]]
    assert statuses == [("COMPLETED", None), ("FAILED", "daily_limit_exceeded"), ("COMPLETED", None)]
    assert _send(api, ada, checking, savings, "30.00")["status"] == "COMPLETED"
    assert _send(api, ada, checking, savings, "0.01")["failure_reason"] == "daily_limit_exceeded"


def test_a_void_a_partial_capture_and_an_expiry_give_the_limit_back(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = _limited_pair(api, ada, admin, "100.00")
    payment = {"account_id": checking, "amount": "100.00", "currency": "USD", "merchant": "Hotel"}
    voided = _move(api, ada, "payment", payment)
    assert _move(api, ada, f"{voided['transaction_id']}/void", {})["status"] == "FAILED"
    captured = _move(api, ada, "payment", payment)
    assert _move(api, ada, f"{captured['transaction_id']}/capture", {"amount": "60.00"})["status"] == "COMPLETED"
    expiring = _move(api, ada, "payment", {**payment, "amount": "40.00", "expires_in_s": 1})
    assert _send(api, ada, checking, savings, "0.01")["failure_reason"] == "daily_limit_exceeded"
    path = f"/api/v1/transactions/{expiring['transaction_id']}"
    wait_for(lambda: api.get(path, headers=ada.headers).json()["status"] != "PENDING")
    state = api.get(path, headers=ada.headers).json()
    assert state["status"] == "FAILED" and state["failure_reason"] == "expired"
    assert _send(api, ada, checking, savings, "40.00")["status"] == "COMPLETED"
    assert balance(api, ada.headers, checking)["balance"] == "900.00"


def _case_of(api: httpx.Client, admin: dict[str, str], transaction_id: str) -> str:
    cursor = None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/fraud/cases", params=params, headers=admin).json()
        for item in page["items"]:
            if item["transaction_id"] == transaction_id:
                return str(item["case_id"])
        cursor = page["next_cursor"]
        assert cursor is not None, f"no fraud case for {transaction_id}"


def test_a_movement_rejected_in_review_gives_the_limit_back(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    checking, savings = _limited_pair(api, ada, admin, "12000.00")
    deposit(api, ada, checking, "14000.00")
    held = _send(api, ada, checking, savings, "11000.00")  # above the default rules' review threshold
    assert held["status"] == "PENDING_REVIEW"
    assert _send(api, ada, checking, savings, "1000.01")["failure_reason"] == "daily_limit_exceeded"
    case_id = _case_of(api, admin, held["transaction_id"])
    resolved = api.post(f"/api/v1/fraud/cases/{case_id}/resolve", json={"resolution": "FRAUD"}, headers=admin)
    assert resolved.status_code == 200, resolved.text
    rejected = api.get(f"/api/v1/transactions/{held['transaction_id']}", headers=ada.headers).json()
    assert (rejected["status"], rejected["failure_reason"]) == ("FAILED", "fraud_confirmed")
    assert _send(api, ada, checking, savings, "9000.00")["status"] == "COMPLETED"

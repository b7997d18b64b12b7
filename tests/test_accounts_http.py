"""Accounts over HTTP: opening needs approved KYC, only owners (and staff) see an account,
freeze/close rules, daily limits, and statements in JSON, CSV and PDF."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from pypdf import PdfReader

from tests.audit_client import roles_given
from tests.banking_client import Customer, balance, deposit, new_customer, open_account
from tests.identity_client import bearer, login, new_email, register


def test_opening_an_account_needs_a_profile_and_approved_kyc(api: httpx.Client, admin: dict[str, str]) -> None:
    email = new_email()
    register(api, email)
    no_profile = bearer(login(api, email).json()["access_token"])
    body = {"account_type": "CHECKING", "currency": "USD"}
    refused = api.post("/api/v1/accounts", json=body, headers=no_profile)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "kyc_required"
    submitted = new_customer(api, admin, approve=False)
    refused = api.post("/api/v1/accounts", json=body, headers=submitted.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "kyc_required"
    assert api.post(f"/api/v1/admin/kyc/{submitted.customer_id}/approve", headers=admin).status_code == 200
    opened = api.post("/api/v1/accounts", json=body, headers=submitted.headers)
    assert opened.status_code == 201, opened.text
    account = opened.json()
    assert account["status"] == "ACTIVE" and account["balance"] == "0.00" and account["currency"] == "USD"
    assert account["customer_id"] == submitted.customer_id and len(account["number"]) > 8


def test_an_idempotency_key_opens_one_account(api: httpx.Client, ada: Customer) -> None:
    headers = {**ada.headers, "Idempotency-Key": f"open-{uuid.uuid4()}"}
    first = api.post("/api/v1/accounts", json={"account_type": "SAVINGS", "currency": "EUR"}, headers=headers)
    again = api.post("/api/v1/accounts", json={"account_type": "SAVINGS", "currency": "EUR"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["account_id"] == again.json()["account_id"]
    other = api.post("/api/v1/accounts", json={"account_type": "CHECKING", "currency": "EUR"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"


def test_bad_account_requests_are_422_naming_the_field(api: httpx.Client, ada: Customer) -> None:
    for body, field in (
        ({"account_type": "SETTLEMENT", "currency": "USD"}, "account_type"),
        ({"account_type": "CHECKING", "currency": "XXY"}, "currency"),
        ({"account_type": "CHECKING", "currency": "usd"}, "currency"),
        ({"account_type": "CHECKING"}, "currency"),
    ):
        response = api.post("/api/v1/accounts", json=body, headers=ada.headers)
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["error"]["message"]
    assert api.get("/api/v1/accounts/not-a-uuid", headers=ada.headers).status_code == 422


def test_a_customer_sees_only_their_own_accounts(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str]
) -> None:
    account = open_account(api, ada)
    mine = api.get(f"/api/v1/accounts/user/{ada.user_id}", headers=ada.headers)
    assert mine.status_code == 200 and account in [item["account_id"] for item in mine.json()["items"]]
    assert api.get(f"/api/v1/accounts/user/{ada.user_id}", headers=bob.headers).status_code == 404
    for method, path in (
        ("GET", f"/api/v1/accounts/{account}"),
        ("GET", f"/api/v1/accounts/{account}/balance"),
        ("GET", f"/api/v1/accounts/{account}/statement"),
        ("POST", f"/api/v1/accounts/{account}/freeze"),
        ("DELETE", f"/api/v1/accounts/{account}"),
        ("GET", f"/api/v1/transactions/account/{account}"),
    ):
        response = api.request(method, path, headers=bob.headers)
        assert response.status_code == 404, (method, path, response.text)
    assert api.get(f"/api/v1/accounts/{uuid.uuid4()}", headers=ada.headers).status_code == 404
    assert api.get(f"/api/v1/accounts/{account}", headers=admin).status_code == 200
    assert api.get(f"/api/v1/accounts/{account}").status_code == 401


def test_freeze_is_for_staff_and_stops_money_moving(api: httpx.Client, ada: Customer, admin: dict[str, str]) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "50.00")
    refused = api.post(f"/api/v1/accounts/{account}/freeze", headers=ada.headers)
    assert refused.status_code == 403
    frozen = api.post(f"/api/v1/accounts/{account}/freeze", headers=admin)
    assert frozen.status_code == 200 and frozen.json()["status"] == "FROZEN"
    blocked = api.post(
        "/api/v1/transactions/withdrawal",
        json={"account_id": account, "amount": "10.00", "currency": "USD"},
        headers=ada.headers,
    )
    assert blocked.status_code == 201
    assert blocked.json()["status"] == "FAILED" and blocked.json()["failure_reason"] == "account_frozen"
    assert api.post(f"/api/v1/accounts/{account}/unfreeze", headers=admin).json()["status"] == "ACTIVE"
    assert balance(api, ada.headers, account)["balance"] == "50.00"


def test_closing_needs_a_zero_balance(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "5.00")
    refused = api.delete(f"/api/v1/accounts/{account}", headers=ada.headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "balance_not_zero"
    api.post(
        "/api/v1/transactions/withdrawal",
        json={"account_id": account, "amount": "5.00", "currency": "USD"},
        headers=ada.headers,
    )
    closed = api.delete(f"/api/v1/accounts/{account}", headers=ada.headers)
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED"


def test_an_admin_sets_the_daily_outgoing_limit(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str]
) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "500.00")
    refused = api.put(f"/api/v1/accounts/{source}/limits", json={"daily_outgoing_limit": "1.00"}, headers=ada.headers)
    assert refused.status_code == 403
    limited = api.put(f"/api/v1/accounts/{source}/limits", json={"daily_outgoing_limit": "100.00"}, headers=admin)
    assert limited.status_code == 200 and limited.json()["daily_outgoing_limit"] == "100.00"

    def send(amount: str) -> dict[str, str]:
        body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
        response = api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers)
        assert response.status_code == 201, response.text
        result: dict[str, str] = response.json()
        return result

    assert send("60.00")["status"] == "COMPLETED"
    over = send("60.00")
    assert over["status"] == "FAILED" and over["failure_reason"] == "daily_limit_exceeded"
    assert send("40.00")["status"] == "COMPLETED"
    assert balance(api, ada.headers, source)["balance"] == "400.00"


def test_statements_agree_with_the_balance_in_every_format(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    account, other = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, account, "1000.00")
    transfer = {
        "from_account_id": account,
        "to_account_id": other,
        "amount": "250.50",
        "currency": "USD",
        "description": "Rent for March",
    }
    assert api.post("/api/v1/transactions/transfer", json=transfer, headers=ada.headers).status_code == 201
    api.post(
        "/api/v1/transactions/withdrawal",
        json={"account_id": account, "amount": "49.50", "currency": "USD"},
        headers=ada.headers,
    )
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    statement = api.get(f"/api/v1/accounts/{account}/statement", params=period, headers=ada.headers)
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert body["opening_balance"] == "0.00" and body["closing_balance"] == "700.00"
    assert [entry["running_balance"] for entry in body["entries"]] == ["1000.00", "749.50", "700.00"]
    assert body["entries"][1]["description"] == "Rent for March"
    assert body["closing_balance"] == balance(api, ada.headers, account)["balance"]

    as_csv = api.get(f"/api/v1/accounts/{account}/statement", params={**period, "format": "csv"}, headers=ada.headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows[0]["kind"] == "OPENING" and rows[-1]["running_balance"] == "700.00"
    assert [row["amount"] for row in rows[1:-1]] == ["1000.00", "-250.50", "-49.50"]

    as_pdf = api.get(f"/api/v1/accounts/{account}/statement", params={**period, "format": "pdf"}, headers=ada.headers)
    assert as_pdf.status_code == 200 and as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.content)).pages)
    number = api.get(f"/api/v1/accounts/{account}", headers=ada.headers).json()["number"]
    for expected in ("Account statement", number, "Grace Hopper", "Rent for March", "700.00", "Closing balance"):
        assert expected in text, expected

    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()}
    refused = api.get(f"/api/v1/accounts/{account}/statement", params=backwards, headers=ada.headers)
    assert refused.status_code == 422 and "to" in refused.json()["error"]["message"]


def test_support_reads_and_freezes_but_moves_no_money(
    api: httpx.Client, ada: Customer, admin: dict[str, str], checker: dict[str, str]
) -> None:
    email = new_email()
    user = register(api, email)
    customer_token = bearer(login(api, email).json()["access_token"])
    assert (
        api.put(
            f"/api/v1/admin/users/{user['user_id']}/roles", json={"roles": ["support"]}, headers=customer_token
        ).status_code
        == 403
    )
    assert roles_given(api, admin, checker, user["user_id"], ["support"])["roles"] == ["support"]
    assert api.get("/api/v1/auth/me", headers=customer_token).status_code == 401  # its session ended
    support = bearer(login(api, email).json()["access_token"])
    account = open_account(api, ada)
    deposit(api, ada, account, "30.00")
    assert api.get(f"/api/v1/accounts/{account}", headers=support).status_code == 200
    assert api.get(f"/api/v1/accounts/user/{ada.user_id}", headers=support).status_code == 200
    assert api.get(f"/api/v1/transactions/account/{account}", headers=support).status_code == 200
    other = open_account(api, ada)
    body = {"from_account_id": account, "to_account_id": other, "amount": "1.00", "currency": "USD"}
    assert api.post("/api/v1/transactions/transfer", json=body, headers=support).status_code == 403
    assert (
        api.put(
            f"/api/v1/accounts/{account}/limits", json={"daily_outgoing_limit": "1.00"}, headers=support
        ).status_code
        == 403
    )
    assert api.post(f"/api/v1/accounts/{account}/freeze", headers=support).json()["status"] == "FROZEN"
    assert api.post(f"/api/v1/accounts/{account}/unfreeze", headers=support).json()["status"] == "ACTIVE"
    deposited = api.get(f"/api/v1/transactions/account/{account}", headers=support).json()["items"][0]
    reverse = api.post(
        f"/api/v1/transactions/{deposited['transaction_id']}/reverse", json={"reason": "x"}, headers=support
    )
    assert reverse.status_code == 403
    admin_id = api.get("/api/v1/auth/me", headers=admin).json()["user_id"]
    demote = api.put(f"/api/v1/admin/users/{admin_id}/roles", json={"roles": ["support"]}, headers=admin)
    assert demote.status_code == 422

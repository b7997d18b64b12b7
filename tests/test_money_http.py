"""Search over the read model, the projector that feeds it from the journal, and money
conservation after a mixed random workload over HTTP."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from actors.ledger.client import LedgerClient
from actors.settings import Settings
from tests.banking_client import Customer, balance, deposit, new_customer, open_account, wait_for

ROUTING = "021000021"


def _search(api: httpx.Client, who: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of a search."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/v1/transactions/search", params=query, headers=who)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def _history(api: httpx.Client, who: dict[str, str], account: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = api.get(f"/api/v1/transactions/account/{account}", params=params, headers=who).json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_search_filters_and_pages(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "500.00")
    for amount, description in (("12.00", "Coffee beans"), ("80.00", "Electricity bill"), ("15.50", "coffee mugs")):
        body = {
            "from_account_id": source,
            "to_account_id": destination,
            "amount": amount,
            "currency": "USD",
            "description": description,
        }
        assert api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers).status_code == 201
    payment = {"account_id": source, "amount": "9.99", "currency": "USD", "merchant": "Corner Coffee 100%"}
    api.post("/api/v1/transactions/payment", json=payment, headers=ada.headers)

    def descriptions(**params: Any) -> set[str | None]:
        return {item["description"] for item in _search(api, ada.headers, account_id=source, limit=2, **params)}

    assert descriptions(q="coffee") == {"Coffee beans", "coffee mugs", None}
    assert descriptions(q="coffee", kind="TRANSFER") == {"Coffee beans", "coffee mugs"}
    assert descriptions(min_amount="13.00", max_amount="80.00", kind="TRANSFER") == {"Electricity bill", "coffee mugs"}
    assert descriptions(status="PENDING") == {None}
    assert [i["counterparty"] for i in _search(api, ada.headers, counterparty="100%")] == ["Corner Coffee 100%"]
    assert descriptions(q="100_") == set()
    assert len(_search(api, ada.headers, account_id=source)) == len(_history(api, ada.headers, source)) == 5
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert _search(api, ada.headers, account_id=source, **{"from": tomorrow}) == []
    # A customer's search never reaches another customer's transactions.
    mine = {item["transaction_id"] for item in _search(api, bob.headers)}
    assert mine == {item["transaction_id"] for item in _search(api, bob.headers, account_id=destination)}
    assert api.get("/api/v1/transactions/search", params={"account_id": source}, headers=bob.headers).status_code == 404
    refused = api.get("/api/v1/transactions/search", params={"min_amount": "1.00"}, headers=ada.headers)
    assert refused.status_code == 422 and "currency" in refused.json()["error"]["message"]
    naive = api.get("/api/v1/transactions/search", params={"from": "2026-01-01T00:00:00"}, headers=ada.headers)
    assert naive.status_code == 422 and "from" in naive.json()["error"]["message"]


def test_movements_made_around_the_api_reach_the_read_model(
    api: httpx.Client, admin: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    ada = new_customer(api, admin)
    account = open_account(api, ada)
    transfer_id = uuid.uuid4()

    async def deposit_directly() -> None:
        client = LedgerClient(settings.database_url, settings.account_shards)
        try:
            result = await client.deposit(transfer_id, uuid.UUID(account), 4_200, "USD")
            assert result.accepted
        finally:
            await client.close()

    asyncio.run(deposit_directly())

    def projected() -> bool:
        found = [item for item in _history(api, ada.headers, account) if item["transaction_id"] == str(transfer_id)]
        return bool(found) and found[0]["status"] == "COMPLETED" and found[0]["kind"] == "DEPOSIT"

    wait_for(projected)
    assert balance(api, ada.headers, account)["balance"] == "42.00"


def _reverse_if_it_can_be(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], transaction_id: str
) -> None:
    asked = api.post(f"/api/v1/transactions/{transaction_id}/reverse", json={"reason": "test"}, headers=admin)
    if asked.status_code == 202:  # a second admin approves it, and it is made
        approval = f"/api/v1/admin/approvals/{asked.json()['approval_id']}/approve"
        assert api.post(approval, json={}, headers=checker).status_code == 200


def _random_workload(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], rng: random.Random
) -> list[tuple[Customer, str]]:
    """Customers with accounts and a mix of every kind of movement; their (customer, account) pairs."""
    customers = [new_customer(api, admin) for _ in range(4)]
    accounts = [(c, open_account(api, c)) for c in customers for _ in range(2)]
    for customer, account in accounts:
        deposit(api, customer, account, f"{rng.randint(200, 900)}.00")
    completed: list[str] = []
    for _ in range(60):
        customer, source = rng.choice(accounts)
        _, destination = rng.choice([pair for pair in accounts if pair[1] != source])
        amount = f"{rng.randint(1, 150)}.{rng.randint(0, 99):02d}"
        action = rng.choice(["transfer", "transfer", "payment", "external", "withdrawal", "scheduled"])
        if action == "transfer":
            body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
            sent = api.post("/api/v1/transactions/transfer", json=body, headers=customer.headers).json()
            if sent["status"] == "COMPLETED":
                completed.append(sent["transaction_id"])
        elif action == "payment":
            ending = rng.choice(["capture", "partial", "void", "expire"])
            body = {"account_id": source, "amount": amount, "currency": "USD", "merchant": "Shop"}
            body["expires_in_s"] = 1 if ending == "expire" else 3600
            paid = api.post("/api/v1/transactions/payment", json=body, headers=customer.headers).json()
            path = f"/api/v1/transactions/{paid['transaction_id']}"
            if paid["status"] == "PENDING" and ending == "capture":
                api.post(f"{path}/capture", headers=customer.headers)
            elif paid["status"] == "PENDING" and ending == "partial":
                part = str((Decimal(amount) / 2).quantize(Decimal("0.01")))
                api.post(f"{path}/capture", json={"amount": part}, headers=customer.headers)
            elif paid["status"] == "PENDING" and ending == "void":
                api.post(f"{path}/void", headers=customer.headers)
        elif action == "external":
            party = {
                "name": "Elsewhere",
                "routing_number": ROUTING,
                "account_number": rng.choice(["12345678", "12340000"]),
            }
            body = {"direction": rng.choice(["OUT", "IN"]), "rail": rng.choice(["ACH", "WIRE"]), "account_id": source}
            body |= {"amount": amount, "currency": "USD", "counterparty": party}
            api.post("/api/v1/transactions/external", json=body, headers=customer.headers)
        elif action == "withdrawal":
            body = {"account_id": source, "amount": amount, "currency": "USD"}
            api.post("/api/v1/transactions/withdrawal", json=body, headers=customer.headers)
        else:
            body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
            api.post("/api/v1/transactions/scheduled", json={**body, "frequency": "ONCE"}, headers=customer.headers)
    for transaction_id in rng.sample(completed, min(4, len(completed))):
        _reverse_if_it_can_be(api, admin, checker, transaction_id)
    return accounts


def test_money_is_conserved_and_every_view_agrees_after_a_mixed_workload(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    accounts = _random_workload(api, admin, checker, random.Random(20261125))

    def settled() -> bool:
        for customer, account in accounts:
            if any(item["status"] in ("PENDING", "PROCESSING") for item in _history(api, customer.headers, account)):
                return False
        return True

    wait_for(settled, timeout_s=120)

    async def all_balances() -> tuple[int, int]:
        client = LedgerClient(settings.database_url, settings.account_shards)
        try:
            pool = await client._db()
            ids = [row["account_id"] for row in await pool.fetch("SELECT account_id FROM ledger_accounts")]
            found = await client.balances(ids)
            return sum(b.balance_minor for b in found if b is not None), sum(b is None for b in found)
        finally:
            await client.close()

    total, missing = asyncio.run(all_balances())
    assert (total, missing) == (0, 0)
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    for customer, account in accounts:
        now = balance(api, customer.headers, account)
        statement = api.get(f"/api/v1/accounts/{account}/statement", params=period, headers=customer.headers).json()
        assert statement["closing_balance"] == now["balance"]
        assert Decimal(now["available_balance"]) == Decimal(now["balance"])  # every hold ended
        history = [item["transaction_id"] for item in _history(api, customer.headers, account)]
        found = [item["transaction_id"] for item in _search(api, customer.headers, account_id=account, limit=11)]
        assert found == history

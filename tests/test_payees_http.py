"""Payees over HTTP: a customer's saved recipients by account number — save (resolved like a
lookup), list by nickname, rename, remove — their own only, bounded in number."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx

from actors.settings import Settings
from models.ledger.numbers import make_account_number
from models.payees import MAX_PAYEES_PER_CUSTOMER
from tests.banking_client import Customer, new_customer, open_account

PAYEES = "/api/v1/payees"


def _number(api: httpx.Client, customer: Customer, currency: str = "USD") -> str:
    account_id = open_account(api, customer, currency)
    number: str = api.get(f"/api/v1/accounts/{account_id}", headers=customer.headers).json()["number"]
    return number


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _add(api: httpx.Client, who: Customer, nickname: str, number: str, **headers: str) -> httpx.Response:
    return api.post(PAYEES, json={"nickname": nickname, "account_number": number}, headers={**who.headers, **headers})


def test_save_list_rename_and_remove_a_payee(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    usd, eur = _number(api, bob), _number(api, bob, "EUR")
    saved = _add(api, ada, "  Zed  ", usd)
    assert saved.status_code == 201, saved.text
    payee = saved.json()
    assert {key: payee[key] for key in ("nickname", "account_number", "holder_name", "currency")} == {
        "nickname": "Zed",
        "account_number": usd,
        "holder_name": "Grace H.",
        "currency": "USD",
    }
    assert set(payee) == {
        "payee_id",
        "nickname",
        "account_number",
        "holder_name",
        "currency",
        "created_at",
        "updated_at",
    }
    assert _add(api, ada, "alice", eur).status_code == 201

    listed = api.get(PAYEES, headers=ada.headers)
    assert listed.status_code == 200
    assert [item["nickname"] for item in listed.json()["items"]] == ["alice", "Zed"]
    first = api.get(PAYEES, params={"limit": 1}, headers=ada.headers).json()
    assert [item["nickname"] for item in first["items"]] == ["alice"] and first["next_cursor"]
    second = api.get(PAYEES, params={"limit": 1, "cursor": first["next_cursor"]}, headers=ada.headers).json()
    assert [item["nickname"] for item in second["items"]] == ["Zed"] and second["next_cursor"] is None
    bad_cursor = api.get(PAYEES, params={"cursor": "not-a-cursor"}, headers=ada.headers)
    assert _error(bad_cursor) == (422, "validation_error")

    renamed = api.patch(f"{PAYEES}/{payee['payee_id']}", json={"nickname": "Bob's rent"}, headers=ada.headers)
    assert renamed.status_code == 200 and renamed.json()["nickname"] == "Bob's rent"
    removed = api.delete(f"{PAYEES}/{payee['payee_id']}", headers=ada.headers)
    assert removed.status_code == 200 and removed.json()["payee_id"] == payee["payee_id"]
    assert [item["nickname"] for item in api.get(PAYEES, headers=ada.headers).json()["items"]] == ["alice"]
    assert _error(api.delete(f"{PAYEES}/{payee['payee_id']}", headers=ada.headers)) == (404, "not_found")


def test_a_payee_is_an_account_another_customer_can_be_paid_at_once(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    number = _number(api, bob)
    assert _add(api, ada, "Bob", number).status_code == 201
    assert _error(_add(api, ada, "Bob again", number)) == (409, "payee_exists")
    assert _error(_add(api, ada, "Me", _number(api, ada))) == (422, "own_account")
    assert _error(_add(api, ada, "Nobody", make_account_number(999, 999_999_996))) == (404, "account_not_found")
    # Another customer may save the same number: payees are per customer.
    assert _add(api, new_customer(api, admin), "Bob", number).status_code == 201


def test_the_same_idempotency_key_saves_once(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    number = _number(api, bob)
    key = f"payee-{uuid.uuid4()}"
    first = _add(api, ada, "Bob", number, **{"Idempotency-Key": key})
    again = _add(api, ada, "Bob", number, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json()["payee_id"] == first.json()["payee_id"]
    assert _error(_add(api, ada, "Robert", number, **{"Idempotency-Key": key})) == (409, "idempotency_conflict")
    assert len(api.get(PAYEES, headers=ada.headers).json()["items"]) == 1


def test_payees_are_validated(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    number = _number(api, bob)
    for body, field in (
        ({"nickname": "   ", "account_number": number}, "nickname"),
        ({"nickname": "x" * 65, "account_number": number}, "nickname"),
        ({"nickname": "Bob", "account_number": "12345678901234"}, "account_number"),
        ({"nickname": "Bob", "account_number": "1234"}, "account_number"),
        ({"nickname": "Bob"}, "account_number"),
        ({"nickname": "Bob", "account_number": number, "account_id": str(uuid.uuid4())}, "account_id"),
    ):
        response = api.post(PAYEES, json=body, headers=ada.headers)
        assert _error(response) == (422, "validation_error"), (body, response.text)
        assert field in response.json()["error"]["message"], response.text
    payee_id = _add(api, ada, "Bob", number).json()["payee_id"]
    blank = api.patch(f"{PAYEES}/{payee_id}", json={"nickname": "\t"}, headers=ada.headers)
    assert _error(blank) == (422, "validation_error")
    assert _error(api.patch(f"{PAYEES}/not-a-uuid", json={"nickname": "x"}, headers=ada.headers))[0] == 422


def test_only_the_owner_sees_or_changes_a_payee(api: httpx.Client, admin: dict[str, str]) -> None:
    ada, bob, eve = new_customer(api, admin), new_customer(api, admin), new_customer(api, admin)
    payee_id = _add(api, ada, "Bob", _number(api, bob)).json()["payee_id"]
    assert api.get(PAYEES, headers=eve.headers).json()["items"] == []
    renamed = api.patch(f"{PAYEES}/{payee_id}", json={"nickname": "mine now"}, headers=eve.headers)
    assert _error(renamed) == (404, "not_found")
    assert _error(api.delete(f"{PAYEES}/{payee_id}", headers=eve.headers)) == (404, "not_found")
    assert api.get(PAYEES, headers=ada.headers).json()["items"][0]["nickname"] == "Bob"
    for method in ("GET", "POST"):
        assert _error(api.request(method, PAYEES, json={})) == (401, "unauthorized")
    assert _error(api.delete(f"{PAYEES}/{payee_id}")) == (401, "unauthorized")
    # Staff have no payees of their own, and no way into a customer's.
    assert _error(api.get(PAYEES, headers=admin)) == (403, "profile_required")
    assert _error(api.delete(f"{PAYEES}/{payee_id}", headers=admin)) == (403, "profile_required")


async def _fill_payees(database_url: str, customer_id: str, count: int) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.executemany(
            """INSERT INTO payees (payee_id, customer_id, nickname, account_number, holder_name, currency)
               VALUES ($1, $2, $3, $4, 'Someone E.', 'USD')""",
            [
                (uuid.uuid4(), uuid.UUID(customer_id), f"filler {index}", make_account_number(998, index + 1))
                for index in range(count)
            ],
        )
    finally:
        await connection.close()


def test_a_customer_keeps_a_bounded_number_of_payees(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    asyncio.run(_fill_payees(settings.database_url, ada.customer_id, MAX_PAYEES_PER_CUSTOMER - 1))
    assert _add(api, ada, "The last one", _number(api, bob)).status_code == 201
    refused = _add(api, ada, "One too many", _number(api, bob))
    assert _error(refused) == (409, "payee_limit_reached")
    assert str(MAX_PAYEES_PER_CUSTOMER) in refused.json()["error"]["message"]

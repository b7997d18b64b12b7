"""The fraud allow and block lists over HTTP: listed a page at a time (support and admin),
entries removed by admins, and a removed entry no longer honoured by the scorer."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.audit_client import signed_in_with_roles
from tests.banking_client import Customer, deposit, new_customer, open_account


@pytest.fixture(scope="module")
def support(api: httpx.Client, admin: dict[str, str], checker: dict[str, str]) -> dict[str, str]:
    return signed_in_with_roles(api, admin, checker, ["support"])


def _add(api: httpx.Client, admin: dict[str, str], name: str, kind: str, value: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/fraud/{name}", json={"kind": kind, "value": value, "reason": "test"}, headers=admin)
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()
    return entry


def _all(api: httpx.Client, headers: dict[str, str], name: str, limit: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({} if cursor is None else {"cursor": cursor})
        page = api.get(f"/api/v1/fraud/{name}", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= limit
        entries.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return entries


def _send(api: httpx.Client, who: Customer, source: str, destination: str) -> dict[str, Any]:
    body = {"from_account_id": source, "to_account_id": destination, "amount": "1.00", "currency": "USD"}
    response = api.post("/api/v1/transactions/transfer", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_lists_page_through_every_entry_for_support_and_admin(
    api: httpx.Client, admin: dict[str, str], support: dict[str, str]
) -> None:
    marker = uuid.uuid4().hex[:8]
    blocked = {f"10.{i}.0.{marker[:2]}-{marker}" for i in range(5)}
    for value in blocked:
        _add(api, admin, "blacklist", "ip", value)
    allowed = _add(api, admin, "whitelist", "device", f"device-{marker}")
    assert allowed["list"] == "whitelist" and allowed["created_at"] and allowed["reason"] == "test"
    for headers in (admin, support):
        listed = _all(api, headers, "blacklist", limit=2)
        values = [(entry["kind"], entry["value"]) for entry in listed]
        assert values == sorted(values) and len(values) == len(set(values))  # no entry twice, none skipped
        assert blocked <= {value for kind, value in values if kind == "ip"}
        assert all(entry["list"] == "blacklist" for entry in listed)
        assert f"device-{marker}" not in {value for _, value in values}
        whitelisted = _all(api, headers, "whitelist", limit=500)
        assert ("device", f"device-{marker}") in {(entry["kind"], entry["value"]) for entry in whitelisted}


def test_listing_is_refused_to_customers_and_checks_its_parameters(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    for name in ("whitelist", "blacklist"):
        refused = api.get(f"/api/v1/fraud/{name}", headers=ada.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert api.get(f"/api/v1/fraud/{name}").status_code == 401
        for params in ({"limit": 0}, {"limit": 501}, {"cursor": "not-a-cursor"}):
            bad = api.get(f"/api/v1/fraud/{name}", params=params, headers=admin)
            assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error", bad.text


def test_removal_is_for_admins_and_answers_what_was_removed(
    api: httpx.Client, ada: Customer, admin: dict[str, str], support: dict[str, str]
) -> None:
    value = f"payee/{uuid.uuid4().hex}"  # a value with a slash in it is one path segment too
    _add(api, admin, "blacklist", "counterparty", value)
    path = f"/api/v1/fraud/blacklist/counterparty/{value}"
    for headers in (ada.headers, support):
        refused = api.delete(path, headers=headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    wrong_list = api.delete(f"/api/v1/fraud/whitelist/counterparty/{value}", headers=admin)
    assert wrong_list.status_code == 404 and wrong_list.json()["error"]["code"] == "not_found"
    assert api.delete(f"/api/v1/fraud/blacklist/planet/{value}", headers=admin).status_code == 422
    removed = api.delete(path, headers=admin)
    assert removed.status_code == 200, removed.text
    assert (removed.json()["kind"], removed.json()["value"], removed.json()["list"]) == (
        "counterparty",
        value,
        "blacklist",
    )
    again = api.delete(path, headers=admin)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    assert value not in {entry["value"] for entry in _all(api, admin, "blacklist", limit=500)}


def test_the_scorer_stops_honouring_a_removed_entry(api: httpx.Client, ada: Customer, admin: dict[str, str]) -> None:
    bob = new_customer(api, admin)
    source, mule = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "10.00")
    _add(api, admin, "blacklist", "counterparty", mule)
    blocked = _send(api, ada, source, mule)
    assert blocked["status"] == "FAILED" and blocked["fraud"]["reasons"] == ["blocklist:counterparty"]
    assert api.delete(f"/api/v1/fraud/blacklist/counterparty/{mule}", headers=admin).status_code == 200

    # At once, in the Fraud deployment and in the gateway replica that scores the transfer.
    body = {"account_id": source, "amount": "1.00", "currency": "USD", "counterparty": mule}
    analysis = api.post("/api/v1/fraud/analyze", json=body, headers=admin).json()
    assert "blocklist:counterparty" not in analysis["reasons"]
    assert _send(api, ada, source, mule)["status"] == "COMPLETED"

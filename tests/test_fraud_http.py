"""Fraud over HTTP: rules and lists managed by admins and applied in the money path, velocity,
stored scores, cases resolved by analysts (posting or voiding the held money), and the
policy when the scorer cannot answer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx

from actors.banking.fraud_client import ServeScorer
from actors.banking.transactions import Movement
from actors.banking.wiring import connect_banking
from actors.settings import Settings
from models.fraud.check import ScoringRequest, Verdict
from models.ledger.commands import OpenAccount
from models.ledger.types import AccountType
from models.transactions import TransactionKind
from tests.banking_client import Customer, balance, carried_out, deposit, new_customer, open_account


def _send(api: httpx.Client, who: Customer, source: str, destination: str, amount: str) -> dict[str, Any]:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    response = api.post("/api/v1/transactions/transfer", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_rules_are_for_admins_each_change_waits_for_a_second_and_bad_conditions_are_422(
    api: httpx.Client, ada: Customer, admin: dict[str, str], checker: dict[str, str]
) -> None:
    rule = {
        "name": f"r_{uuid.uuid4().hex[:8]}",
        "condition": {"feature": "amount", "op": ">", "value": 1e9},
        "action": "review",
    }
    assert api.post("/api/v1/fraud/rules", json=rule, headers=ada.headers).status_code == 403
    assert api.get("/api/v1/fraud/rules", headers=ada.headers).status_code == 403
    asked = api.post("/api/v1/fraud/rules", json=rule, headers=admin)
    assert asked.status_code == 202 and asked.json()["action"] == "fraud.rule.create", asked.text
    assert asked.json()["summary"] == f"Add fraud rule {rule['name']} (review, priority 0, on)"
    names = [item["name"] for item in api.get("/api/v1/fraud/rules", headers=admin).json()["items"]]
    assert rule["name"] not in names  # not before a second admin approves
    own = api.post(f"/api/v1/admin/approvals/{asked.json()['approval_id']}/approve", json={}, headers=admin)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_request")
    created = carried_out(api, checker, asked)
    assert created["rule_id"] == asked.json()["target_id"] and created["name"] == rule["name"]
    duplicate = api.post("/api/v1/fraud/rules", json=rule, headers=admin)
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "rule_exists")  # nobody is asked
    names = [item["name"] for item in api.get("/api/v1/fraud/rules", headers=admin).json()["items"]]
    assert rule["name"] in names and "large_amount_review" in names
    path = f"/api/v1/fraud/rules/{created['rule_id']}"
    assert api.patch(path, json={}, headers=admin).status_code == 422
    switching = api.patch(path, json={"active": False}, headers=admin)
    assert switching.json()["summary"] == f"Fraud rule {rule['name']}: switch it off"
    assert carried_out(api, checker, switching)["active"] is False
    for condition, where in (
        ({"feature": "shoe_size", "op": ">", "value": 1}, "condition.feature"),
        ({"all": [{"feature": "amount", "op": "=>", "value": 1}]}, "condition.all[0].op"),
    ):
        bad = api.post("/api/v1/fraud/rules", json={**rule, "name": "bad_rule", "condition": condition}, headers=admin)
        assert bad.status_code == 422 and where in bad.json()["error"]["message"], bad.text


def test_a_blacklisted_payee_is_blocked_and_a_whitelisted_one_passes(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    bob = new_customer(api, admin)
    source, mule, friend = open_account(api, ada), open_account(api, bob), open_account(api, bob)
    deposit(api, ada, source, "100.00")
    listed = api.post(
        "/api/v1/fraud/blacklist", json={"kind": "counterparty", "value": mule, "reason": "mule"}, headers=admin
    )
    assert listed.status_code == 201
    blocked = _send(api, ada, source, mule, "5.00")
    assert blocked["status"] == "FAILED" and blocked["failure_reason"] == "fraud_blocked"
    assert blocked["fraud"]["reasons"] == ["blocklist:counterparty"]
    api.post("/api/v1/fraud/whitelist", json={"kind": "counterparty", "value": friend}, headers=admin)
    assert _send(api, ada, source, friend, "5.00")["status"] == "COMPLETED"
    assert balance(api, ada.headers, source)["balance"] == "95.00"
    stored = api.get(f"/api/v1/fraud/score/{blocked['transaction_id']}", headers=admin).json()
    assert stored["verdict"] == "block" and stored["risk_level"] == "critical" and "count_1m" in stored["features"]
    assert stored["features"]["drained_fraction"] == 0.05  # 5.00 of the 100.00 available, as in training
    assert api.get(f"/api/v1/fraud/score/{blocked['transaction_id']}", headers=ada.headers).status_code == 403


def test_a_velocity_rule_holds_the_burst(
    api: httpx.Client, ada: Customer, admin: dict[str, str], checker: dict[str, str]
) -> None:
    source, destination = open_account(api, ada), open_account(api, ada)
    deposit(api, ada, source, "100.00")
    marker = 7.77  # only this test's movements are this amount
    rule = {
        "name": f"burst_{uuid.uuid4().hex[:8]}",
        "condition": {
            "all": [{"feature": "amount", "op": "==", "value": marker}, {"feature": "count_1m", "op": ">=", "value": 3}]
        },
        "action": "review",
        "priority": 50,
    }
    carried_out(api, checker, api.post("/api/v1/fraud/rules", json=rule, headers=admin))
    statuses = [_send(api, ada, source, destination, f"{marker:.2f}")["status"] for _ in range(5)]
    assert statuses[:3] == ["COMPLETED"] * 3 and statuses[3:] == ["PENDING_REVIEW"] * 2


def test_an_analyst_resolves_cases_moving_or_releasing_the_held_money(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    bob = new_customer(api, admin)
    source, destination = open_account(api, ada), open_account(api, bob)
    api.put(f"/api/v1/accounts/{source}/limits", json={"daily_outgoing_limit": "100000.00"}, headers=admin)
    deposit(api, ada, source, "30000.00")
    genuine = _send(api, ada, source, destination, "12000.00")
    stolen = _send(api, ada, source, destination, "11000.00")
    assert genuine["status"] == stolen["status"] == "PENDING_REVIEW"
    assert balance(api, ada.headers, source)["available_balance"] == "7000.00"
    assert api.get("/api/v1/fraud/cases", headers=ada.headers).status_code == 403

    def open_case_of(transaction_id: str) -> list[dict[str, object]]:
        found = api.get("/api/v1/fraud/cases", params={"transaction_id": transaction_id}, headers=admin)
        assert found.status_code == 200, found.text
        assert found.json()["next_cursor"] is None
        items: list[dict[str, object]] = found.json()["items"]
        return items

    case_of = {}
    for held in (genuine, stolen):
        [found] = open_case_of(held["transaction_id"])
        assert found["transaction_id"] == held["transaction_id"] and found["verdict"] == "review"
        case_of[held["transaction_id"]] = found["case_id"]
    assert open_case_of(str(uuid.uuid4())) == []
    for transaction, resolution in ((genuine, "FALSE_POSITIVE"), (stolen, "FRAUD")):
        resolved = api.post(
            f"/api/v1/fraud/cases/{case_of[transaction['transaction_id']]}/resolve",
            json={"resolution": resolution, "note": "checked with the customer"},
            headers=admin,
        )
        assert resolved.status_code == 200, resolved.text
        assert [step["action"] for step in resolved.json()["history"]] == ["opened", f"resolved:{resolution}"]
    after = {
        t["transaction_id"]: api.get(f"/api/v1/transactions/{t['transaction_id']}", headers=ada.headers).json()
        for t in (genuine, stolen)
    }
    assert after[genuine["transaction_id"]]["status"] == "COMPLETED"
    assert (after[stolen["transaction_id"]]["status"], after[stolen["transaction_id"]]["failure_reason"]) == (
        "FAILED",
        "fraud_confirmed",
    )
    state = balance(api, ada.headers, source)
    assert state["balance"] == state["available_balance"] == "18000.00"
    assert balance(api, bob.headers, destination)["balance"] == "12000.00"
    again = api.post(
        f"/api/v1/fraud/cases/{case_of[genuine['transaction_id']]}/resolve", json={"resolution": "FRAUD"}, headers=admin
    )
    assert again.status_code == 409


def test_analyze_is_a_dry_run(api: httpx.Client, ada: Customer, admin: dict[str, str]) -> None:
    account = open_account(api, ada)
    body = {"account_id": account, "amount": "300000.00", "currency": "USD"}
    analysis = api.post("/api/v1/fraud/analyze", json=body, headers=admin)
    assert analysis.status_code == 200, analysis.text
    assert analysis.json()["verdict"] == "block" and "rule:very_large_amount_block" in analysis.json()["reasons"]
    assert api.post("/api/v1/fraud/analyze", json=body, headers=ada.headers).status_code == 403
    assert api.get("/api/v1/fraud/model", headers=admin).json()["model_version"] is None


def test_when_the_scorer_does_not_answer_the_policy_applies(ray_driver: None, settings: Settings) -> None:
    """With no Fraud deployment answering, small transfers go through and large ones wait for review."""
    scorer = ServeScorer(timeout_ms=200, allow_under_units=100, app_name="no-such-app")

    def verdict(amount_minor: int) -> Verdict:
        request = ScoringRequest(uuid.uuid4(), "TRANSFER", uuid.uuid4(), None, amount_minor, "USD", uuid.uuid4())
        return asyncio.run(scorer.assess(request)).verdict

    assert verdict(5_000) is Verdict.ALLOW
    assert verdict(50_000) is Verdict.REVIEW

    async def transfers() -> list[asyncpg.Record]:
        banking = await connect_banking(settings, scorer)
        try:
            source, destination = uuid.uuid4(), uuid.uuid4()
            opened = await banking.ledger.execute_many(
                [OpenAccount(uuid.uuid4(), account, AccountType.CHECKING, "USD") for account in (source, destination)]
            )
            funded = await banking.ledger.deposit(uuid.uuid4(), source, 100_000, "USD")
            assert all(result.accepted for result in [*opened, funded])
            user = uuid.uuid4()
            return [
                await banking.transactions.execute(
                    user, Movement(TransactionKind.TRANSFER, source, amount_minor, "USD", destination), uuid.uuid4()
                )
                for amount_minor in (5_000, 50_000)
            ]
        finally:
            await banking.close()

    small, large = asyncio.run(transfers())
    assert small["status"] == "COMPLETED" and small["fraud_verdict"] == "allow"
    assert large["status"] == "PENDING_REVIEW" and large["fraud_verdict"] == "review"

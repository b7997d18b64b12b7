"""Four eyes over HTTP: an admin's reversal waits for a second admin; the maker cannot approve
their own request; two approvals at once reverse once; an expired or rejected request cannot be
approved; which actions need a checker is an admin's setting; customers get 403 everywhere."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from actors.settings import Settings
from models.audit import AuditAction
from tests.audit_client import me, only, query, signed_in_with_roles
from tests.banking_client import Customer, balance, carried_out, deposit, open_account

APPROVALS = "/api/v1/admin/approvals"


def _asked(api: httpx.Client, maker: dict[str, str], transaction_id: str, **headers: str) -> dict[str, Any]:
    response = api.post(
        f"/api/v1/transactions/{transaction_id}/reverse", json={"reason": "paid twice"}, headers={**maker, **headers}
    )
    assert response.status_code == 202, response.text
    request: dict[str, Any] = response.json()
    return request


def _paid_in(api: httpx.Client, customer: Customer, amount: str = "30.00") -> tuple[str, str]:
    account = open_account(api, customer)
    return account, str(deposit(api, customer, account, amount)["transaction_id"])


def _reversals_of(database_url: str, transaction_id: str) -> int:
    statement = "SELECT count(*) AS n FROM transactions WHERE reversal_of = $1 AND status = 'COMPLETED'"
    [row] = asyncio.run(query(database_url, statement, uuid.UUID(transaction_id)))
    return int(row["n"])


def test_a_reversal_waits_for_a_second_admin_and_the_maker_cannot_approve_it(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account, paid_in = _paid_in(api, ada)
    request = _asked(api, admin, paid_in)
    assert (request["status"], request["action"], request["target_id"]) == ("PENDING", "transaction.reverse", paid_in)
    assert request["maker"]["user_id"] == me(api, admin)["user_id"] and request["reason"] == "paid twice"
    assert request["summary"] == "Reverse the deposit of 30.00 USD"
    assert balance(api, ada.headers, account)["balance"] == "30.00"  # nothing moved yet
    approve = f"{APPROVALS}/{request['approval_id']}/approve"

    own = api.post(approve, json={}, headers=admin)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_request")
    support = signed_in_with_roles(api, admin, checker, ["support"])
    assert api.post(approve, json={}, headers=support).status_code == 403
    pending = api.get(APPROVALS, params={"status": "PENDING", "action": "transaction.reverse"}, headers=checker)
    assert request["approval_id"] in [item["approval_id"] for item in pending.json()["items"]]
    second = api.post(f"/api/v1/transactions/{paid_in}/reverse", json={"reason": "again"}, headers=checker)
    assert (second.status_code, second.json()["error"]["code"]) == (409, "approval_pending")

    approved = api.post(approve, json={"reason": "matches the bank statement"}, headers=checker)
    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert done["status"] == "EXECUTED" and done["checker_user_id"] == me(api, checker)["user_id"]
    assert done["result"]["status"] == "COMPLETED" and done["result"]["reversal_of"] == paid_in
    assert balance(api, ada.headers, account)["balance"] == "0.00"
    assert api.get(f"/api/v1/transactions/{paid_in}", headers=ada.headers).json()["status"] == "REVERSED"
    record = only(settings.database_url, AuditAction.APPROVAL_APPROVE, request["approval_id"])
    assert record["reason"] == "matches the bank statement"
    assert record["changes"] == {"before": {"status": "PENDING"}, "after": {"status": "EXECUTING"}}


def test_two_approvals_at_once_reverse_once(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account, paid_in = _paid_in(api, ada, "25.00")
    request = _asked(api, admin, paid_in)
    third = signed_in_with_roles(api, admin, checker, ["admin"])
    approve = f"{APPROVALS}/{request['approval_id']}/approve"
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda who: api.post(approve, json={}, headers=who), [checker, third, checker, third]))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409, 409, 409], [answer.text for answer in answers]
    assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {"already_decided"}
    assert _reversals_of(settings.database_url, paid_in) == 1
    assert balance(api, ada.headers, account)["balance"] == "0.00"


def test_an_expired_request_cannot_be_approved(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account, paid_in = _paid_in(api, ada)
    request = _asked(api, admin, paid_in)
    statement = "UPDATE approval_requests SET expires_at = created_at + interval '1 millisecond' WHERE approval_id = $1"
    asyncio.run(query(settings.database_url, statement, uuid.UUID(request["approval_id"])))
    late = api.post(f"{APPROVALS}/{request['approval_id']}/approve", json={}, headers=checker)
    assert (late.status_code, late.json()["error"]["code"]) == (409, "expired")
    shown = api.get(f"{APPROVALS}/{request['approval_id']}", headers=checker).json()
    assert shown["status"] == "EXPIRED"
    assert balance(api, ada.headers, account)["balance"] == "30.00"
    # The slot is free again: the maker may ask anew.
    assert _asked(api, admin, paid_in, **{"Idempotency-Key": f"again-{uuid.uuid4()}"})["status"] == "PENDING"


def _cut_off(database_url: str, approval_id: str, checker_user_id: str, minutes_ago: int) -> None:
    """The request as a gateway that stopped mid-way leaves it: claimed (EXECUTING), no outcome."""
    statement = """UPDATE approval_requests SET status = 'EXECUTING', result = NULL, checker_user_id = $2,
                          decided_at = now() - make_interval(mins => $3) WHERE approval_id = $1"""
    asyncio.run(query(database_url, statement, uuid.UUID(approval_id), uuid.UUID(checker_user_id), minutes_ago))


def test_a_request_cut_off_while_carried_out_is_settled_from_the_audit_trail(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    checker_id = me(api, checker)["user_id"]
    account, paid_in = _paid_in(api, ada)
    cut = _asked(api, admin, paid_in)
    pending = api.post(f"{APPROVALS}/{cut['approval_id']}/settle", headers=checker)
    assert (pending.status_code, pending.json()["error"]["code"]) == (409, "not_executing")
    _cut_off(settings.database_url, cut["approval_id"], checker_id, 1)
    early = api.post(f"{APPROVALS}/{cut['approval_id']}/settle", headers=checker)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "still_executing")
    blocked = api.post(f"/api/v1/transactions/{paid_in}/reverse", json={"reason": "again"}, headers=admin)
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (409, "approval_pending")  # what it holds up

    _cut_off(settings.database_url, cut["approval_id"], checker_id, 11)
    own = api.post(f"{APPROVALS}/{cut['approval_id']}/settle", headers=admin)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_request")
    settled = api.post(f"{APPROVALS}/{cut['approval_id']}/settle", headers=checker)
    assert settled.status_code == 200, settled.text
    assert (settled.json()["status"], settled.json()["result"]["error"]["code"]) == ("FAILED", "abandoned")
    assert balance(api, ada.headers, account)["balance"] == "30.00"  # nothing was reversed
    record = only(settings.database_url, AuditAction.APPROVAL_SETTLE, cut["approval_id"])
    assert record["changes"] == {"before": {"status": "EXECUTING"}, "after": {"status": "FAILED"}}
    again = _asked(api, admin, paid_in, **{"Idempotency-Key": f"again-{uuid.uuid4()}"})  # the slot is free

    # Carried out, then cut off before its outcome was recorded: the trail shows it was done.
    approved = api.post(f"{APPROVALS}/{again['approval_id']}/approve", json={}, headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "EXECUTED", approved.text
    _cut_off(settings.database_url, again["approval_id"], checker_id, 11)
    settled = api.post(f"{APPROVALS}/{again['approval_id']}/settle", headers=checker)
    assert settled.status_code == 200 and settled.json()["status"] == "EXECUTED", settled.text
    assert settled.json()["result"]["settled_from_audit_seq"] >= 1
    assert balance(api, ada.headers, account)["balance"] == "0.00"  # reversed once


def test_a_rejected_request_is_not_carried_out(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account, paid_in = _paid_in(api, ada)
    request = _asked(api, admin, paid_in)
    path = f"{APPROVALS}/{request['approval_id']}"
    assert api.post(f"{path}/reject", json={"reason": ""}, headers=checker).status_code == 422
    own = api.post(f"{path}/reject", json={"reason": "changed my mind"}, headers=admin)
    assert own.status_code == 403
    rejected = api.post(f"{path}/reject", json={"reason": "the deposit was genuine"}, headers=checker)
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("REJECTED", "the deposit was genuine")
    after = api.post(f"{path}/approve", json={}, headers=checker)
    assert (after.status_code, after.json()["error"]["code"]) == (409, "already_decided")
    assert balance(api, ada.headers, account)["balance"] == "30.00"
    record = only(settings.database_url, AuditAction.APPROVAL_REJECT, request["approval_id"])
    assert record["reason"] == "the deposit was genuine"


def test_which_actions_need_a_checker_is_an_admins_setting(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    auditor = signed_in_with_roles(api, admin, checker, ["auditor"])
    policies = api.get(f"{APPROVALS}/policies", headers=auditor)
    assert policies.status_code == 200
    [policy] = [item for item in policies.json()["items"] if item["action"] == "transaction.reverse"]
    assert policy == {
        "action": "transaction.reverse",
        "required": True,
        "expires_after_s": 86400,
        "checker_role": "admin",
        "above_units": None,
    }
    [limits] = [item for item in policies.json()["items"] if item["action"] == "account.limits.change"]
    assert (limits["required"], limits["above_units"]) == (True, 100000)
    no_amount = {"required": True, "expires_after_s": 86400, "above_units": 5}
    assert api.put(f"{APPROVALS}/policies/transaction.reverse", json=no_amount, headers=admin).status_code == 422
    path = f"{APPROVALS}/policies/transaction.reverse"
    assert api.put(path, json={"required": False, "expires_after_s": 86400}, headers=auditor).status_code == 403
    assert (
        api.put(f"{APPROVALS}/policies/account.open", json=policy | {"required": False}, headers=admin).status_code
        == 422
    )
    unknown = api.put(
        f"{APPROVALS}/policies/account.open", json={"required": False, "expires_after_s": 600}, headers=admin
    )
    assert unknown.status_code == 404
    short = api.put(path, json={"required": True, "expires_after_s": 5}, headers=admin)
    assert short.status_code == 422
    try:
        off = api.put(path, json={"required": False, "expires_after_s": 3600}, headers=admin)
        assert off.status_code == 200 and off.json()["required"] is False
        account, paid_in = _paid_in(api, ada)
        alone = api.post(f"/api/v1/transactions/{paid_in}/reverse", json={"reason": "one admin"}, headers=admin)
        assert alone.status_code == 201 and alone.json()["status"] == "COMPLETED"
        assert balance(api, ada.headers, account)["balance"] == "0.00"
    finally:
        restored = api.put(path, json={"required": True, "expires_after_s": 86400}, headers=admin)
        assert restored.status_code == 200
    statement = "SELECT changes FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 2"
    newest = asyncio.run(query(settings.database_url, statement, AuditAction.APPROVAL_POLICY_CHANGE.value))
    assert [json.loads(row["changes"])["after"]["required"] for row in newest] == [True, False]


def test_a_limit_above_the_threshold_waits_for_a_second_admin_and_one_below_does_not(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account = open_account(api, ada)
    path = f"/api/v1/accounts/{account}/limits"
    below = api.put(path, json={"daily_outgoing_limit": "100000.00"}, headers=admin)  # the threshold itself
    assert below.status_code == 200 and below.json()["daily_outgoing_limit"] == "100000.00"
    asked = api.put(path, json={"daily_outgoing_limit": "150000.00", "overdraft_limit": "200.00"}, headers=admin)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert request["action"] == "account.limits.change" and request["target_id"] == account
    assert request["summary"].startswith(
        "Set the daily outgoing limit to 150000.00 USD and the overdraft line to 200.00 USD"
    )
    assert api.get(f"/api/v1/accounts/{account}", headers=admin).json()["daily_outgoing_limit"] == "100000.00"
    busy = api.put(path, json={"overdraft_limit": "150000.00"}, headers=checker)
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "approval_pending")

    approved = api.post(f"{APPROVALS}/{request['approval_id']}/approve", json={}, headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "EXECUTED", approved.text
    limits = api.get(f"/api/v1/accounts/{account}", headers=admin).json()
    assert (limits["daily_outgoing_limit"], limits["overdraft_limit"]) == ("150000.00", "200.00")
    [*_, record] = [
        row
        for row in asyncio.run(
            query(
                settings.database_url,
                "SELECT * FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY seq",
                AuditAction.ACCOUNT_LIMITS_CHANGE.value,
                account,
            )
        )
    ]
    after = json.loads(record["changes"])["after"]
    assert str(record["actor_user_id"]) == me(api, admin)["user_id"]
    assert (after["daily_outgoing_limit"], after["approved_by"]) == ("150000.00", me(api, checker)["user_id"])


def test_staff_closing_a_customers_account_waits_for_a_second_admin_and_the_owner_does_not(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    funded = open_account(api, ada)
    deposit(api, ada, funded, "5.00")
    refused = api.delete(f"/api/v1/accounts/{funded}", headers=admin)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "balance_not_zero")  # nobody is asked

    account = open_account(api, ada)
    asked = api.delete(f"/api/v1/accounts/{account}", headers={**admin, "Idempotency-Key": f"close-{account}"})
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["action"], request["target_id"]) == ("account.close", account)
    assert request["summary"].startswith("Close account ")
    again = api.delete(f"/api/v1/accounts/{account}", headers={**admin, "Idempotency-Key": f"close-{account}"})
    assert (again.status_code, again.json()["approval_id"]) == (202, request["approval_id"])  # a retry asks once
    assert api.get(f"/api/v1/accounts/{account}", headers=admin).json()["status"] == "ACTIVE"
    own = api.post(f"{APPROVALS}/{request['approval_id']}/approve", json={}, headers=admin)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_request")

    approved = api.post(f"{APPROVALS}/{request['approval_id']}/approve", json={}, headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "EXECUTED", approved.text
    assert approved.json()["result"]["status"] == "CLOSED"
    assert api.get(f"/api/v1/accounts/{account}", headers=ada.headers).json()["status"] == "CLOSED"
    record = only(settings.database_url, AuditAction.ACCOUNT_CLOSE, account)
    assert str(record["actor_user_id"]) == me(api, admin)["user_id"]
    assert record["changes"]["after"]["approved_by"] == me(api, checker)["user_id"]

    mine = open_account(api, ada)
    assert api.delete(f"/api/v1/accounts/{mine}", headers=ada.headers).status_code == 200  # the owner's own


def test_lifting_a_freeze_for_fraud_waits_for_a_second_admin_and_other_freezes_do_not(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    support = signed_in_with_roles(api, admin, checker, ["support"])
    account = open_account(api, ada)
    path = f"/api/v1/accounts/{account}"
    assert api.post(f"{path}/freeze", json={"reason": "a hunch"}, headers=support).status_code == 422
    frozen = api.post(f"{path}/freeze", json={"reason": "fraud", "note": "takeover reported"}, headers=support)
    assert frozen.status_code == 200 and frozen.json()["status"] == "FROZEN", frozen.text
    record = only(settings.database_url, AuditAction.ACCOUNT_FREEZE, account)
    assert (record["changes"]["after"]["freeze_reason"], record["reason"]) == ("fraud", "takeover reported")

    asked = api.post(f"{path}/unfreeze", headers=support)
    assert asked.status_code == 202, asked.text
    assert asked.json()["summary"].startswith("Unfreeze account ") and asked.json()["summary"].endswith("for fraud")
    assert api.get(path, headers=admin).json()["status"] == "FROZEN"
    own = api.post(f"{APPROVALS}/{asked.json()['approval_id']}/approve", json={}, headers=support)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "forbidden")  # support asks; admins decide
    assert carried_out(api, checker, asked)["status"] == "ACTIVE"
    record = only(settings.database_url, AuditAction.ACCOUNT_UNFREEZE, account)
    assert str(record["actor_user_id"]) == me(api, support)["user_id"]
    assert record["changes"]["after"]["approved_by"] == me(api, checker)["user_id"]

    for reason in ("customer_request", None):  # any other freeze is lifted at once, as before
        body = {} if reason is None else {"json": {"reason": reason}}
        assert api.post(f"{path}/freeze", headers=support, **body).json()["status"] == "FROZEN"
        assert api.post(f"{path}/unfreeze", headers=support).json()["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", APPROVALS),
        ("GET", f"{APPROVALS}/policies"),
        ("GET", f"{APPROVALS}/00000000-0000-4000-8000-000000000000"),
        ("POST", f"{APPROVALS}/00000000-0000-4000-8000-000000000000/approve"),
        ("POST", f"{APPROVALS}/00000000-0000-4000-8000-000000000000/reject"),
        ("PUT", f"{APPROVALS}/policies/transaction.reverse"),
    ],
)
def test_customers_get_403_on_every_approval_route(api: httpx.Client, ada: Customer, method: str, path: str) -> None:
    body = {"reason": "x"} if method == "POST" else {"required": False, "expires_after_s": 3600}
    response = api.request(method, path, headers=ada.headers, json=None if method == "GET" else body)
    assert response.status_code == 403, response.text

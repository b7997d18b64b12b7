"""The rest of the audited actions, each over HTTP: identity documents uploaded and viewed, a
reversal, fraud rules, list entries and cases, an admin's message, and a model promotion
(through the registry, as both the API and `bankflow pipelines promote` do it)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from actors.documents import LocalDocumentStore
from actors.fraud.registry import ModelRegistry, RegistryError
from actors.settings import Settings
from models.audit import MASK, OPERATOR, AuditAction, AuditActor, AuditOrigin
from tests.audit_client import by, me, only, query, records, sent
from tests.banking_client import PDF, Customer, deposit, new_customer, open_account


def test_a_document_upload_and_every_view_of_it_are_recorded(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    holder = new_customer(api, None, approve=False)
    files = {"file": ("scan.pdf", PDF, "application/pdf")}
    path = f"/api/v1/customers/{holder.customer_id}/documents"
    uploaded = sent(api, "POST", path, holder.headers, 201, data={"kind": "utility_bill"}, files=files)
    document = uploaded.json()
    record = only(settings.database_url, AuditAction.DOCUMENT_UPLOAD, document["document_id"])
    by(record, me(api, holder.headers), uploaded)
    assert record["target_type"] == "document"
    assert record["changes"]["after"] == {
        "customer_id": holder.customer_id,
        "kind": "utility_bill",
        "sha256": document["sha256"],
        "size_bytes": len(PDF),
    }

    content = f"{path}/{document['document_id']}/content"
    viewed_by_holder = sent(api, "GET", content, holder.headers)
    viewed_by_staff = sent(api, "GET", content, admin)
    views = records(settings.database_url, AuditAction.DOCUMENT_VIEW, document["document_id"])
    assert len(views) == 2
    by(views[0], me(api, holder.headers), viewed_by_holder)
    by(views[1], me(api, admin), viewed_by_staff)
    assert views[1]["changes"]["after"] == {"customer_id": holder.customer_id, "kind": "utility_bill"}


def test_a_reversal_is_recorded_once_with_its_reason_its_maker_and_its_checker(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account_id = open_account(api, ada)
    paid_in = deposit(api, ada, account_id, "40.00")
    path = f"/api/v1/transactions/{paid_in['transaction_id']}/reverse"
    key = {"Idempotency-Key": f"reverse-{uuid.uuid4()}"}
    asked = sent(api, "POST", path, {**admin, **key}, 202, json={"reason": "deposited twice"})
    repeated = sent(api, "POST", path, {**admin, **key}, 202, json={"reason": "deposited twice"})
    assert repeated.json()["approval_id"] == asked.json()["approval_id"]
    approval_id = asked.json()["approval_id"]
    request_record = only(settings.database_url, AuditAction.APPROVAL_REQUEST, approval_id)
    by(request_record, me(api, admin), asked)
    assert request_record["changes"]["after"]["target"] == f"transaction:{paid_in['transaction_id']}"
    approval = sent(api, "POST", f"/api/v1/admin/approvals/{approval_id}/approve", checker, json={"reason": "checked"})
    reversal = approval.json()["result"]
    by(only(settings.database_url, AuditAction.APPROVAL_APPROVE, approval_id), me(api, checker), approval)
    again = sent(api, "POST", path, {**admin, **key}, 409, json={"reason": "deposited twice"})
    assert again.json()["error"]["code"] == "already_reversed"

    record = only(settings.database_url, AuditAction.TRANSACTION_REVERSE, paid_in["transaction_id"])
    maker = me(api, admin)
    assert str(record["actor_user_id"]) == maker["user_id"] and record["reason"] == "deposited twice"
    assert record["origin"]["request_id"] == approval.headers["X-Request-ID"]  # carried out on approval
    assert record["changes"] == {
        "before": {"status": "COMPLETED"},
        "after": {
            "status": "REVERSED",
            "reversal_id": reversal["transaction_id"],
            "approval_id": approval_id,
            "approved_by": me(api, checker)["user_id"],
        },
    }


def _approved(api: httpx.Client, checker: dict[str, str], asked: httpx.Response) -> httpx.Response:
    return sent(api, "POST", f"/api/v1/admin/approvals/{asked.json()['approval_id']}/approve", checker, json={})


def test_fraud_rules_lists_and_cases_are_recorded_with_what_changed(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, settings: Settings
) -> None:
    staff, second = me(api, admin), me(api, checker)
    rule = {"name": f"a_{uuid.uuid4().hex[:8]}", "condition": {"feature": "amount", "op": ">", "value": 1e9}}
    asked = sent(api, "POST", "/api/v1/fraud/rules", admin, 202, json={**rule, "action": "review"})
    rule_id = asked.json()["target_id"]
    created = _approved(api, checker, asked)
    asked_change = sent(
        api, "PATCH", f"/api/v1/fraud/rules/{rule_id}", admin, 202, json={"active": False, "priority": 7}
    )
    changed = _approved(api, checker, asked_change)
    record = only(settings.database_url, AuditAction.FRAUD_RULE_CREATE, rule_id)
    assert str(record["actor_user_id"]) == staff["user_id"]  # the maker's action, carried out on approval
    assert record["origin"]["request_id"] == created.headers["X-Request-ID"]
    after = record["changes"]["after"]
    assert (after["name"], after["action"], after["approved_by"]) == (rule["name"], "review", second["user_id"])
    by(only(settings.database_url, AuditAction.APPROVAL_REQUEST, asked.json()["approval_id"]), staff, asked)
    record = only(settings.database_url, AuditAction.FRAUD_RULE_CHANGE, rule_id)
    assert str(record["actor_user_id"]) == staff["user_id"]
    assert record["origin"]["request_id"] == changed.headers["X-Request-ID"]
    assert record["changes"] == {
        "before": {"active": True, "priority": 0},
        "after": {
            "active": False,
            "priority": 7,
            "approval_id": asked_change.json()["approval_id"],
            "approved_by": second["user_id"],
        },
    }

    device = f"device-{uuid.uuid4().hex[:8]}"
    entry = {"kind": "device", "value": device, "reason": "seen in a takeover"}
    blocked = sent(api, "POST", "/api/v1/fraud/blacklist", admin, 201, json=entry)
    unblocked = sent(api, "DELETE", f"/api/v1/fraud/blacklist/device/{device}", admin)
    record = only(settings.database_url, AuditAction.FRAUD_LIST_ADD, f"device:{device}")
    by(record, staff, blocked)
    assert record["changes"] == {"before": {}, "after": {"list": "blacklist", "reason": "seen in a takeover"}}
    record = only(settings.database_url, AuditAction.FRAUD_LIST_REMOVE, f"device:{device}")
    by(record, staff, unblocked)
    assert record["changes"] == {"before": {"list": "blacklist", "reason": "seen in a takeover"}, "after": {}}

    source, destination = open_account(api, ada), open_account(api, new_customer(api, admin))
    api.put(f"/api/v1/accounts/{source}/limits", json={"daily_outgoing_limit": "100000.00"}, headers=admin)
    deposit(api, ada, source, "15000.00")
    body = {"from_account_id": source, "to_account_id": destination, "amount": "12000.00", "currency": "USD"}
    held = api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers).json()
    assert held["status"] == "PENDING_REVIEW", held
    found = api.get("/api/v1/fraud/cases", params={"transaction_id": held["transaction_id"]}, headers=admin).json()
    case_id = found["items"][0]["case_id"]
    resolution = {"resolution": "FRAUD", "note": "the customer did not send it"}
    resolved = sent(api, "POST", f"/api/v1/fraud/cases/{case_id}/resolve", admin, json=resolution)
    record = only(settings.database_url, AuditAction.FRAUD_CASE_RESOLVE, case_id)
    by(record, staff, resolved)
    assert record["reason"] == "the customer did not send it"
    assert record["changes"] == {
        "before": {"status": "OPEN", "resolution": None},
        "after": {"status": "RESOLVED", "resolution": "FRAUD"},
    }


def test_an_admins_message_is_recorded_with_the_address_in_part(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    message = {"to": "grace.hopper@example.com", "subject": "Your card", "body": "It is on its way."}
    queued = sent(api, "POST", "/api/v1/notifications/email", admin, 202, json=message)
    record = only(settings.database_url, AuditAction.NOTIFICATION_SEND, queued.json()["notification_id"])
    by(record, me(api, admin), queued)
    assert record["changes"]["after"] == {
        "channel": "EMAIL",
        "email": f"g{MASK}@example.com",
        "subject": "Your card",
        "body": "It is on its way.",
    }


async def _promotions(ledger_database: str, store_dir: Path) -> list[str]:
    """Two versions promoted one after the other, the second forced below the first's AUC-PR; a
    refused promotion leaves no record."""
    pool = await asyncpg.create_pool(ledger_database, min_size=1, max_size=2)
    try:
        registry = ModelRegistry(pool, LocalDocumentStore(store_dir))
        for version, auc_pr in (("v-good", 0.9), ("v-worse", 0.5)):
            await registry.register(version, b"artifact", ["amount"], {"auc_pr": auc_pr}, {})
        admin = AuditActor(uuid.uuid4(), ("admin",), uuid.uuid4())
        await registry.promote("v-good", actor=admin, origin=AuditOrigin("10.0.0.5", "pytest", "request-1"))
        with pytest.raises(RegistryError):
            await registry.promote("v-worse", actor=admin, origin=AuditOrigin())
        await registry.promote("v-worse", force=True, actor=OPERATOR, origin=AuditOrigin(user_agent="cli"))
    finally:
        await pool.close()
    return [str(admin.user_id)]


def test_a_model_promotion_is_recorded_with_the_version_it_replaced(ledger_database: str, tmp_path: Path) -> None:
    [admin_id] = asyncio.run(_promotions(ledger_database, tmp_path))
    promoted = asyncio.run(
        query(
            ledger_database, "SELECT * FROM audit_log WHERE action = $1 ORDER BY seq", AuditAction.MODEL_PROMOTE.value
        )
    )
    assert [(row["target_id"], str(row["actor_user_id"]), row["actor_roles"]) for row in promoted] == [
        ("v-good", admin_id, ["admin"]),
        ("v-worse", "None", ["operator"]),
    ]
    first, forced = (
        records(ledger_database, AuditAction.MODEL_PROMOTE, version)[0] for version in ("v-good", "v-worse")
    )
    assert first["changes"] == {"before": {"serving_version": None}, "after": {"serving_version": "v-good"}}
    assert first["reason"] is None and first["origin"]["request_id"] == "request-1"
    assert forced["changes"] == {"before": {"serving_version": "v-good"}, "after": {"serving_version": "v-worse"}}
    assert forced["reason"].startswith("forced: v-worse has AUC-PR 0.5000 on the holdout, below the serving v-good")

"""The audit trail over HTTP: each audited action leaves exactly one record naming who did it,
from where, and what changed (masked); the service's database connection cannot change a
record; and `bankflow audit verify` passes on the trail the stack wrote, and fails once a
superuser has altered or removed a record."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
import pyotp
import pytest
from aiokafka import AIOKafkaConsumer

from actors.audit import append
from actors.settings import Settings
from cluster import cli
from models.audit import MASK, AuditAction, AuditActor, AuditEntry, AuditOrigin, AuditOutcome, changes
from models.topics import AUDIT_EVENTS
from tests.audit_client import USER_AGENT, by, me, only, query, records, sent, signed_in_with_roles
from tests.banking_client import Customer, carried_out, deposit, new_customer, open_account
from tests.identity_client import STRONG_PASSWORD, bearer, login, new_email, register


def test_a_kyc_decision_is_recorded_once_with_its_admin_and_reason(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    approved, rejected = new_customer(api, None, approve=False), new_customer(api, None, approve=False)
    staff = me(api, admin)
    approval = sent(api, "POST", f"/api/v1/admin/kyc/{approved.customer_id}/approve", admin)
    rejection = sent(
        api, "POST", f"/api/v1/admin/kyc/{rejected.customer_id}/reject", admin, json={"reason": "document unreadable"}
    )

    record = only(settings.database_url, AuditAction.KYC_DECISION, approved.customer_id)
    by(record, staff, approval)
    assert record["target_type"] == "customer"
    assert record["changes"] == {"before": {"kyc_status": "SUBMITTED"}, "after": {"kyc_status": "APPROVED"}}
    record = only(settings.database_url, AuditAction.KYC_DECISION, rejected.customer_id)
    by(record, staff, rejection)
    assert record["changes"]["after"] == {"kyc_status": "REJECTED"} and record["reason"] == "document unreadable"


def test_logins_are_recorded_failed_or_not_and_the_address_is_masked(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    user = register(api, email)
    wrong_password = {"email": email, "password": "Not-The-Password-1"}
    wrong = api.post("/api/v1/auth/login", json=wrong_password, headers={"User-Agent": USER_AGENT})
    assert wrong.status_code == 401
    signed_in = sent(api, "POST", "/api/v1/auth/login", {}, json={"email": email, "password": STRONG_PASSWORD})

    found = records(settings.database_url, AuditAction.LOGIN, str(user["user_id"]))
    assert [(record["outcome"], record["reason"]) for record in found] == [
        ("failure", "wrong_password"),
        ("success", None),
    ]
    failure, success = found
    assert failure["origin"]["request_id"] == wrong.headers["X-Request-ID"] and failure["session_id"] is None
    by(success, me(api, bearer(signed_in.json()["access_token"])), signed_in)
    masked_email = f"{email[0]}{MASK}@example.com"
    assert all(record["changes"] == {"before": {}, "after": {"email": masked_email}} for record in found)
    assert all(STRONG_PASSWORD not in json.dumps(record, default=str) for record in found)

    unknown = new_email()
    assert login(api, unknown).status_code == 401
    statement = "SELECT * FROM audit_log WHERE action = $1 AND target_id IS NULL AND changes->'after'->>'email' = $2"
    rows = asyncio.run(
        query(settings.database_url, statement, AuditAction.LOGIN.value, f"{unknown[0]}{MASK}@example.com")
    )
    assert len(rows) == 1 and rows[0]["actor_user_id"] is None and rows[0]["reason"] == "unknown_email"


def test_freezing_unfreezing_closing_and_limits_are_recorded_once_each(
    api: httpx.Client, admin: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account_id = open_account(api, ada)
    staff, holder = me(api, admin), me(api, ada.headers)
    key = {"Idempotency-Key": f"freeze-{uuid.uuid4()}"}
    frozen = sent(api, "POST", f"/api/v1/accounts/{account_id}/freeze", {**admin, **key})
    sent(api, "POST", f"/api/v1/accounts/{account_id}/freeze", {**admin, **key})  # the same request again
    unfrozen = sent(api, "POST", f"/api/v1/accounts/{account_id}/unfreeze", admin)
    limits = sent(api, "PUT", f"/api/v1/accounts/{account_id}/limits", admin, json={"daily_outgoing_limit": "250.00"})
    closed = sent(api, "DELETE", f"/api/v1/accounts/{account_id}", ada.headers)

    record = only(settings.database_url, AuditAction.ACCOUNT_FREEZE, account_id)
    by(record, staff, frozen)
    assert record["target_type"] == "account"
    assert record["changes"] == {
        "before": {"status": "ACTIVE"},
        "after": {"status": "FROZEN", "freeze_reason": "other"},
    }
    record = only(settings.database_url, AuditAction.ACCOUNT_UNFREEZE, account_id)
    by(record, staff, unfrozen)
    assert record["changes"] == {"before": {"status": "FROZEN"}, "after": {"status": "ACTIVE"}}
    record = only(settings.database_url, AuditAction.ACCOUNT_LIMITS_CHANGE, account_id)
    by(record, staff, limits)
    assert record["changes"]["after"] == {"daily_outgoing_limit": "250.00"}
    record = only(settings.database_url, AuditAction.ACCOUNT_CLOSE, account_id)
    by(record, holder, closed)
    assert record["changes"] == {"before": {"status": "ACTIVE"}, "after": {"status": "CLOSED"}}


def test_a_role_change_is_recorded_with_the_roles_before_and_after(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], settings: Settings
) -> None:
    user = register(api, new_email())
    path = f"/api/v1/admin/users/{user['user_id']}/roles"
    asked = sent(api, "PUT", path, admin, status=202, json={"roles": ["customer", "support"]})
    carried_out(api, checker, asked)
    record = only(settings.database_url, AuditAction.ROLES_CHANGE, str(user["user_id"]))
    assert str(record["actor_user_id"]) == me(api, admin)["user_id"]  # the maker's; from the checker's request
    approval = {"approval_id": asked.json()["approval_id"], "approved_by": me(api, checker)["user_id"]}
    after = {"roles": ["customer", "support"]} | approval
    assert record["changes"] == {"before": {"roles": ["customer"]}, "after": after}
    revoked = sent(api, "PUT", path, admin, json={"roles": ["customer"]})  # taking away: at once
    record = records(settings.database_url, AuditAction.ROLES_CHANGE, str(user["user_id"]))[-1]
    by(record, me(api, admin), revoked)
    assert record["changes"] == {"before": {"roles": ["customer", "support"]}, "after": {"roles": ["customer"]}}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'tidied' WHERE seq = (SELECT max(seq) FROM audit_log)",
        "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
        "TRUNCATE audit_log",
    ],
)
def test_the_services_role_cannot_change_a_record(api: httpx.Client, settings: Settings, statement: str) -> None:
    assert login(api, new_email()).status_code == 401  # at least one record is there
    asyncio.run(_refused(settings.database_url, "audit_log", statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount_minor = amount_minor + 1",
        "DELETE FROM ledger_postings",
        "TRUNCATE ledger_postings",
    ],
)
def test_the_services_role_cannot_rewrite_the_journal(
    api: httpx.Client, ada: Customer, settings: Settings, statement: str
) -> None:
    deposit(api, ada, open_account(api, ada), "12.34")  # at least one posting is there
    asyncio.run(_refused(settings.database_url, "ledger_postings", statement))


async def _refused(database_url: str, table: str, statement: str) -> None:
    """The services' own connection: refused by its grants, as no UPDATE, DELETE or TRUNCATE is granted."""
    connection = await asyncpg.connect(database_url)
    try:
        role = await connection.fetchrow("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert (role["rolname"], role["rolsuper"]) == ("bankflow_service", False)
        count = await connection.fetchval(f"SELECT count(*) FROM {table}")  # nosec B608 -- a test's own constant
        assert count >= 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=f"permission denied for table {table}"):
            await connection.execute(statement)
        assert await connection.fetchval(f"SELECT count(*) FROM {table}") == count  # nosec B608
    finally:
        await connection.close()


def test_the_services_role_still_appends_to_the_trail(api: httpx.Client, settings: Settings) -> None:
    """INSERT and SELECT are all it has on audit_log: a login failure is recorded through it."""
    before = asyncio.run(_count(settings.database_url))
    assert login(api, new_email()).status_code == 401
    assert asyncio.run(_count(settings.database_url)) > before


async def _count(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval("SELECT count(*) FROM audit_log")
        return count
    finally:
        await connection.close()


def _verify(capsys: pytest.CaptureFixture[str], arguments: Sequence[str] = ()) -> tuple[int, str]:
    code = cli.main(["audit", "verify", *arguments])
    return code, capsys.readouterr().out


def test_the_stacks_trail_verifies(
    api: httpx.Client, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert login(api, new_email()).status_code == 401
    monkeypatch.setenv("BANKFLOW_DATABASE_URL", settings.database_url)
    code, output = _verify(capsys, ["--json"])
    result = json.loads(output)
    assert code == cli.EXIT_OK and result["intact"] is True, output
    assert result["checked"] == result["last_seq"] >= 1


async def _seal(database_url: str, count: int) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        for number in range(count):
            entry = AuditEntry(
                AuditAction.ACCOUNT_FREEZE,
                "account",
                str(uuid.UUID(int=number + 1)),
                AuditOutcome.SUCCESS,
                AuditActor(uuid.uuid4(), ("support",), uuid.uuid4()),
                AuditOrigin("10.0.0.9", "pytest", f"request-{number}"),
                changes({"status": "ACTIVE"}, {"status": "FROZEN"}),
            )
            async with connection.transaction():
                await append(connection, entry)
    finally:
        await connection.close()


async def _as_superuser(database_url: str, statement: str) -> None:
    """What a role able to bypass the trigger can do: the trail cannot stop it, only show it."""
    connection = await asyncpg.connect(database_url)
    try:
        assert await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute(statement)
    finally:
        await connection.close()


def test_verify_fails_once_a_superuser_alters_or_removes_a_record(
    ledger_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BANKFLOW_DATABASE_URL", ledger_database)
    asyncio.run(_seal(ledger_database, 5))
    code, output = _verify(capsys, ["--page-rows", "2"])
    assert code == cli.EXIT_OK and "audit trail intact: 5 records" in output, output
    assert "4 records checked" in output  # progress, a page at a time

    asyncio.run(_as_superuser(ledger_database, "UPDATE audit_log SET actor_roles = '{admin}' WHERE seq = 3"))
    code, output = _verify(capsys)
    assert code == cli.EXIT_FAILED and "BROKEN at record 3" in output and "altered" in output, output

    asyncio.run(_as_superuser(ledger_database, "DELETE FROM audit_log WHERE seq IN (2, 3)"))
    code, output = _verify(capsys, ["--json"])
    assert code == cli.EXIT_FAILED
    assert json.loads(output) == {
        "intact": False,
        "checked": 2,
        "last_seq": 4,
        "break_seq": 4,
        "problem": "records 2–3 are missing",
    }


def test_admins_and_auditors_search_the_trail_a_page_at_a_time_and_export_it(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer
) -> None:
    account_id = open_account(api, ada)
    for action in ("freeze", "unfreeze", "freeze"):
        assert api.post(f"/api/v1/accounts/{account_id}/{action}", headers=admin).status_code == 200
    auditor = signed_in_with_roles(api, admin, checker, ["auditor"])
    staff = me(api, admin)

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"target_type": "account", "target_id": account_id, "limit": 2}
    while True:
        response = api.get("/api/v1/admin/audit", params=params, headers=auditor)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert [item["action"] for item in seen] == ["account.freeze", "account.unfreeze", "account.freeze"]
    assert [item["seq"] for item in seen] == sorted((item["seq"] for item in seen), reverse=True)
    assert all(item["actor"]["user_id"] == staff["user_id"] and len(item["hash"]) == 64 for item in seen)

    only_unfreezes = {"target_id": account_id, "action": ["account.unfreeze"], "actor": staff["user_id"]}
    found = api.get("/api/v1/admin/audit", params=only_unfreezes, headers=admin).json()["items"]
    assert [item["action"] for item in found] == ["account.unfreeze"]
    since = seen[0]["occurred_at"]
    newest = api.get("/api/v1/admin/audit", params={"target_id": account_id, "from": since}, headers=admin).json()
    assert [item["seq"] for item in newest["items"]] == [seen[0]["seq"]]
    before = api.get("/api/v1/admin/audit", params={"target_id": account_id, "to": since}, headers=admin).json()
    assert [item["seq"] for item in before["items"]] == [item["seq"] for item in seen[1:]]

    exported = api.get("/api/v1/admin/audit", params={"target_id": account_id, "format": "csv"}, headers=auditor)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].startswith('attachment; filename="audit-')
    lines = exported.text.splitlines()
    assert lines[0].startswith("seq,occurred_at,action,outcome,reason,actor_user_id")
    assert [line.split(",")[2] for line in lines[1:]] == [item["action"] for item in seen]

    # An auditor reads the trail and nothing else: to them, a customer's account is not there.
    assert api.post(f"/api/v1/accounts/{account_id}/unfreeze", headers=auditor).status_code == 404


def test_the_trail_is_closed_to_customers_and_support_and_its_filters_are_checked(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer
) -> None:
    support = signed_in_with_roles(api, admin, checker, ["support"])
    for headers in (ada.headers, support):
        for params in ({}, {"format": "csv"}):
            response = api.get("/api/v1/admin/audit", params=params, headers=headers)
            assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert api.get("/api/v1/admin/audit").status_code == 401
    for params, field in (
        ({"from": "2026-12-01T00:00:00"}, "from"),
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "to"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
    ):
        response = api.get("/api/v1/admin/audit", params=params, headers=admin)
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["error"]["message"]


def test_a_user_sees_their_own_security_events_and_nobody_elses(api: httpx.Client, ada: Customer) -> None:
    email = new_email()
    register(api, email)
    assert login(api, email, "Not-The-Password-1").status_code == 401
    headers = bearer(login(api, email).json()["access_token"])
    secret = api.post("/api/v1/auth/mfa/setup", headers=headers).json()["secret"]
    enabled = api.post("/api/v1/auth/mfa/enable", json={"code": pyotp.TOTP(secret).now()}, headers=headers)
    assert enabled.status_code == 200, enabled.text

    response = api.get("/api/v1/auth/activity", params={"limit": 2}, headers=headers)
    assert response.status_code == 200, response.text
    first = response.json()
    rest = api.get("/api/v1/auth/activity", params={"cursor": first["next_cursor"]}, headers=headers).json()
    events = first["items"] + rest["items"]
    assert [(event["action"], event["outcome"], event["reason"]) for event in events] == [
        ("auth.mfa.enable", "success", None),
        ("auth.login", "success", None),
        ("auth.login", "failure", "wrong_password"),
    ]
    assert rest["next_cursor"] is None
    assert set(events[0]) == {"seq", "occurred_at", "action", "outcome", "reason", "ip_address", "user_agent"}
    theirs = api.get("/api/v1/auth/activity", headers=ada.headers).json()["items"]
    assert not {event["seq"] for event in theirs} & {event["seq"] for event in events}


PUBLISH_WAIT_S = 60


async def _published_records(bootstrap: str, audit_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The `audit-events` CloudEvents of these records, read from the topic's start."""
    consumer = AIOKafkaConsumer(
        AUDIT_EVENTS, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    found: dict[str, dict[str, Any]] = {}
    try:
        deadline = time.monotonic() + PUBLISH_WAIT_S
        while set(found) != audit_ids:
            assert time.monotonic() < deadline, f"only {len(found)} of {len(audit_ids)} records were published"
            for batch in (await consumer.getmany(timeout_ms=500, max_records=5_000)).values():
                for message in batch:
                    event = json.loads(message.value)
                    if event["id"] in audit_ids:
                        found[event["id"]] = event
    finally:
        await consumer.stop()
    return found


def test_each_record_is_published_on_audit_events_with_its_hash(
    api: httpx.Client, admin: dict[str, str], ada: Customer, settings: Settings
) -> None:
    account_id = open_account(api, ada)
    for action in ("freeze", "unfreeze"):
        assert api.post(f"/api/v1/accounts/{account_id}/{action}", headers=admin).status_code == 200
    written = records(settings.database_url, AuditAction.ACCOUNT_FREEZE, account_id) + records(
        settings.database_url, AuditAction.ACCOUNT_UNFREEZE, account_id
    )
    published = asyncio.run(_published_records(settings.kafka_bootstrap, {str(row["audit_id"]) for row in written}))
    for row in written:
        event = published[str(row["audit_id"])]
        assert event["type"] == "com.bankflow.audit.recorded" and event["source"] == "bankflow/audit"
        assert event["subject"] == f"account:{account_id}"
        assert event["data"]["seq"] == row["seq"] and event["data"]["action"] == row["action"]
        assert event["data"]["hash"] == bytes(row["hash"]).hex()
        assert event["data"]["prev_hash"] == bytes(row["prev_hash"]).hex()

"""External transfers and scheduled transfers over HTTP, and the jobs actor's restarts:
no settlement twice, no occurrence lost or doubled."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import ray

from actors.banking.jobs import JOBS_ACTOR_NAME, JOBS_NAMESPACE
from actors.banking.scheduler import occurrence_transaction_id
from actors.settings import Settings
from models.ledger.types import derived_id
from tests.audit_client import signed_in_with_roles
from tests.banking_client import Customer, balance, deposit, new_customer, open_account, wait_for

ROUTING = "021000021"  # a valid ABA check digit


def _external(
    api: httpx.Client, who: Customer, account: str, direction: str, rail: str, amount: str, external_account: str
) -> dict[str, Any]:
    body = {
        "direction": direction,
        "rail": rail,
        "account_id": account,
        "amount": amount,
        "currency": "USD",
        "counterparty": {"name": "Other Bank Customer", "routing_number": ROUTING, "account_number": external_account},
    }
    response = api.post("/api/v1/transactions/external", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _status(api: httpx.Client, who: Customer, transaction_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/transactions/{transaction_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_outgoing_wire_leaves_at_once_and_completes_when_settled(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "100.00")
    sent = _external(api, ada, account, "OUT", "WIRE", "60.00", "12345678")
    assert sent["status"] == "PENDING" and sent["kind"] == "EXTERNAL_OUT"
    assert balance(api, ada.headers, account)["balance"] == "40.00"
    wait_for(lambda: _status(api, ada, sent["transaction_id"])["status"] == "COMPLETED")
    assert balance(api, ada.headers, account)["balance"] == "40.00"


def test_a_returned_transfer_gives_the_money_back(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "100.00")
    sent = _external(api, ada, account, "OUT", "ACH", "70.00", "99990000")
    # The test's ACH window is 2 s and the return comes at its end, which may be a moment after
    # the request: the money has left at once unless it has already come back.
    after_sending = balance(api, ada.headers, account)["balance"]
    assert after_sending == "30.00" or (
        after_sending == "100.00" and _status(api, ada, sent["transaction_id"])["status"] == "RETURNED"
    )
    wait_for(lambda: _status(api, ada, sent["transaction_id"])["status"] == "RETURNED")
    returned = _status(api, ada, sent["transaction_id"])
    assert returned["failure_reason"] == "R03"
    assert [change["status"] for change in returned["status_history"]] == ["PROCESSING", "PENDING", "RETURNED"]
    assert balance(api, ada.headers, account)["balance"] == "100.00"


def test_incoming_money_lands_only_when_the_rails_settle_it(api: httpx.Client, ada: Customer) -> None:
    account = open_account(api, ada)
    incoming = _external(api, ada, account, "IN", "ACH", "25.00", "55554444")
    bounced = _external(api, ada, account, "IN", "ACH", "30.00", "55550001")
    assert incoming["status"] == bounced["status"] == "PENDING"
    # Nothing lands before the rails settle it (which the 2 s ACH window may do a moment later).
    before_settling = balance(api, ada.headers, account)["balance"]
    assert before_settling == "0.00" or (
        before_settling == "25.00" and _status(api, ada, incoming["transaction_id"])["status"] == "COMPLETED"
    )
    wait_for(lambda: _status(api, ada, incoming["transaction_id"])["status"] == "COMPLETED")
    wait_for(lambda: _status(api, ada, bounced["transaction_id"])["status"] == "RETURNED")
    assert _status(api, ada, bounced["transaction_id"])["failure_reason"] == "R01"
    assert balance(api, ada.headers, account)["balance"] == "25.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"routing_number": "021000022"}, "counterparty.routing_number"),
        ({"routing_number": "12345"}, "routing_number"),
        ({"account_number": "12ab5678"}, "counterparty.account_number"),
    ],
)
def test_bad_bank_details_are_422(api: httpx.Client, ada: Customer, change: dict[str, str], field: str) -> None:
    party = {"name": "X", "routing_number": ROUTING, "account_number": "12345678", **change}
    body = {"direction": "OUT", "rail": "WIRE", "account_id": str(uuid.uuid4()), "amount": "1.00"}
    response = api.post(
        "/api/v1/transactions/external", json={**body, "currency": "USD", "counterparty": party}, headers=ada.headers
    )
    assert response.status_code == 422 and field in response.json()["error"]["message"]


def test_a_one_off_scheduled_transfer_runs_once(api: httpx.Client, ada: Customer, admin: dict[str, str]) -> None:
    bob = new_customer(api, admin)
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "50.00")
    body = {
        "from_account_id": source,
        "to_account_id": destination,
        "amount": "12.00",
        "currency": "USD",
        "frequency": "ONCE",
    }
    created = api.post("/api/v1/transactions/scheduled", json=body, headers=ada.headers)
    assert created.status_code == 201, created.text
    schedule_id = created.json()["schedule_id"]

    def finished() -> bool:
        items = api.get("/api/v1/transactions/scheduled", headers=ada.headers).json()["items"]
        return any(item["schedule_id"] == schedule_id and item["status"] == "FINISHED" for item in items)

    wait_for(finished)
    assert balance(api, bob.headers, destination)["balance"] == "12.00"
    assert api.get("/api/v1/transactions/scheduled", headers=bob.headers).json()["items"] == []
    assert api.delete(f"/api/v1/transactions/scheduled/{schedule_id}", headers=bob.headers).status_code == 404


def test_a_failed_occurrence_is_reported_and_a_schedule_can_be_cancelled(
    api: httpx.Client, ada: Customer, admin: dict[str, str]
) -> None:
    bob = new_customer(api, admin)
    source, destination = open_account(api, ada), open_account(api, bob)
    body = {
        "from_account_id": source,
        "to_account_id": destination,
        "amount": "5.00",
        "currency": "USD",
        "frequency": "WEEKLY",
        "count": 4,
    }
    schedule = api.post("/api/v1/transactions/scheduled", json=body, headers=ada.headers).json()

    def first_run() -> list[dict[str, Any]]:
        items = api.get("/api/v1/transactions/scheduled", headers=ada.headers).json()["items"]
        runs: list[dict[str, Any]] = next(i for i in items if i["schedule_id"] == schedule["schedule_id"])[
            "recent_runs"
        ]
        return runs

    wait_for(lambda: bool(first_run()))
    run = first_run()[0]
    assert run["status"] == "FAILED" and run["reason"] == "insufficient_funds"
    cancelled = api.delete(f"/api/v1/transactions/scheduled/{schedule['schedule_id']}", headers=ada.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["next_run_at"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_at": "2001-01-01T00:00:00Z"}, "start_at"),
        ({"frequency": "HOURLY"}, "frequency"),
        ({"frequency": "ONCE", "count": 3}, "frequency"),
        ({"count": 0}, "count"),
        ({"end_date": "2001-01-01"}, "end_date"),
    ],
)
def test_bad_schedules_are_422(api: httpx.Client, ada: Customer, change: dict[str, Any], field: str) -> None:
    source = open_account(api, ada)
    other = open_account(api, ada)
    body = {"from_account_id": source, "to_account_id": other, "amount": "1.00", "currency": "USD"}
    response = api.post(
        "/api/v1/transactions/scheduled", json={**body, "frequency": "DAILY", **change}, headers=ada.headers
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def _future_schedule(api: httpx.Client, owner: Customer, source: str, destination: str) -> dict[str, Any]:
    body = {
        "from_account_id": source,
        "to_account_id": destination,
        "amount": "7.00",
        "currency": "USD",
        "frequency": "DAILY",
        "count": 3,
        "start_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    created = api.post("/api/v1/transactions/scheduled", json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
    schedule: dict[str, Any] = created.json()
    return schedule


def _listed(api: httpx.Client, headers: dict[str, str], **filters: str) -> httpx.Response:
    return api.get("/api/v1/transactions/scheduled", params=filters, headers=headers)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["schedule_id"] for item in response.json()["items"]]


def test_support_lists_a_customers_schedules_but_cannot_cancel_them(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str], checker: dict[str, str]
) -> None:
    support = signed_in_with_roles(api, admin, checker, ["support"])
    source, destination = open_account(api, ada), open_account(api, bob)
    schedule_id = _future_schedule(api, ada, source, destination)["schedule_id"]

    assert schedule_id in _ids(_listed(api, support, customer_id=ada.customer_id))
    assert _ids(_listed(api, support, account_id=source)) == [schedule_id]
    assert _ids(_listed(api, support, customer_id=bob.customer_id, account_id=source)) == []
    assert schedule_id not in _ids(_listed(api, support))  # unfiltered: the caller's own
    assert _ids(_listed(api, ada.headers, account_id=source)) == [schedule_id]
    unknown = _listed(api, support, customer_id=str(uuid.uuid4()))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")

    refused = api.delete(f"/api/v1/transactions/scheduled/{schedule_id}", headers=support)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    assert "admin" in refused.json()["error"]["message"]
    still = next(item for item in _listed(api, ada.headers).json()["items"] if item["schedule_id"] == schedule_id)
    assert still["status"] == "ACTIVE" and still["next_run_at"] is not None


def test_another_customer_neither_sees_nor_cancels_a_schedule(api: httpx.Client, ada: Customer, bob: Customer) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    schedule_id = _future_schedule(api, ada, source, destination)["schedule_id"]
    for filters in ({"customer_id": ada.customer_id}, {"account_id": source}):
        hidden = _listed(api, bob.headers, **filters)
        assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found"), filters
    assert schedule_id not in _ids(_listed(api, bob.headers, account_id=destination))
    refused = api.delete(f"/api/v1/transactions/scheduled/{schedule_id}", headers=bob.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")
    assert _ids(_listed(api, ada.headers, account_id=source)) == [schedule_id]


def test_an_admin_cancels_a_customers_schedule_and_it_never_runs(
    api: httpx.Client, ada: Customer, bob: Customer, admin: dict[str, str], settings: Settings
) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "100.00")
    schedule_id = _future_schedule(api, ada, source, destination)["schedule_id"]

    cancelled = api.delete(f"/api/v1/transactions/scheduled/{schedule_id}", headers=admin)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["next_run_at"] is None
    again = api.delete(f"/api/v1/transactions/scheduled/{schedule_id}", headers=admin)
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"

    # Its occurrences fall due, as if the month had passed; then a one-off due now is a marker:
    # once the scheduler ran the marker, it had the cancelled schedule's turn too.
    asyncio.run(
        _fetch(
            settings,
            """UPDATE scheduled_transfers SET start_at = start_at - interval '60 days',
                   next_run_at = next_run_at - interval '60 days' WHERE schedule_id = $1""",
            uuid.UUID(schedule_id),
        )
    )
    marker = {"from_account_id": source, "to_account_id": destination, "amount": "1.00", "currency": "USD"}
    created = api.post("/api/v1/transactions/scheduled", json={**marker, "frequency": "ONCE"}, headers=ada.headers)
    assert created.status_code == 201, created.text
    marker_id = created.json()["schedule_id"]

    def statuses() -> dict[str, str]:
        return {item["schedule_id"]: item["status"] for item in _listed(api, ada.headers).json()["items"]}

    wait_for(lambda: statuses().get(marker_id) == "FINISHED")
    item = next(item for item in _listed(api, ada.headers).json()["items"] if item["schedule_id"] == schedule_id)
    assert (item["status"], item["runs_done"], item["recent_runs"]) == ("CANCELLED", 0, [])
    assert balance(api, bob.headers, destination)["balance"] == "1.00"


def _kill_jobs() -> None:
    """Kill the jobs actor's process; Ray restarts it (max_restarts=-1)."""
    ray.kill(ray.get_actor(JOBS_ACTOR_NAME, namespace=JOBS_NAMESPACE), no_restart=False)


async def _fetch(settings: Settings, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(settings.database_url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def test_a_restart_mid_schedule_loses_and_doubles_no_occurrence(
    api: httpx.Client, ada: Customer, admin: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    bob = new_customer(api, admin)
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "1000.00")
    occurrences = 120
    body = {
        "from_account_id": source,
        "to_account_id": destination,
        "amount": "0.50",
        "currency": "USD",
        "frequency": "DAILY",
        "count": occurrences,
        "start_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    schedule_id = api.post("/api/v1/transactions/scheduled", json=body, headers=ada.headers).json()["schedule_id"]
    # The bank was down for months: every occurrence is overdue, and the scheduler catches up.
    asyncio.run(
        _fetch(
            settings,
            """UPDATE scheduled_transfers SET start_at = start_at - interval '200 days',
                   next_run_at = next_run_at - interval '200 days' WHERE schedule_id = $1""",
            uuid.UUID(schedule_id),
        )
    )

    def runs_done() -> int:
        rows = asyncio.run(
            _fetch(settings, "SELECT count(*) AS n FROM scheduled_runs WHERE schedule_id = $1", uuid.UUID(schedule_id))
        )
        return int(rows[0]["n"])

    wait_for(lambda: runs_done() > 0)
    _kill_jobs()
    wait_for(lambda: runs_done() > occurrences // 2, timeout_s=120)
    _kill_jobs()
    wait_for(lambda: runs_done() == occurrences, timeout_s=120)
    runs = asyncio.run(
        _fetch(
            settings,
            "SELECT occurrence, transaction_id, status FROM scheduled_runs WHERE schedule_id = $1 ORDER BY occurrence",
            uuid.UUID(schedule_id),
        )
    )
    assert [run["occurrence"] for run in runs] == list(range(occurrences))
    expected_ids = [occurrence_transaction_id(uuid.UUID(schedule_id), n) for n in range(occurrences)]
    assert [run["transaction_id"] for run in runs] == expected_ids
    assert {run["status"] for run in runs} == {"COMPLETED"}
    assert balance(api, bob.headers, destination)["balance"] == f"{occurrences * 0.5:.2f}"
    assert balance(api, ada.headers, source)["balance"] == f"{1000 - occurrences * 0.5:.2f}"


def test_a_restart_mid_settlement_settles_nothing_twice(
    api: httpx.Client, ada: Customer, settings: Settings, ray_driver: None
) -> None:
    account = open_account(api, ada)
    deposit(api, ada, account, "1000.00")
    sent = [_external(api, ada, account, "OUT", "ACH", "10.00", "12345678" if n % 3 else "12340000") for n in range(24)]
    _kill_jobs()
    wait_for(lambda: _status(api, ada, sent[0]["transaction_id"])["status"] != "PENDING")
    _kill_jobs()
    for item in sent:
        wait_for(lambda item=item: _status(api, ada, item["transaction_id"])["status"] in ("COMPLETED", "RETURNED"))
    returned = [item for item in sent if _status(api, ada, item["transaction_id"])["status"] == "RETURNED"]
    assert len(returned) == 8
    assert balance(api, ada.headers, account)["balance"] == "840.00"
    ids = [uuid.UUID(item["transaction_id"]) for item in sent]
    answers = asyncio.run(
        _fetch(settings, "SELECT status, answered_at FROM external_transfers WHERE transaction_id = ANY($1)", ids)
    )
    assert len(answers) == 24 and all(row["answered_at"] is not None for row in answers)
    refunds = asyncio.run(
        _fetch(
            settings,
            "SELECT count(*) AS n FROM ledger_postings WHERE transfer_id = ANY($1) AND account_id = $2",
            [derived_id(transaction_id, "return") for transaction_id in ids],
            uuid.UUID(account),
        )
    )
    assert refunds[0]["n"] == 8
    for item in sent:
        history = _status(api, ada, item["transaction_id"])["status_history"]
        assert [change["status"] for change in history][-1] in ("COMPLETED", "RETURNED")
        assert len(history) == 3

"""Daily outgoing limits: a refused reservation counts nothing, one transaction counts once,
racing reservations never pass the limit together, and every way a movement ends without its
money leaving (refused, voided, expired, captured for less, rejected in review) gives its
reservation back, once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from hypothesis import given
from hypothesis import strategies as st

from actors.banking.limits import DailyOutgoing, Reservation, first_fit, release_in
from tests.banking_client import Customer, balance, deposit, open_account, wait_for

amounts = st.lists(st.integers(min_value=1, max_value=500), max_size=30)


@given(used=st.integers(min_value=0, max_value=1_000), limit=st.integers(min_value=0, max_value=2_000), wanted=amounts)
def test_first_fit_admits_in_order_each_that_still_fits(used: int, limit: int, wanted: list[int]) -> None:
    reservations = [Reservation(uuid.uuid4(), amount) for amount in wanted]
    admitted = first_fit(used, limit, reservations)
    admitted_ids = {reservation.transaction_id for reservation in admitted}
    assert [r for r in reservations if r.transaction_id in admitted_ids] == admitted  # order kept
    counted = used
    for reservation in reservations:  # each refusal did not fit when its turn came
        if reservation.transaction_id in admitted_ids:
            counted += reservation.amount_minor
        else:
            assert counted + reservation.amount_minor > limit
    assert used + sum(r.amount_minor for r in admitted) <= max(limit, used)


async def _counted(pool: asyncpg.Pool, account_id: uuid.UUID) -> tuple[int, int]:
    """(the day's counter, the sum of the account's reservations): always equal."""
    used = await pool.fetchval(
        "SELECT coalesce(sum(used_minor), 0) FROM daily_outgoing WHERE account_id = $1", account_id
    )
    held = await pool.fetchval(
        "SELECT coalesce(sum(amount_minor), 0) FROM outgoing_reservations WHERE account_id = $1", account_id
    )
    return int(used), int(held)


async def test_a_refused_reservation_counts_nothing_and_one_transaction_counts_once(ledger_database: str) -> None:
    pool = await asyncpg.create_pool(ledger_database, min_size=1, max_size=2)
    try:
        limits, account = DailyOutgoing(pool), uuid.uuid4()
        over, small = Reservation(uuid.uuid4(), 150), Reservation(uuid.uuid4(), 10)
        assert await limits.reserve(account, [over], 100) == set()  # the day's first movement, above the limit
        assert await _counted(pool, account) == (0, 0)
        assert await limits.reserve(account, [small], 100) == {small.transaction_id}
        assert await limits.reserve(account, [small], 100) == {small.transaction_id}  # a retry: held, not counted
        assert await _counted(pool, account) == (10, 10)
        batch = [Reservation(uuid.uuid4(), amount) for amount in (40, 70, 30, 21)]
        granted = await limits.reserve(account, [small, *batch], 100)
        assert granted == {small.transaction_id, batch[0].transaction_id, batch[2].transaction_id}
        assert await _counted(pool, account) == (80, 80)
    finally:
        await pool.close()


async def test_racing_reservations_never_pass_the_limit_together(ledger_database: str) -> None:
    pool = await asyncpg.create_pool(ledger_database, min_size=20, max_size=20)
    try:
        limits, account = DailyOutgoing(pool), uuid.uuid4()
        assert await limits.reserve(account, [Reservation(uuid.uuid4(), 30)], 100)
        racers = [Reservation(uuid.uuid4(), 10) for _ in range(20)]
        answers = await asyncio.gather(*(limits.reserve(account, [racer], 100) for racer in racers))
        assert sum(len(granted) for granted in answers) == 7  # exactly the last 70 units, no more
        assert await _counted(pool, account) == (100, 100)
    finally:
        await pool.close()


async def test_a_release_gives_back_what_a_reservation_still_holds_once(ledger_database: str) -> None:
    pool = await asyncpg.create_pool(ledger_database, min_size=4, max_size=4)
    try:
        limits, account = DailyOutgoing(pool), uuid.uuid4()
        whole, partial = Reservation(uuid.uuid4(), 50), Reservation(uuid.uuid4(), 40)
        assert len(await limits.reserve(account, [whole, partial], 100)) == 2

        async def release(kept: list[tuple[uuid.UUID, int]]) -> None:
            async with pool.acquire() as connection, connection.transaction():
                await release_in(connection, kept)

        await asyncio.gather(*(release([(whole.transaction_id, 0)]) for _ in range(4)))  # concurrent: counted once
        assert await _counted(pool, account) == (40, 40)
        await release([(partial.transaction_id, 25)])  # captured 25 of 40
        await release([(partial.transaction_id, 25)])
        await release([(uuid.uuid4(), 0)])  # never reserved: nothing to give back
        assert await _counted(pool, account) == (25, 25)
    finally:
        await pool.close()


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

"""Faults under HTTP load: every database connection terminated, again and again, and a ledger
shard killed in the middle of concurrent transfers. Every answer is 2xx, 4xx or 503 with
Retry-After (a 500 is only ever a bug), and afterwards every transfer that answered 503 or timed
out has, once retried with its Idempotency-Key, exactly one final outcome that agrees with the
journal; money is neither lost nor invented."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
import httpx
import psycopg
import ray

from actors.banking.records import Draft, TransactionRecords
from actors.ledger.client import LedgerClient
from actors.ledger.placement import LEDGER_NAMESPACE, shard_actor_name
from actors.settings import Settings
from models.ledger.commands import Transfer, Withdrawal
from models.ledger.types import derived_id
from models.transactions import TransactionKind, TransactionStatus
from tests.banking_client import Customer, balance, deposit, new_customer, open_account, wait_for

CLIENTS = 8
TRANSFERS_PER_CLIENT = 30
FUNDS = Decimal("1000.00")
REQUEST_TIMEOUT_S = 30.0
RETRY_DEADLINE_S = 120.0


@dataclass
class Sent:
    key: str
    customer: Customer
    body: dict[str, str]
    status: int | None  # None: timed out
    answer: dict[str, object] | None


def _post(client: httpx.Client, sent: Sent) -> httpx.Response:
    headers = {**sent.customer.headers, "Idempotency-Key": sent.key}
    return client.post("/api/v1/transactions/transfer", json=sent.body, headers=headers)


def _client_load(api_url: str, accounts: list[tuple[Customer, str]], seed: int, out: list[Sent]) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=api_url, timeout=REQUEST_TIMEOUT_S) as client:
        for _ in range(TRANSFERS_PER_CLIENT):
            (customer, source), (_, destination) = rng.sample(accounts, 2)
            amount = f"{rng.randint(1, 5000) / 100:.2f}"
            body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
            sent = Sent(f"fault-{uuid.uuid4()}", customer, body, None, None)
            try:
                response = _post(client, sent)
                sent.status, sent.answer = response.status_code, response.json()
                if response.status_code == 503:
                    assert int(response.headers["Retry-After"]) > 0
                    assert sent.answer["error"]["code"] == "temporarily_unavailable"  # type: ignore[index]
            except httpx.TimeoutException:
                pass
            out.append(sent)


def _faults(settings: Settings, stop: threading.Event, counts: dict[str, int]) -> None:
    """Terminate every connection of the bank's database every 0.3 s, and kill a shard once."""
    database = settings.database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        round_number = 0
        while not stop.is_set() and round_number < 40:
            time.sleep(0.3)
            row = admin.execute(
                """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                   WHERE datname = %s AND pid <> pg_backend_pid()""",
                (database,),
            ).fetchone()
            counts["terminated"] += int(row[0]) if row else 0
            if round_number == 3:
                ray.kill(ray.get_actor(shard_actor_name("ledger", 1), namespace=LEDGER_NAMESPACE), no_restart=False)
                counts["killed"] += 1
            round_number += 1


def _final(api: httpx.Client, sent: Sent) -> dict[str, object]:
    """The transfer's answer once retried with its key until it is not 503 (nor a timeout)."""
    deadline = time.monotonic() + RETRY_DEADLINE_S
    while sent.status in (None, 503):
        assert time.monotonic() < deadline, f"{sent.key} still unavailable after {RETRY_DEADLINE_S} s"
        time.sleep(0.2)
        try:
            response = _post(api, sent)
            sent.status, sent.answer = response.status_code, response.json()
        except httpx.TimeoutException:
            sent.status = None
    assert sent.answer is not None
    return sent.answer


def test_connections_cut_and_a_shard_killed_mid_load_answer_503_and_heal(
    api: httpx.Client, api_url: str, admin: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    accounts = []
    for _ in range(4):
        customer = new_customer(api, admin)
        account = open_account(api, customer)
        deposit(api, customer, account, str(FUNDS))
        accounts.append((customer, account))
    results: list[list[Sent]] = [[] for _ in range(CLIENTS)]
    loads = [
        threading.Thread(target=_client_load, args=(api_url, accounts, seed, results[seed])) for seed in range(CLIENTS)
    ]
    stop, counts = threading.Event(), {"terminated": 0, "killed": 0}
    faults = threading.Thread(target=_faults, args=(settings, stop, counts))
    for thread in [*loads, faults]:
        thread.start()
    for thread in loads:
        thread.join()
    stop.set()
    faults.join()
    assert counts["terminated"] > 0 and counts["killed"] == 1

    sent = [item for items in results for item in items]
    assert len(sent) == CLIENTS * TRANSFERS_PER_CLIENT
    unexpected = [(item.status, item.answer) for item in sent if item.status not in (None, 201, 409, 422, 503)]
    assert not unexpected, f"answers other than 2xx, 4xx or 503: {unexpected[:5]}"
    interrupted = sum(1 for item in sent if item.status in (None, 503))

    completed = Decimal(0)
    moved: dict[str, Decimal] = {account: Decimal(0) for _, account in accounts}
    with psycopg.connect(settings.database_url) as database:
        for item in sent:
            answer = _final(api, item)
            assert item.status == 201, answer
            transaction_id = str(answer["transaction_id"])
            deadline = time.monotonic() + RETRY_DEADLINE_S
            while answer["status"] in ("PROCESSING", "PENDING") and time.monotonic() < deadline:
                time.sleep(0.2)
                answer = api.get(f"/api/v1/transactions/{transaction_id}", headers=item.customer.headers).json()
            journal = database.execute(
                "SELECT status FROM ledger_transfers WHERE transfer_id = %s", (transaction_id,)
            ).fetchone()
            if answer["status"] == "COMPLETED":
                assert journal is not None and journal[0] == "COMPLETED", (answer, journal)
                amount = Decimal(str(answer["amount"]))
                moved[item.body["from_account_id"]] -= amount
                moved[item.body["to_account_id"]] += amount
                completed += amount
            else:
                assert answer["status"] == "FAILED", answer
                assert journal is None or journal[0] != "COMPLETED", (answer, journal)
    for customer, account in accounts:
        assert Decimal(balance(api, customer.headers, account)["balance"]) == FUNDS + moved[account]
    assert completed > 0, f"no transfer completed ({interrupted} interrupted)"


def test_a_movement_whose_answer_never_reached_the_read_model_is_completed_by_the_projector(
    api: httpx.Client, admin: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    """The ledger committed, then the service lost its connection before recording the answer
    (and the client never retried): the projector brings the transaction to what the ledger did."""
    customer = new_customer(api, admin)
    account = uuid.UUID(open_account(api, customer))
    deposit(api, customer, str(account), "100.00")
    payment_id, sent_id = uuid.uuid4(), uuid.uuid4()

    async def commit_without_answer() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
        client = LedgerClient(settings.database_url, settings.account_shards)
        try:
            records, user = TransactionRecords(pool), uuid.UUID(customer.user_id)
            kinds = ((payment_id, TransactionKind.PAYMENT), (sent_id, TransactionKind.EXTERNAL_OUT))
            for transaction_id, kind in kinds:
                draft = Draft(transaction_id, kind, account, None, 3_000, "USD", None, "Hotel", user)
                await records.create(draft, TransactionStatus.PROCESSING)
            settlement = client.settlement_account_id(account, "USD")
            hold = await client.execute(Transfer(payment_id, account, settlement, 3_000, "USD", 3_600_000))
            sent = await client.execute(Withdrawal(sent_id, account, 3_000, "USD"))
            assert hold.accepted and sent.accepted
        finally:
            await client.close()
            await pool.close()

    asyncio.run(commit_without_answer())

    def status_of(transaction_id: uuid.UUID) -> str:
        response = api.get(f"/api/v1/transactions/{transaction_id}", headers=customer.headers)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    wait_for(lambda: status_of(payment_id) == "PENDING" and status_of(sent_id) == "PENDING")
    captured = api.post(f"/api/v1/transactions/{payment_id}/capture", headers=customer.headers)
    assert captured.status_code == 200 and captured.json()["status"] == "COMPLETED", captured.text
    assert balance(api, customer.headers, str(account))["balance"] == "40.00"


def test_a_review_rejection_the_projector_sees_first_still_reads_fraud_confirmed(
    api: httpx.Client, admin: dict[str, str], settings: Settings, ray_driver: None
) -> None:
    """An analyst's rejection voids the hold, then records the decision; the projector may reach
    the row in between. Either way the customer reads why: fraud_confirmed, not voided."""
    customer = new_customer(api, admin)
    source, destination = uuid.UUID(open_account(api, customer)), uuid.UUID(open_account(api, customer))
    deposit(api, customer, str(source), "100.00")
    transaction_id = uuid.uuid4()

    async def held_then_voided_without_the_decision() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
        client = LedgerClient(settings.database_url, settings.account_shards)
        try:
            draft = Draft(transaction_id, TransactionKind.TRANSFER, source, destination, 3_000, "USD", None, None,
                          uuid.UUID(customer.user_id))  # fmt: skip
            await TransactionRecords(pool).create(draft, TransactionStatus.PENDING_REVIEW, ("review", 70, ["test"]))
            held = await client.execute(Transfer(transaction_id, source, destination, 3_000, "USD", 3_600_000))
            assert held.accepted
            voided = await client.void_pending(derived_id(transaction_id, "void"), transaction_id)
            assert voided.accepted
        finally:
            await client.close()
            await pool.close()

    asyncio.run(held_then_voided_without_the_decision())

    def state() -> tuple[str, str | None]:
        response = api.get(f"/api/v1/transactions/{transaction_id}", headers=customer.headers)
        assert response.status_code == 200, response.text
        return response.json()["status"], response.json()["failure_reason"]

    wait_for(lambda: state()[0] == "FAILED")
    assert state() == ("FAILED", "fraud_confirmed")
    assert balance(api, customer.headers, str(source))["balance"] == "100.00"

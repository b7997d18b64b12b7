"""The actor ledger against real PostgreSQL, its shards running in this process."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from actors.ledger.journal import FencedError
from actors.outbox_relay import row_events
from models.ledger.commands import StatusAction, Transfer
from models.ledger.routing import shard_of
from models.ledger.types import AccountStatus, AccountType, RejectReason, TransferStatus
from tests.ledger_harness import LocalLedger, check_invariants, start_local_ledger


async def _funded(ledger: LocalLedger, amount_minor: int, currency: str = "USD") -> uuid.UUID:
    account_id, opened = await ledger.client.open_account(AccountType.CHECKING, currency, customer_id=uuid.uuid4())
    assert opened.accepted, opened
    if amount_minor:
        deposited = await ledger.client.deposit(uuid.uuid4(), account_id, amount_minor, currency)
        assert deposited.status is TransferStatus.COMPLETED, deposited
    return account_id


def _on_other_shards(ledger: LocalLedger, first: uuid.UUID, second: uuid.UUID) -> bool:
    count = len(ledger.shards)
    return shard_of(first, count) != shard_of(second, count)


@pytest.fixture(params=[1, 3], ids=["one-shard", "three-shards"])
async def ledger(request: pytest.FixtureRequest, ledger_database: str) -> LocalLedger:
    running = await start_local_ledger(ledger_database, request.param)
    yield running
    await running.stop()


async def test_open_deposit_transfer_withdraw(ledger: LocalLedger, ledger_database: str) -> None:
    alice, bob = await _funded(ledger, 10_000), await _funded(ledger, 0)
    moved = await ledger.client.transfer(Transfer(uuid.uuid4(), alice, bob, 2_500, "USD"))
    assert (moved.accepted, moved.status) == (True, TransferStatus.COMPLETED)
    taken = await ledger.client.withdraw(uuid.uuid4(), bob, 1_000, "USD")
    assert taken.status is TransferStatus.COMPLETED
    alice_balance, bob_balance = await ledger.client.balances([alice, bob])
    assert alice_balance is not None and bob_balance is not None
    assert (alice_balance.balance_minor, bob_balance.balance_minor) == (7_500, 1_500)
    assert alice_balance.version == 3  # opened, deposit, transfer
    await check_invariants(ledger_database, ledger.shards)


async def test_account_numbers_and_rows(ledger: LocalLedger, ledger_database: str) -> None:
    customer = uuid.uuid4()
    account_id, opened = await ledger.client.open_account(AccountType.SAVINGS, "EUR", customer_id=customer)
    assert opened.account_number is not None and len(opened.account_number) == 14
    connection = await asyncpg.connect(ledger_database)
    try:
        row = await connection.fetchrow("SELECT * FROM ledger_accounts WHERE account_id = $1", account_id)
    finally:
        await connection.close()
    assert row is not None
    assert (row["number"], row["customer_id"], row["account_type"]) == (opened.account_number, customer, "SAVINGS")


async def test_same_id_returns_the_first_result_and_another_body_conflicts(ledger: LocalLedger) -> None:
    alice, bob = await _funded(ledger, 1_000), await _funded(ledger, 0)
    transfer = Transfer(uuid.uuid4(), alice, bob, 600, "USD")
    first = await ledger.client.transfer(transfer)
    again = await ledger.client.transfer(transfer)
    assert first.status is again.status is TransferStatus.COMPLETED
    conflict = await ledger.client.transfer(Transfer(transfer.transfer_id, alice, bob, 601, "USD"))
    assert (conflict.accepted, conflict.reason) == (False, RejectReason.DUPLICATE_ID_CONFLICT.value)
    balance = await ledger.client.balance(alice)
    assert balance is not None and balance.balance_minor == 400


async def test_rejections_are_recorded_with_their_reason(ledger: LocalLedger) -> None:
    alice, bob = await _funded(ledger, 100), await _funded(ledger, 0)
    transfer_id = uuid.uuid4()
    refused = await ledger.client.transfer(Transfer(transfer_id, alice, bob, 101, "USD"))
    assert (refused.status, refused.reason) == (TransferStatus.FAILED, "insufficient_funds")
    record = await ledger.client.transfer_record(transfer_id)
    assert record is not None and (record.status, record.reason) == (TransferStatus.FAILED, "insufficient_funds")


async def test_a_hot_account_is_never_overdrawn(ledger: LocalLedger, ledger_database: str) -> None:
    hot = await _funded(ledger, 100_000)
    sinks = [await _funded(ledger, 0) for _ in range(8)]
    transfers = [
        Transfer(uuid.uuid4(), hot, sinks[index % len(sinks)], 37 + index % 50, "USD") for index in range(3_000)
    ]
    results = await asyncio.gather(*(ledger.client.transfer(transfer) for transfer in transfers))
    accepted = sum(
        t.amount_minor for t, r in zip(transfers, results, strict=True) if r.status is TransferStatus.COMPLETED
    )
    assert any(r.reason == "insufficient_funds" for r in results), "the load must exhaust the account"
    balance = await ledger.client.balance(hot)
    assert balance is not None and balance.balance_minor == 100_000 - accepted >= 0
    acknowledged = {t.transfer_id: r for t, r in zip(transfers, results, strict=True)}
    await check_invariants(ledger_database, ledger.shards, acknowledged)


async def test_a_batch_of_8190_transfers_has_a_result_each(ledger: LocalLedger, ledger_database: str) -> None:
    accounts = [await _funded(ledger, 1_000) for _ in range(10)]
    transfers = [
        Transfer(uuid.uuid4(), accounts[i % 10], accounts[(i + 1) % 10], 1 + i % 3, "USD") for i in range(8_190)
    ]
    results = await ledger.client.transfer_batch(transfers)
    assert len(results) == 8_190
    assert [r.command_id for r in results] == [t.transfer_id for t in transfers]
    assert all(r.status in (TransferStatus.COMPLETED, TransferStatus.FAILED) for r in results)
    with pytest.raises(ValueError, match="at most 8190"):
        await ledger.client.transfer_batch([*transfers, transfers[0]])
    await check_invariants(
        ledger_database, ledger.shards, {t.transfer_id: r for t, r in zip(transfers, results, strict=True)}
    )


async def test_two_phase_hold_post_void_and_expiry(ledger: LocalLedger, ledger_database: str) -> None:
    alice, shop = await _funded(ledger, 10_000), await _funded(ledger, 0)
    pending_id = uuid.uuid4()
    held = await ledger.client.transfer(Transfer(pending_id, alice, shop, 4_000, "USD", pending_timeout_ms=60_000))
    assert held.status is TransferStatus.PENDING
    balance = await ledger.client.balance(alice)
    assert balance is not None and (balance.balance_minor, balance.available_minor) == (10_000, 6_000)
    posted = await ledger.client.post_pending(uuid.uuid4(), pending_id, 2_500)
    assert posted.status is TransferStatus.COMPLETED, posted
    record = await ledger.client.transfer_record(pending_id)
    assert record is not None and (record.status, record.posted_minor) == (TransferStatus.COMPLETED, 2_500)

    voided_id, expiring_id = uuid.uuid4(), uuid.uuid4()
    await ledger.client.transfer(Transfer(voided_id, alice, shop, 1_000, "USD", pending_timeout_ms=60_000))
    await ledger.client.transfer(Transfer(expiring_id, alice, shop, 1_000, "USD", pending_timeout_ms=1_000))
    assert (await ledger.client.void_pending(uuid.uuid4(), voided_id)).status is TransferStatus.VOIDED
    for _ in range(100):
        record = await ledger.client.transfer_record(expiring_id)
        if record is not None and record.status is TransferStatus.EXPIRED:
            break
        await asyncio.sleep(0.05)
    assert record is not None and (record.status, record.reason) == (TransferStatus.EXPIRED, "expired")
    balance = await ledger.client.balance(alice)
    assert balance is not None and (balance.balance_minor, balance.available_minor) == (7_500, 7_500)
    await check_invariants(ledger_database, ledger.shards)


async def test_freeze_unfreeze_close(ledger: LocalLedger) -> None:
    account_id = await _funded(ledger, 0)
    frozen = await ledger.client.change_status(uuid.uuid4(), account_id, StatusAction.FREEZE)
    assert frozen.accepted
    refused = await ledger.client.deposit(uuid.uuid4(), account_id, 5, "USD")
    assert refused.reason == "account_frozen"
    assert (await ledger.client.change_status(uuid.uuid4(), account_id, StatusAction.UNFREEZE)).accepted
    assert (await ledger.client.change_status(uuid.uuid4(), account_id, StatusAction.CLOSE)).accepted
    balance = await ledger.client.balance(account_id)
    assert balance is not None and balance.status is AccountStatus.CLOSED


async def test_cross_shard_transfer_and_refund(ledger_database: str) -> None:
    ledger = await start_local_ledger(ledger_database, 4)
    try:
        alice = await _funded(ledger, 1_000)
        bob = await _funded(ledger, 0)
        while not _on_other_shards(ledger, alice, bob):
            bob = await _funded(ledger, 0)
        moved = await ledger.client.transfer(Transfer(uuid.uuid4(), alice, bob, 300, "USD"))
        assert moved.status is TransferStatus.COMPLETED
        assert (await ledger.client.change_status(uuid.uuid4(), bob, StatusAction.FREEZE)).accepted
        transfer_id = uuid.uuid4()
        refused = await ledger.client.transfer(Transfer(transfer_id, alice, bob, 200, "USD"))
        assert (refused.status, refused.reason) == (TransferStatus.FAILED, "account_frozen")
        record = await ledger.client.transfer_record(transfer_id)
        assert record is not None and (record.status, record.settling) == (TransferStatus.FAILED, False)
        alice_balance, bob_balance = await ledger.client.balances([alice, bob])
        assert alice_balance is not None and bob_balance is not None
        assert (alice_balance.balance_minor, bob_balance.balance_minor) == (700, 300)
        await check_invariants(ledger_database, ledger.shards)
    finally:
        await ledger.stop()


async def test_history_pages_newest_first(ledger: LocalLedger) -> None:
    alice = await _funded(ledger, 500)
    for _ in range(4):
        await ledger.client.withdraw(uuid.uuid4(), alice, 10, "USD")
    first = await ledger.client.history(alice, limit=3)
    assert [item.account_version for item in first.items] == [6, 5, 4]
    assert [item.balance_after_minor for item in first.items] == [460, 470, 480]
    second = await ledger.client.history(alice, before_version=first.next_before_version, limit=3)
    assert [item.account_version for item in second.items] == [3, 2, 1]
    assert second.next_before_version is None


async def test_restart_recovers_from_snapshot_and_journal(ledger_database: str) -> None:
    ledger = await start_local_ledger(ledger_database, 2)
    try:
        accounts = [await _funded(ledger, 1_000) for _ in range(6)]
        while sum(shard_of(account, 2) == 0 for account in accounts) < 2:  # shard 0 must have work to replay
            accounts.append(await _funded(ledger, 1_000))
        for shard in ledger.shards:
            await shard.snapshot()
        for index, account in enumerate(accounts):
            target = accounts[(index + 1) % len(accounts)]
            await ledger.client.transfer(Transfer(uuid.uuid4(), account, target, 99, "USD"))
        before = await ledger.client.balances(accounts)
        old = ledger.shards[0]
        fresh = ledger.restart_shard(0)
        await fresh.start()
        assert fresh.replayed_entries > 0
        assert await ledger.client.balances(accounts) == before
        with pytest.raises(FencedError):
            await old._journal.write_batch(old._epoch, _empty_write(old._last_batch + 1), _always_written)
        await check_invariants(ledger_database, ledger.shards)
    finally:
        await ledger.stop()


async def _always_written() -> bool:
    return True


def _empty_write(batch: int):  # type: ignore[no-untyped-def]
    from actors.ledger.journal import BatchWrite

    return BatchWrite(batch=batch)


async def test_events_are_written_to_the_outbox_with_the_batch(ledger: LocalLedger, ledger_database: str) -> None:
    alice, bob = await _funded(ledger, 1_000), await _funded(ledger, 0)
    transfer_id = uuid.uuid4()
    await ledger.client.transfer(Transfer(transfer_id, alice, bob, 10, "USD"))
    connection = await asyncpg.connect(ledger_database)
    try:
        rows = await connection.fetch("SELECT format, topic, events FROM outbox ORDER BY position")
        assert {row["format"] for row in rows} == {"ledger-batch"}
        events = [
            pair
            for row in rows
            for pair in await row_events(connection, row["format"], row["topic"], json.loads(row["events"]))
        ]
    finally:
        await connection.close()
    types = [event["type"] for _, event in events]
    assert types.count("com.bankflow.account.created") >= 2
    completed = [
        e for _, e in events if e["type"] == "com.bankflow.transaction.completed" and e["subject"] == str(transfer_id)
    ]
    assert len(completed) == 1 and completed[0]["key"] == str(alice)
    assert completed[0]["data"]["amount"] == "0.10"
    assert any(e["type"] == "com.bankflow.account.balance.updated" and e["subject"] == str(bob) for _, e in events)

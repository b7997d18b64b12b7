"""LedgerClient: the one Python API of the ledger, for deployments and pipelines.

It routes every command to its account's shard, gathers concurrent calls into batches
(one Ray call per shard per few milliseconds), retries through shard restarts with the
same ids (the ledger answers a retry with the first result), waits for a cross-shard
transfer to settle, and reads history and transfer records from the journal.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
import ray

from actors.ledger.placement import shard_handles
from actors.ledger.shard import LedgerUnavailableError, ShardOverloadedError
from actors.tracing import TraceCarrier, current_carrier, distinct_carriers
from models.ledger.commands import (
    MAX_BATCH_COMMANDS,
    ChangeStatus,
    Command,
    CommandBatch,
    Deposit,
    OpenAccount,
    PostPending,
    SetDailyLimit,
    SetOverdraft,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
    idempotency_id,
)
from models.ledger.results import AccountBalance, CommandResult, from_wire
from models.ledger.routing import internal_account_id, shard_of
from models.ledger.types import AccountType, TransferStatus

HISTORY_MAX_LIMIT = 500
MAX_REMEMBERED_ACCOUNTS: Final = 100_000  # account records kept per client (then forgotten at once)


class PendingTransferNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class TransferRecord:
    transfer_id: uuid.UUID
    kind: str
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    posted_minor: int | None
    currency: str
    status: TransferStatus
    reason: str | None
    settling: bool  # a cross-shard saga still under way
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AccountRecord:
    """What the journal says of an account besides its balance: number, owner, type."""

    account_id: uuid.UUID
    number: str
    customer_id: uuid.UUID | None
    account_type: AccountType
    currency: str
    opened_at: datetime


@dataclass(frozen=True)
class HistoryItem:
    account_version: int
    entry_id: uuid.UUID
    transfer_id: uuid.UUID | None
    kind: str
    amount_minor: int
    hold_delta_minor: int
    balance_after_minor: int
    held_after_minor: int
    currency: str
    created_at: datetime


@dataclass(frozen=True)
class HistoryPage:
    items: list[HistoryItem]
    next_before_version: int | None  # pass it back to read the next (older) page


_ACCOUNT_COLUMNS = "account_id, number, customer_id, account_type, currency, opened_at"
_HISTORY_COLUMNS = """account_version, entry_id, transfer_id, kind, amount_minor, hold_delta_minor,
                      balance_after_minor, held_after_minor, currency, created_at"""


def _account_record(row: asyncpg.Record) -> AccountRecord:
    return AccountRecord(
        row["account_id"],
        row["number"],
        row["customer_id"],
        AccountType(row["account_type"]),
        row["currency"].strip(),
        row["opened_at"],
    )


def _history_item(row: asyncpg.Record) -> HistoryItem:
    return HistoryItem(
        row["account_version"],
        row["entry_id"],
        row["transfer_id"],
        row["kind"],
        row["amount_minor"],
        row["hold_delta_minor"],
        row["balance_after_minor"],
        row["held_after_minor"],
        row["currency"].strip(),
        row["created_at"],
    )


@dataclass
class _Waiting:
    command: Command
    future: asyncio.Future[CommandResult]
    trace: TraceCarrier | None


class LedgerClient:
    def __init__(
        self,
        database_url: str,
        shard_count: int,
        *,
        handles: Sequence[Any] | None = None,
        gather_window_ms: float = 1.0,
        retry_timeout_s: float = 120.0,
        settle_timeout_s: float = 60.0,
    ) -> None:
        self.shard_count = shard_count
        self._database_url = database_url
        self._handles = list(handles) if handles is not None else None
        self._gather_window_s = gather_window_ms / 1000
        self._retry_timeout_s = retry_timeout_s
        self._settle_timeout_s = settle_timeout_s
        self._waiting: dict[int, list[_Waiting]] = {}
        self._flushes: dict[int, asyncio.Task[None]] = {}
        self._sending: dict[int, int] = {}  # gathered batches on their way to each shard
        self._pool: asyncpg.Pool | None = None
        self._accounts: dict[uuid.UUID, AccountRecord] = {}  # see _remember

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    # --- commands ------------------------------------------------------------------------------

    async def execute(self, command: Command) -> CommandResult:
        return (await self.execute_many([command]))[0]

    async def execute_many(self, commands: Sequence[Command]) -> list[CommandResult]:
        """Results in the order of `commands`; a transfer across shards is answered once settled.

        A single command joins the batch its shard is gathering; a list goes out as it is,
        one call per shard (in slices of at most 8,190).
        """
        if len(commands) == 1:
            results = [await self._gathered(commands[0])]
        else:
            results = await self._direct(commands)
        return await self._settled(commands, results)

    async def _gathered(self, command: Command) -> CommandResult:
        shard = shard_of(command.routing_account_id, self.shard_count)
        waiting = _Waiting(command, asyncio.get_running_loop().create_future(), current_carrier())
        queue = self._waiting.setdefault(shard, [])
        queue.append(waiting)
        if len(queue) >= MAX_BATCH_COMMANDS:
            self._flush_now(shard)
        elif shard not in self._flushes:
            self._flushes[shard] = asyncio.create_task(self._flush_later(shard))
        return await waiting.future

    async def _direct(self, commands: Sequence[Command]) -> list[CommandResult]:
        by_shard: dict[int, list[int]] = {}
        for position, command in enumerate(commands):
            by_shard.setdefault(shard_of(command.routing_account_id, self.shard_count), []).append(position)
        calls = []
        carrier = current_carrier()
        traces = [carrier] if carrier else []
        for shard, positions in by_shard.items():
            for start in range(0, len(positions), MAX_BATCH_COMMANDS):
                part = positions[start : start + MAX_BATCH_COMMANDS]
                calls.append((part, self._submit(shard, [commands[p] for p in part], traces)))
        results: list[CommandResult | None] = [None] * len(commands)
        for (part, _), answers in zip(calls, await asyncio.gather(*(call for _, call in calls)), strict=True):
            for position, answer in zip(part, answers, strict=True):
                results[position] = answer
        assert all(result is not None for result in results)
        return results  # type: ignore[return-value]

    async def open_account(
        self,
        account_type: AccountType,
        currency: str,
        *,
        customer_id: uuid.UUID | None = None,
        account_id: uuid.UUID | None = None,
        command_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, CommandResult]:
        new_id = account_id or uuid.uuid4()
        command = OpenAccount(command_id or uuid.uuid4(), new_id, account_type, currency, customer_id)
        return new_id, await self.execute(command)

    async def deposit(
        self,
        transfer_id: uuid.UUID,
        account_id: uuid.UUID,
        amount_minor: int,
        currency: str,
        metadata: dict[str, str] | None = None,
    ) -> CommandResult:
        return await self.execute(Deposit(transfer_id, account_id, amount_minor, currency, metadata or {}))

    async def withdraw(
        self,
        transfer_id: uuid.UUID,
        account_id: uuid.UUID,
        amount_minor: int,
        currency: str,
        metadata: dict[str, str] | None = None,
    ) -> CommandResult:
        return await self.execute(Withdrawal(transfer_id, account_id, amount_minor, currency, metadata or {}))

    async def transfer(self, transfer: Transfer) -> CommandResult:
        return await self.execute(transfer)

    async def transfer_batch(self, transfers: Sequence[Transfer]) -> list[CommandResult]:
        """Up to 8,190 transfers, each with its own result (applied in order per source account)."""
        if len(transfers) > MAX_BATCH_COMMANDS:
            raise ValueError(f"a batch holds at most {MAX_BATCH_COMMANDS} transfers")
        return await self.execute_many(transfers)

    async def post_pending(
        self, command_id: uuid.UUID, pending_id: uuid.UUID, amount_minor: int | None = None
    ) -> CommandResult:
        debit = await self._pending_debit_account(pending_id)
        return await self.execute(PostPending(command_id, pending_id, debit, amount_minor))

    async def void_pending(self, command_id: uuid.UUID, pending_id: uuid.UUID) -> CommandResult:
        debit = await self._pending_debit_account(pending_id)
        return await self.execute(VoidPending(command_id, pending_id, debit))

    async def change_status(self, command_id: uuid.UUID, account_id: uuid.UUID, action: StatusAction) -> CommandResult:
        return await self.execute(ChangeStatus(command_id, account_id, action))

    async def set_overdraft(self, command_id: uuid.UUID, account_id: uuid.UUID, limit_minor: int) -> CommandResult:
        return await self.execute(SetOverdraft(command_id, account_id, limit_minor))

    async def set_daily_limit(self, command_id: uuid.UUID, account_id: uuid.UUID, limit_minor: int) -> CommandResult:
        return await self.execute(SetDailyLimit(command_id, account_id, limit_minor))

    # --- reads ---------------------------------------------------------------------------------

    async def balance(self, account_id: uuid.UUID) -> AccountBalance | None:
        return (await self.balances([account_id]))[0]

    async def balances(self, account_ids: Sequence[uuid.UUID]) -> list[AccountBalance | None]:
        by_shard: dict[int, list[int]] = {}
        for position, account_id in enumerate(account_ids):
            by_shard.setdefault(shard_of(account_id, self.shard_count), []).append(position)
        found: list[AccountBalance | None] = [None] * len(account_ids)
        for shard, positions in by_shard.items():
            answers = await self._call(shard, "balances", [account_ids[p] for p in positions])
            for position, answer in zip(positions, answers, strict=True):
                found[position] = answer
        return found

    async def transfer_record(self, transfer_id: uuid.UUID) -> TransferRecord | None:
        row = await (await self._db()).fetchrow(
            """SELECT transfer_id, kind, debit_account_id, credit_account_id, amount_minor, posted_minor, currency,
                      status, reason, saga_stage, created_at, updated_at
               FROM ledger_transfers WHERE transfer_id = $1""",
            transfer_id,
        )
        if row is None:
            return None
        return TransferRecord(
            row["transfer_id"],
            row["kind"],
            row["debit_account_id"],
            row["credit_account_id"],
            row["amount_minor"],
            row["posted_minor"],
            row["currency"],
            TransferStatus(row["status"]),
            row["reason"],
            row["saga_stage"] is not None,
            row["created_at"],
            row["updated_at"],
        )

    async def history(
        self, account_id: uuid.UUID, *, before_version: int | None = None, limit: int = 50
    ) -> HistoryPage:
        """An account's journal, newest first, by keyset on its version."""
        if not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {HISTORY_MAX_LIMIT}")
        rows = await (await self._db()).fetch(
            f"""SELECT {_HISTORY_COLUMNS} FROM ledger_postings
               WHERE account_id = $1 AND account_version < $2
               ORDER BY account_version DESC LIMIT $3""",  # nosec B608 -- constant columns
            account_id,
            before_version if before_version is not None else 2**62,
            limit + 1,
        )
        items = [_history_item(row) for row in rows[:limit]]
        more = len(rows) > limit
        return HistoryPage(items, items[-1].account_version if more and items else None)

    def settlement_account_id(self, account_id: uuid.UUID, currency: str) -> uuid.UUID:
        """The settlement account on `account_id`'s shard: where money leaves for the rails."""
        return internal_account_id(
            shard_of(account_id, self.shard_count), self.shard_count, AccountType.SETTLEMENT, currency
        )

    async def account_record(self, account_id: uuid.UUID) -> AccountRecord | None:
        known = self._accounts.get(account_id)
        if known is not None:
            return known
        row = await (await self._db()).fetchrow(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE account_id = $1",  # nosec B608 -- constant columns
            account_id,
        )
        return None if row is None else self._remember(_account_record(row))

    async def account_record_by_number(self, number: str) -> AccountRecord | None:
        row = await (await self._db()).fetchrow(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE number = $1",  # nosec B608 -- constant columns
            number,
        )
        return None if row is None else self._remember(_account_record(row))

    def _remember(self, record: AccountRecord) -> AccountRecord:
        """Keep a record for the next lookup of its id. An account's row is written once, with its
        OPEN entry, and never changes (its status and money are the shard's), so a record read
        once stays true; an id not found is not remembered (it may be opened next)."""
        if len(self._accounts) >= MAX_REMEMBERED_ACCOUNTS:
            self._accounts.clear()
        self._accounts[record.account_id] = record
        return record

    async def accounts_of_customer(self, customer_id: uuid.UUID) -> list[AccountRecord]:
        rows = await (await self._db()).fetch(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE customer_id = $1"  # nosec B608 -- constant columns
            " ORDER BY opened_at, account_id",
            customer_id,
        )
        return [_account_record(row) for row in rows]

    async def postings_between(
        self, account_id: uuid.UUID, start: datetime, end: datetime, *, max_items: int
    ) -> tuple[int, list[HistoryItem], bool]:
        """(balance before `start`, the entries that moved the balance in [start, end), whether cut at max_items)."""
        pool = await self._db()
        opening = await pool.fetchval(
            """SELECT balance_after_minor FROM ledger_postings
               WHERE account_id = $1 AND created_at < $2 ORDER BY account_version DESC LIMIT 1""",
            account_id,
            start,
        )
        rows = await pool.fetch(
            f"""SELECT {_HISTORY_COLUMNS} FROM ledger_postings
               WHERE account_id = $1 AND created_at >= $2 AND created_at < $3 AND amount_minor <> 0
               ORDER BY account_version LIMIT $4""",  # nosec B608 -- constant columns
            account_id,
            start,
            end,
            max_items + 1,
        )
        return opening or 0, [_history_item(row) for row in rows[:max_items]], len(rows) > max_items

    # --- plumbing ------------------------------------------------------------------------------

    async def _db(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self._database_url, min_size=1, max_size=4)
        return self._pool

    async def _pending_debit_account(self, pending_id: uuid.UUID) -> uuid.UUID:
        record = await self.transfer_record(pending_id)
        if record is None or record.kind != "PENDING":
            raise PendingTransferNotFoundError(f"no pending transfer {pending_id}")
        return record.debit_account_id

    def _handle(self, shard: int) -> Any:
        if self._handles is None:
            self._handles = shard_handles(self.shard_count)
        return self._handles[shard]

    async def _flush_later(self, shard: int) -> None:
        # Gather for the window only behind a batch still on its way: alone, a command goes at
        # the next turn of the loop (with whatever arrived in the same turn), not a window later.
        await asyncio.sleep(self._gather_window_s if self._sending.get(shard) else 0)
        self._flushes.pop(shard, None)
        self._flush_now(shard)

    def _flush_now(self, shard: int) -> None:
        queue = self._waiting.get(shard, [])
        while queue:
            batch, queue[:] = queue[:MAX_BATCH_COMMANDS], queue[MAX_BATCH_COMMANDS:]
            asyncio.create_task(self._send(shard, batch))  # noqa: RUF006 -- futures carry the outcome

    async def _send(self, shard: int, batch: list[_Waiting]) -> None:
        self._sending[shard] = self._sending.get(shard, 0) + 1
        try:
            traces = distinct_carriers(waiting.trace for waiting in batch)
            results = await self._submit(shard, [waiting.command for waiting in batch], traces)
        except Exception as error:  # noqa: BLE001 -- every waiting caller gets the error
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_exception(error)
            return
        finally:
            self._sending[shard] -= 1
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.future.done():
                waiting.future.set_result(result)

    async def _submit(self, shard: int, commands: list[Command], traces: list[TraceCarrier]) -> list[CommandResult]:
        """The commands on their shard; `traces` (when recorded) lets the shard join their traces."""
        wire = await self._call(shard, "submit", CommandBatch(commands), traces)
        return from_wire([idempotency_id(command) for command in commands], wire)

    async def _call(self, shard: int, method: str, *arguments: Any) -> Any:
        """Call a shard, retrying the same arguments through restarts and outages, with a bound."""
        deadline = time.monotonic() + self._retry_timeout_s
        attempt = 0
        while True:
            try:
                return await getattr(self._handle(shard), method).remote(*arguments)
            except (ray.exceptions.RayActorError, LedgerUnavailableError, ShardOverloadedError) as error:
                if time.monotonic() >= deadline:
                    raise LedgerUnavailableError(f"shard {shard} did not answer: {error}") from error
                await asyncio.sleep(min(1.0, 0.02 * 2**attempt))
                attempt += 1

    async def _settled(self, commands: Sequence[Command], results: list[CommandResult]) -> list[CommandResult]:
        """Cross-shard transfers answered PENDING (their sagas outlived the call): wait for their end,
        all of them together — one query per round, not one per transfer."""
        waiting: dict[uuid.UUID, int] = {}
        for position, (command, result) in enumerate(zip(commands, results, strict=True)):
            holds = isinstance(command, Transfer) and command.pending_timeout_ms is not None
            if result.status is TransferStatus.PENDING and not holds:
                transfer_id = command.pending_id if isinstance(command, PostPending) else result.command_id
                waiting[transfer_id] = position
        settled = list(results)
        deadline = time.monotonic() + self._settle_timeout_s
        while waiting and time.monotonic() < deadline:
            rows = await (await self._db()).fetch(
                """SELECT transfer_id, status, reason FROM ledger_transfers
                   WHERE transfer_id = ANY($1::uuid[]) AND saga_stage IS NULL""",
                list(waiting),
            )
            for row in rows:
                position = waiting.pop(row["transfer_id"])
                status = TransferStatus(row["status"])
                command_id = results[position].command_id
                settled[position] = CommandResult(command_id, status is TransferStatus.COMPLETED, status, row["reason"])
            if waiting:
                await asyncio.sleep(0.05)
        return settled

"""A shard's PostgreSQL journal: fencing epoch, group-committed batches, snapshots, replay.

Every batch is ONE transaction that first checks the shard's epoch (a zombie incarnation's
write is refused there) and then writes the postings, account rows, transfer and command
records and outbox events of the whole batch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from actors.ledger.codec import POSTED_LEG_COLUMNS, POSTING_COLUMNS, PostingRow, entry_from_rows, posted_leg
from actors.outbox import LEDGER_BATCH_FORMAT
from models.ledger.entries import JournalEntry
from models.ledger.events import LedgerBatchEvents, PostedLeg
from models.ledger.results import CommandResult
from models.ledger.state import Account, Hold, LedgerState
from models.ledger.types import AccountStatus, AccountType, TransferStatus

# SQL text here is assembled only from this module's column tuples (the `nosec B608` lines);
# every value goes in as a bound parameter.
REPLAY_CHUNK_ROWS = 20_000
TRANSFER_COLUMNS = (
    "transfer_id",
    "shard",
    "kind",
    "debit_account_id",
    "credit_account_id",
    "amount_minor",
    "posted_minor",
    "currency",
    "status",
    "reason",
    "saga_stage",
    "expires_at_ms",
    "metadata",
)
COMMAND_COLUMNS = ("command_id", "shard", "kind", "fingerprint", "result")
ACCOUNT_COLUMNS = ("account_id", "number", "customer_id", "account_type", "currency", "shard")
BALANCE_COLUMNS = (
    "account_id",
    "shard",
    "account_type",
    "currency",
    "debit_limit_minor",
    "status",
    "balance_minor",
    "held_minor",
    "version",
    "overdraft_limit_minor",
    "daily_limit_minor",
    "counted_day",
    "counted_minor",
)
_UPSERT_SNAPSHOT_BALANCES = (
    "INSERT INTO ledger_balances SELECT * FROM snapshot_balances ON CONFLICT (account_id) DO UPDATE SET "  # nosec B608
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in BALANCE_COLUMNS[1:])
)
HOLD_COLUMNS = (
    "pending_id",
    "shard",
    "debit_account_id",
    "credit_account_id",
    "amount_minor",
    "currency",
    "expires_at_ms",
    "counted_day",
)


class FencedError(RuntimeError):
    """A newer incarnation of this shard holds the epoch: this one must stop writing."""


class JournalAheadError(RuntimeError):
    """The journal holds a batch this incarnation does not know: its memory must be rebuilt."""


PreviousWritten = Callable[[], Awaitable[bool]]  # whether the batch before this one was written


class PreviousBatchNotWrittenError(RuntimeError):
    """The batch this one was decided on was not written: this one is rolled back."""


class ShardCountMismatchError(RuntimeError):
    """The journal was written with another number of shards; moving accounts is not built."""


@dataclass(frozen=True)
class ShardRecord:
    epoch: int
    last_batch: int
    snapshot_batch: int
    account_sequence: int


@dataclass(frozen=True)
class TransferUpdate:
    transfer_id: uuid.UUID
    status: str
    reason: str | None
    saga_stage: str | None
    posted_minor: int | None


@dataclass
class BatchWrite:
    """Everything one batch writes, in one transaction."""

    batch: int
    postings: list[PostingRow] = field(default_factory=list)
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    new_transfers: list[tuple[Any, ...]] = field(default_factory=list)
    transfer_updates: list[TransferUpdate] = field(default_factory=list)
    commands: list[tuple[Any, ...]] = field(default_factory=list)
    events: LedgerBatchEvents = field(default_factory=lambda: LedgerBatchEvents(0))

    @property
    def is_empty(self) -> bool:
        return not (self.postings or self.new_transfers or self.transfer_updates or self.commands)


@dataclass(frozen=True)
class StoredResult:
    body: object  # see actors.ledger.batch.body_of
    result: CommandResult
    saga_pending: bool  # a transfer whose cross-shard saga is still under way


async def posted_legs(
    connection: asyncpg.Connection | asyncpg.Pool, shard: int, batch: int, seqs: Sequence[int]
) -> dict[int, PostedLeg]:
    """Postings of one journaled batch by sequence number (what `events.expand` reads the events
    recorded by position from); the outbox relay reads them with the batch's outbox row."""
    if not seqs:
        return {}
    rows = await connection.fetch(
        f"SELECT {', '.join(POSTED_LEG_COLUMNS)} FROM ledger_postings "  # nosec B608
        "WHERE shard = $1 AND batch = $2 AND seq = ANY($3::integer[])",
        shard,
        batch,
        list(seqs),
    )
    legs = dict(posted_leg(tuple(row)) for row in rows)
    assert len(legs) == len(set(seqs)), f"shard {shard} batch {batch}: postings missing for its outbox row"
    return legs


class Journal:
    def __init__(self, pool: asyncpg.Pool, shard: int, shard_count: int) -> None:
        self._pool = pool
        self.shard = shard
        self.shard_count = shard_count

    # --- incarnation -----------------------------------------------------------------------

    async def take_epoch(self) -> ShardRecord:
        """Become the shard's current incarnation: a new epoch, after any in-flight write of the old."""
        row = await self._pool.fetchrow(
            """INSERT INTO ledger_shards (shard, shard_count, epoch) VALUES ($1, $2, 1)
               ON CONFLICT (shard) DO UPDATE SET epoch = ledger_shards.epoch + 1, updated_at = now()
               RETURNING epoch, last_batch, snapshot_batch, account_sequence, shard_count""",
            self.shard,
            self.shard_count,
        )
        assert row is not None
        if row["shard_count"] != self.shard_count:
            raise ShardCountMismatchError(
                f"shard {self.shard}: the journal was written by {row['shard_count']} shards, "
                f"not {self.shard_count}; changing the shard count needs an account move (not built)"
            )
        return ShardRecord(row["epoch"], row["last_batch"], row["snapshot_batch"], row["account_sequence"])

    async def committed_batch(self, epoch: int) -> int:
        """The last committed batch, read back after a write of unknown outcome."""
        row = await self._pool.fetchrow("SELECT epoch, last_batch FROM ledger_shards WHERE shard = $1", self.shard)
        assert row is not None
        if row["epoch"] != epoch:
            raise FencedError(f"shard {self.shard}: epoch {epoch} was superseded by {row['epoch']}")
        last_batch: int = row["last_batch"]
        return last_batch

    # --- recovery --------------------------------------------------------------------------

    async def load_snapshot(self, account_sequence: int) -> LedgerState:
        state = LedgerState(account_sequence=account_sequence)
        async with self._pool.acquire() as connection:
            rows = await connection.fetch(
                f"SELECT {', '.join(BALANCE_COLUMNS)} FROM ledger_balances WHERE shard = $1",  # nosec B608
                self.shard,
            )
            for row in rows:
                state.accounts[row["account_id"]] = Account(
                    account_type=AccountType(row["account_type"]),
                    currency=row["currency"].strip(),
                    debit_limit_minor=row["debit_limit_minor"],
                    status=AccountStatus(row["status"]),
                    balance_minor=row["balance_minor"],
                    held_minor=row["held_minor"],
                    version=row["version"],
                    overdraft_limit_minor=row["overdraft_limit_minor"],
                    daily_limit_minor=row["daily_limit_minor"],
                    counted_day=row["counted_day"],
                    counted_minor=row["counted_minor"],
                )
            for row in await connection.fetch(
                f"SELECT {', '.join(HOLD_COLUMNS)} FROM ledger_snapshot_holds WHERE shard = $1",  # nosec B608
                self.shard,
            ):
                hold = Hold(
                    row["pending_id"],
                    row["debit_account_id"],
                    row["credit_account_id"],
                    row["amount_minor"],
                    row["currency"].strip(),
                    row["expires_at_ms"],
                    row["counted_day"],
                )
                state.holds[hold.pending_id] = hold
        return state

    async def entries_after(self, batch: int) -> AsyncIterator[JournalEntry]:
        """Every entry this shard journaled after `batch`, in the order it was written."""
        async with self._pool.acquire() as connection, connection.transaction(readonly=True):
            columns = ", ".join(POSTING_COLUMNS)
            cursor = connection.cursor(
                f"SELECT {columns} FROM ledger_postings WHERE shard = $1 AND batch > $2 ORDER BY batch, seq",  # nosec B608
                self.shard,
                batch,
                prefetch=REPLAY_CHUNK_ROWS,
            )
            pending: list[Any] = []
            async for row in cursor:
                if pending and row["entry_id"] != pending[0]["entry_id"]:
                    yield entry_from_rows(pending)
                    pending = []
                pending.append(row)
            if pending:
                yield entry_from_rows(pending)

    async def open_sagas(self, older_than_s: float) -> list[asyncpg.Record]:
        return await self._pool.fetch(
            """SELECT transfer_id, debit_account_id, credit_account_id, amount_minor, posted_minor, currency,
                      reason, saga_stage
               FROM ledger_transfers
               WHERE shard = $1 AND saga_stage IS NOT NULL AND updated_at < now() - make_interval(secs => $2)""",
            self.shard,
            older_than_s,
        )

    async def open_saga_summary(self) -> tuple[int, float]:
        """How many of this shard's sagas are open, and the oldest one's age in seconds (0: none)."""
        row = await self._pool.fetchrow(
            """SELECT count(*) AS open, coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0) AS age_s
               FROM ledger_transfers WHERE shard = $1 AND saga_stage IS NOT NULL""",
            self.shard,
        )
        assert row is not None
        return int(row["open"]), float(row["age_s"])

    # --- idempotency -----------------------------------------------------------------------

    async def stored_results(
        self, transfer_ids: Sequence[uuid.UUID], command_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, StoredResult]:
        """The recorded first results of those ids, if any (one round trip)."""
        found: dict[uuid.UUID, StoredResult] = {}
        if not transfer_ids and not command_ids:
            return found
        rows = await self._pool.fetch(
            """SELECT transfer_id AS id, kind, debit_account_id, credit_account_id, amount_minor, currency, metadata,
                      status, reason, saga_stage, NULL AS fingerprint, NULL::jsonb AS result
               FROM ledger_transfers WHERE transfer_id = ANY($1::uuid[])
               UNION ALL
               SELECT command_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, fingerprint, result
               FROM ledger_commands WHERE command_id = ANY($2::uuid[])""",
            list(transfer_ids),
            list(command_ids),
        )
        for row in rows:
            if row["result"] is not None:
                result = CommandResult.from_json(row["id"], json.loads(row["result"]))
                body: object = row["fingerprint"]
            else:
                status = TransferStatus(row["status"])
                result = CommandResult(row["id"], row["reason"] is None, status, row["reason"])
                metadata = json.loads(row["metadata"]) if row["metadata"] else None
                body = (
                    row["kind"],
                    row["debit_account_id"],
                    row["credit_account_id"],
                    row["amount_minor"],
                    row["currency"],
                    metadata,
                )
            found[row["id"]] = StoredResult(body, result, row["saga_stage"] is not None)
        return found

    # --- writing ---------------------------------------------------------------------------

    async def write_batch(self, epoch: int, write: BatchWrite, previous_written: PreviousWritten) -> None:
        """Journal a whole batch in one transaction, refused if `epoch` is no longer ours.

        The rows go first, possibly while the batch before is still being written on another
        connection; the batch claims its place in the journal (checking the epoch) only once
        `previous_written()` says that one committed, and commits after the claim."""
        async with self._pool.acquire() as connection:
            try:
                async with connection.transaction():
                    await self._write_rows(connection, write)
                    if not await previous_written():
                        raise PreviousBatchNotWrittenError(f"shard {self.shard}: batch {write.batch - 1} not written")
                    await self._claim(connection, epoch, write.batch)
            except BaseException:
                # A connection that failed mid-operation (e.g. mid-COPY) must not go back to the pool.
                connection.terminate()
                raise

    async def _claim(self, connection: Any, epoch: int, batch: int) -> None:
        claimed = await connection.fetchval(
            """UPDATE ledger_shards SET last_batch = $3, updated_at = now()
               WHERE shard = $1 AND epoch = $2 AND last_batch = $3 - 1 RETURNING last_batch""",
            self.shard,
            epoch,
            batch,
        )
        if claimed is None:
            row = await connection.fetchrow("SELECT epoch, last_batch FROM ledger_shards WHERE shard = $1", self.shard)
            if row is None or row["epoch"] != epoch:
                raise FencedError(f"shard {self.shard}: epoch {epoch} no longer owns the journal")
            raise JournalAheadError(
                f"shard {self.shard}: the journal is at batch {row['last_batch']}, memory at {batch - 1}"
            )

    async def _write_rows(self, connection: Any, write: BatchWrite) -> None:
        if write.postings:
            await connection.copy_records_to_table("ledger_postings", records=write.postings, columns=POSTING_COLUMNS)
        if write.accounts:
            await connection.copy_records_to_table("ledger_accounts", records=write.accounts, columns=ACCOUNT_COLUMNS)
        if write.new_transfers:
            await connection.copy_records_to_table(
                "ledger_transfers", records=write.new_transfers, columns=TRANSFER_COLUMNS
            )
        if write.transfer_updates:
            updates = write.transfer_updates
            await connection.execute(
                """UPDATE ledger_transfers AS t
                   SET status = u.status, reason = u.reason, saga_stage = u.saga_stage,
                       posted_minor = COALESCE(u.posted_minor, t.posted_minor), updated_at = now()
                   FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                        AS u(transfer_id, status, reason, saga_stage, posted_minor)
                   WHERE t.transfer_id = u.transfer_id""",
                [u.transfer_id for u in updates],
                [u.status for u in updates],
                [u.reason for u in updates],
                [u.saga_stage for u in updates],
                [u.posted_minor for u in updates],
            )
        if write.commands:
            await connection.copy_records_to_table("ledger_commands", records=write.commands, columns=COMMAND_COLUMNS)
        if write.events:
            await connection.execute(
                "INSERT INTO outbox (format, events, event_count) VALUES ($1, $2, $3)",
                LEDGER_BATCH_FORMAT,
                write.events.to_json(),
                write.events.count,
            )

    async def write_snapshot(
        self,
        epoch: int,
        batch: int,
        state: LedgerState,
        dirty: Sequence[uuid.UUID],
    ) -> None:
        """Each changed account's state and all open holds, as of `batch`, in one transaction."""
        async with self._pool.acquire() as connection, connection.transaction():
            owned = await connection.fetchval(
                """UPDATE ledger_shards SET snapshot_batch = $3, account_sequence = $4, snapshot_at = now()
                   WHERE shard = $1 AND epoch = $2 AND last_batch = $3 RETURNING shard""",
                self.shard,
                epoch,
                batch,
                state.account_sequence,
            )
            if owned is None:
                raise FencedError(f"shard {self.shard}: epoch {epoch} no longer owns the journal")
            await connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS snapshot_balances (LIKE ledger_balances) ON COMMIT DELETE ROWS"
            )
            await connection.copy_records_to_table(
                "snapshot_balances",
                records=[
                    (
                        account_id,
                        self.shard,
                        account.account_type.value,
                        account.currency,
                        account.debit_limit_minor,
                        account.status.value,
                        account.balance_minor,
                        account.held_minor,
                        account.version,
                        account.overdraft_limit_minor,
                        account.daily_limit_minor,
                        account.counted_day,
                        account.counted_minor,
                    )
                    for account_id in dirty
                    if (account := state.accounts.get(account_id)) is not None
                ],
                columns=BALANCE_COLUMNS,
            )
            await connection.execute(_UPSERT_SNAPSHOT_BALANCES)
            await connection.execute("DELETE FROM ledger_snapshot_holds WHERE shard = $1", self.shard)
            await connection.copy_records_to_table(
                "ledger_snapshot_holds",
                records=[
                    (
                        hold.pending_id,
                        self.shard,
                        hold.debit_account_id,
                        hold.credit_account_id,
                        hold.amount_minor,
                        hold.currency,
                        hold.expires_at_ms,
                        hold.counted_day,
                    )
                    for hold in state.holds.values()
                ],
                columns=HOLD_COLUMNS,
            )

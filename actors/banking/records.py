"""The transactions read model in PostgreSQL: one row per transaction and its status history.
Every status change is one transaction that updates the row, appends to its history and
queues its event. The row numbers its own history (`history_seq`, the latest entry's seq):
a move increments it and writes the entry in the same statement, with no lookup."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from actors.outbox import write_events
from models.events import DomainEvent
from models.money import format_amount
from models.topics import TRANSACTION_EVENTS
from models.transactions import MAX_BATCH_TRANSFERS, TransactionKind, TransactionStatus

SOURCE: Final = "bankflow/transactions"
# Work that must commit with a transaction's row: given the open connection.
InTransaction = Callable[[Any], Awaitable[None]]
TRANSACTION_COLUMNS: Final = """transaction_id, kind, status, reason, from_account_id, to_account_id, amount_minor,
    captured_minor, currency, description, counterparty, reversal_of, fraud_verdict, fraud_score, fraud_reasons,
    initiated_by, fingerprint, created_at, updated_at"""


@dataclass(frozen=True)
class Draft:
    """A transaction about to be recorded."""

    transaction_id: uuid.UUID
    kind: TransactionKind
    from_account_id: uuid.UUID | None
    to_account_id: uuid.UUID | None
    amount_minor: int
    currency: str
    description: str | None
    counterparty: str | None
    initiated_by: uuid.UUID
    reversal_of: uuid.UUID | None = None

    def fingerprint(self) -> str:
        body = [
            self.kind.value,
            str(self.from_account_id),
            str(self.to_account_id),
            self.amount_minor,
            self.currency,
            self.description,
            self.counterparty,
            str(self.reversal_of),
        ]
        return json.dumps(body)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMove:
    """One row's change of status, made only from `from_status` (a concurrent or repeated move
    finds the row elsewhere and changes nothing)."""

    transaction_id: uuid.UUID
    from_status: TransactionStatus
    status: TransactionStatus
    reason: str | None
    event_type: str | None = None
    captured_minor: int | None = None  # a capture: the amount the movement keeps


def transaction_event(event_type: str, row: asyncpg.Record | dict[str, Any], **extra: Any) -> DomainEvent:
    transaction_id = str(row["transaction_id"])
    currency = row["currency"].strip()
    data = {
        "transaction_id": transaction_id,
        "kind": row["kind"],
        "status": row["status"],
        "reason": row["reason"],
        "from_account_id": None if row["from_account_id"] is None else str(row["from_account_id"]),
        "to_account_id": None if row["to_account_id"] is None else str(row["to_account_id"]),
        "amount": format_amount(row["amount_minor"], currency),
        "currency": currency,
        "description": row["description"],
        **extra,
    }
    key = str(row["from_account_id"] or row["to_account_id"])
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/{event_type}/{transaction_id}/{row['status']}")
    return DomainEvent(
        event_id, event_type, TRANSACTION_EVENTS, SOURCE, transaction_id, key, int(time.time() * 1000), data
    )


class TransactionRecords:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create(
        self,
        draft: Draft,
        status: TransactionStatus,
        fraud: tuple[str, int, list[str]] | None = None,
        also: InTransaction | None = None,
    ) -> tuple[asyncpg.Record, bool]:
        """(the row, whether this call created it); an existing row is returned as it is.

        `also` writes what belongs with a new transaction (e.g. its external transfer) in the
        same database transaction.
        """
        verdict, score, reasons = fraud if fraud is not None else (None, None, None)
        async with self.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                f"""INSERT INTO transactions (transaction_id, kind, status, from_account_id, to_account_id,
                        amount_minor, currency, description, counterparty, reversal_of, fraud_verdict, fraud_score,
                        fraud_reasons, initiated_by, fingerprint)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                    ON CONFLICT (transaction_id) DO NOTHING
                    RETURNING {TRANSACTION_COLUMNS}""",  # nosec B608 -- a constant column list
                draft.transaction_id,
                draft.kind.value,
                status.value,
                draft.from_account_id,
                draft.to_account_id,
                draft.amount_minor,
                draft.currency,
                draft.description,
                draft.counterparty,
                draft.reversal_of,
                verdict,
                score,
                None if reasons is None else json.dumps(reasons),
                draft.initiated_by,
                draft.fingerprint(),
            )
            if row is None:
                existing = await self.get(draft.transaction_id, connection)
                assert existing is not None
                return existing, False
            await connection.execute(
                "INSERT INTO transaction_status_history (transaction_id, seq, status) VALUES ($1, 1, $2)",
                draft.transaction_id,
                status.value,
            )
            await write_events(connection, [transaction_event("transaction.initiated", row)])
            if also is not None:
                await also(connection)
            return row, True

    async def create_many(
        self, drafts: Sequence[Draft], frauds: Sequence[tuple[str, int, list[str]] | None]
    ) -> list[asyncpg.Record]:
        """Record many PROCESSING transactions at once: their rows in the order of `drafts` (an
        existing row as it is)."""
        assert len(drafts) == len(frauds)
        ids = [draft.transaction_id for draft in drafts]
        async with self.pool.acquire() as connection, connection.transaction():
            inserted = await connection.fetch(
                f"""INSERT INTO transactions (transaction_id, kind, status, from_account_id, to_account_id,
                       amount_minor, currency, description, counterparty, fraud_verdict, fraud_score, fraud_reasons,
                       initiated_by, fingerprint)
                   SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::bigint[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::smallint[], $12::jsonb[], $13::uuid[],
                       $14::text[])
                   ON CONFLICT (transaction_id) DO NOTHING RETURNING {TRANSACTION_COLUMNS}""",  # nosec B608
                ids,
                [draft.kind.value for draft in drafts],
                [TransactionStatus.PROCESSING.value] * len(drafts),
                [draft.from_account_id for draft in drafts],
                [draft.to_account_id for draft in drafts],
                [draft.amount_minor for draft in drafts],
                [draft.currency for draft in drafts],
                [draft.description for draft in drafts],
                [draft.counterparty for draft in drafts],
                [None if fraud is None else fraud[0] for fraud in frauds],
                [None if fraud is None else fraud[1] for fraud in frauds],
                [None if fraud is None else json.dumps(fraud[2]) for fraud in frauds],
                [draft.initiated_by for draft in drafts],
                [draft.fingerprint() for draft in drafts],
            )
            by_id = {row["transaction_id"]: row for row in inserted}
            await connection.execute(
                """INSERT INTO transaction_status_history (transaction_id, seq, status)
                   SELECT unnest($1::uuid[]), 1, $2""",
                list(by_id),
                TransactionStatus.PROCESSING.value,
            )
            await write_events(connection, [transaction_event("transaction.initiated", row) for row in inserted])
            existing = [transaction_id for transaction_id in ids if transaction_id not in by_id]
            if existing:  # a retried batch: those recorded before, as they are
                by_id.update(zip(existing, await self.many(existing, connection), strict=True))
        return [by_id[transaction_id] for transaction_id in ids]

    async def many(self, transaction_ids: Sequence[uuid.UUID], connection: Any = None) -> list[asyncpg.Record]:
        """Rows in the order of `transaction_ids` (each must exist)."""
        runner = connection or self.pool
        found = await runner.fetch(
            f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = ANY($1::uuid[])",  # nosec B608
            list(transaction_ids),
        )
        by_id = {row["transaction_id"]: row for row in found}
        return [by_id[transaction_id] for transaction_id in transaction_ids]

    async def move_many(self, moves: Sequence[StatusMove]) -> list[asyncpg.Record]:
        """Every move that finds its row in its `from_status`, in one database transaction: the
        rows moved, each with its history entry and its event."""
        assert len(moves) <= MAX_BATCH_TRANSFERS, "a caller moves at most one batch at a time"
        assert len({move.transaction_id for move in moves}) == len(moves), "one move per row"
        if not moves:
            return []
        ids = [move.transaction_id for move in moves]
        async with self.pool.acquire() as connection, connection.transaction():
            # Rows locked in one order: the service settling a ledger batch and the projector
            # catching up with it move overlapping sets of rows at the same time.
            await connection.execute(
                """SELECT 1 FROM transactions WHERE transaction_id = ANY($1::uuid[])
                   ORDER BY transaction_id FOR UPDATE""",
                ids,
            )
            moved: list[asyncpg.Record] = await connection.fetch(
                f"""WITH moved AS (
                        UPDATE transactions t SET status = u.status, reason = u.reason,
                            captured_minor = COALESCE(u.captured_minor, t.captured_minor), updated_at = now(),
                            history_seq = t.history_seq + 1
                        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                             AS u(id, from_status, status, reason, captured_minor)
                        WHERE t.transaction_id = u.id AND t.status = u.from_status AND t.status <> u.status
                        RETURNING {", ".join("t." + c.strip() for c in TRANSACTION_COLUMNS.split(","))}, t.history_seq),
                    entered AS (
                        INSERT INTO transaction_status_history (transaction_id, seq, status, reason)
                        SELECT transaction_id, history_seq, status, reason FROM moved)
                    SELECT {TRANSACTION_COLUMNS} FROM moved""",  # nosec B608 -- a constant column list
                ids,
                [move.from_status.value for move in moves],
                [move.status.value for move in moves],
                [move.reason for move in moves],
                [move.captured_minor for move in moves],
            )
            if not moved:
                return moved
            by_id = {move.transaction_id: move for move in moves}
            events = [
                transaction_event(event_type, row)
                for row in moved
                if (event_type := by_id[row["transaction_id"]].event_type) is not None
            ]
            await write_events(connection, events)
            return moved

    async def get(self, transaction_id: uuid.UUID, connection: Any = None) -> asyncpg.Record | None:
        runner = connection or self.pool
        row: asyncpg.Record | None = await runner.fetchrow(
            f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1",  # nosec B608
            transaction_id,
        )
        return row

    async def descriptions(self, transaction_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """What a statement shows for each transaction: its description, else its counterparty."""
        rows = await self.pool.fetch(
            """SELECT transaction_id, kind, COALESCE(description, counterparty) AS text FROM transactions
               WHERE transaction_id = ANY($1::uuid[])""",
            list(transaction_ids),
        )
        return {row["transaction_id"]: row["text"] or row["kind"].replace("_", " ").title() for row in rows}

    async def history(self, transaction_id: uuid.UUID) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.pool.fetch(
            "SELECT status, reason, at FROM transaction_status_history WHERE transaction_id = $1 ORDER BY seq",
            transaction_id,
        )
        return rows

    async def move(
        self,
        transaction_id: uuid.UUID,
        status: TransactionStatus,
        reason: str | None,
        *,
        event_type: str | None = None,
        captured_minor: int | None = None,
        only_from: frozenset[TransactionStatus] | None = None,
        also: InTransaction | None = None,
    ) -> asyncpg.Record | None:
        """Set a new status (recorded in the history, with its event).

        None when the row is not in one of `only_from` (or already in `status`): a concurrent
        or repeated move changes nothing, so each status is entered at most once per step.
        """
        allowed = [s.value for s in (only_from if only_from is not None else TransactionStatus)]
        async with self.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                f"""WITH moved AS (
                        UPDATE transactions SET status = $2, reason = $3,
                            captured_minor = COALESCE($4, captured_minor), updated_at = now(),
                            history_seq = history_seq + 1
                        WHERE transaction_id = $1 AND status = ANY($5::text[]) AND status <> $2
                        RETURNING {TRANSACTION_COLUMNS}, history_seq),
                    entered AS (
                        INSERT INTO transaction_status_history (transaction_id, seq, status, reason)
                        SELECT transaction_id, history_seq, status, reason FROM moved)
                    SELECT {TRANSACTION_COLUMNS} FROM moved""",  # nosec B608 -- a constant column list
                transaction_id,
                status.value,
                reason,
                captured_minor,
                allowed,
            )
            if row is None:
                return None
            if event_type is not None:
                await write_events(connection, [transaction_event(event_type, row)])
            if also is not None:
                await also(connection)
            return row

    async def of_account(
        self, account_id: uuid.UUID, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[asyncpg.Record]:
        """An account's transactions (either side), newest first, after the keyset `after`."""
        at, last_id = after if after is not None else (datetime.max.replace(tzinfo=UTC), uuid.UUID(int=2**128 - 1))
        side = f"""SELECT {TRANSACTION_COLUMNS} FROM transactions
                   WHERE {{column}} = $1 AND (created_at, transaction_id) < ($2, $3)
                   ORDER BY created_at DESC, transaction_id DESC LIMIT $4"""  # nosec B608 -- constants
        rows: list[asyncpg.Record] = await self.pool.fetch(
            f"""SELECT * FROM (({side.format(column="from_account_id")})
                               UNION ({side.format(column="to_account_id")})) t
                ORDER BY created_at DESC, transaction_id DESC LIMIT $4""",  # nosec B608 -- constants
            account_id,
            at,
            last_id,
            limit,
        )
        return rows

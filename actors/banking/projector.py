"""The read-model projector: follows each shard's journal and brings the transactions read
model up to what the ledger decided.

The services write a transaction's row as they run it, so the read model agrees with the
balances as soon as a write is acknowledged. What happens in the ledger afterwards on its own —
a hold expiring, a cross-shard saga finishing or refunding — and movements made through
LedgerClient directly (pipelines, operators) reach the read model from the journal here: by
shard and batch, only batches the shard has committed (`ledger_shards.last_batch`), so no
journal row is ever skipped.
"""

from __future__ import annotations

import uuid
from typing import Final

import asyncpg

from actors.banking.records import Draft, StatusMove, TransactionRecords
from models.fraud.check import Verdict
from models.ledger.types import FINAL_TRANSFER_STATUSES, INTERNAL_ACCOUNT_TYPES, TransferStatus
from models.transactions import (
    MAX_BATCH_TRANSFERS,
    TransactionKind,
    TransactionStatus,
    event_of_settlement,
    reason_of_ledger,
    reason_of_settlement,
    status_of_ledger,
)

MAX_BATCHES_PER_ROUND: Final = 1_000
# The initiator of a transaction the read model learnt from the journal, not from a request.
SYSTEM_USER: Final = uuid.UUID(int=0)
_KINDS: Final = {
    "TRANSFER": TransactionKind.TRANSFER,
    "PENDING": TransactionKind.TRANSFER,
    "DEPOSIT": TransactionKind.DEPOSIT,
    "WITHDRAWAL": TransactionKind.WITHDRAWAL,
}
_UNSETTLED: Final = frozenset(
    {TransactionStatus.PROCESSING, TransactionStatus.PENDING, TransactionStatus.PENDING_REVIEW}
)


class ReadModelProjector:
    def __init__(self, pool: asyncpg.Pool, records: TransactionRecords) -> None:
        self._pool = pool
        self._records = records
        self.projected = 0

    async def run_once(self) -> int:
        shards = await self._pool.fetch(
            """SELECT s.shard, s.last_batch, COALESCE(p.batch, 0) AS position
               FROM ledger_shards s LEFT JOIN read_model_positions p USING (shard)
               WHERE s.last_batch > COALESCE(p.batch, 0)"""
        )
        changed = 0
        for shard in shards:
            upto = min(shard["last_batch"], shard["position"] + MAX_BATCHES_PER_ROUND)
            changed += await self._project(shard["shard"], shard["position"], upto)
            await self._pool.execute(
                """INSERT INTO read_model_positions (shard, batch) VALUES ($1, $2)
                   ON CONFLICT (shard) DO UPDATE SET batch = EXCLUDED.batch, updated_at = now()""",
                shard["shard"],
                upto,
            )
        self.projected += changed
        return changed

    async def _project(self, shard: int, after_batch: int, upto_batch: int) -> int:
        transfers = await self._pool.fetch(
            """SELECT t.*, d.account_type AS debit_type, c.account_type AS credit_type
               FROM ledger_transfers t
               JOIN ledger_accounts d ON d.account_id = t.debit_account_id
               JOIN ledger_accounts c ON c.account_id = t.credit_account_id
               WHERE t.transfer_id IN (SELECT DISTINCT transfer_id FROM ledger_postings
                                       WHERE shard = $1 AND batch > $2 AND batch <= $3 AND transfer_id IS NOT NULL)""",
            shard,
            after_batch,
            upto_batch,
        )
        if not transfers:
            return 0
        existing = {
            row["transaction_id"]: row
            for row in await self._pool.fetch(
                """SELECT transaction_id, kind, status, fraud_verdict FROM transactions
                   WHERE transaction_id = ANY($1::uuid[])""",
                [transfer["transfer_id"] for transfer in transfers],
            )
        }
        changed = 0
        moves = []
        for transfer in transfers:
            row = existing.get(transfer["transfer_id"])
            if row is None:
                await self._adopt(transfer)
                changed += 1
            elif (move := _catch_up(row, transfer)) is not None:
                moves.append(move)
        # In batches: a ledger batch the service has not yet settled leaves thousands of rows behind.
        for first in range(0, len(moves), MAX_BATCH_TRANSFERS):
            changed += len(await self._records.move_many(moves[first : first + MAX_BATCH_TRANSFERS]))
        return changed

    async def _adopt(self, transfer: asyncpg.Record) -> None:
        """A movement made around the API: recorded as the ledger tells it."""
        internal = {kind.value for kind in INTERNAL_ACCOUNT_TYPES}
        draft = Draft(
            transfer["transfer_id"],
            _KINDS.get(transfer["kind"], TransactionKind.TRANSFER),
            None if transfer["debit_type"] in internal else transfer["debit_account_id"],
            None if transfer["credit_type"] in internal else transfer["credit_account_id"],
            transfer["amount_minor"],
            transfer["currency"],
            None,
            None,
            SYSTEM_USER,
        )
        ledger_status = TransferStatus(transfer["status"])
        status = status_of_ledger(ledger_status) if transfer["saga_stage"] is None else TransactionStatus.PENDING
        await self._records.create(draft, status)
        reason = reason_of_ledger(ledger_status, transfer["reason"])
        if reason is not None:
            await self._pool.execute(
                "UPDATE transactions SET reason = $2 WHERE transaction_id = $1", transfer["transfer_id"], reason
            )


def _catch_up(row: asyncpg.Record, transfer: asyncpg.Record) -> StatusMove | None:
    """Move a known transaction to what the ledger decided: its final outcome (never an
    intermediate status); or, for one still PROCESSING in the read model after the ledger
    committed it (the service lost its database connection in between), to waiting on its
    hold, or on the rails for money already sent out. The rails own an external transfer's
    status from then on."""
    if row["kind"] == TransactionKind.EXTERNAL_IN.value or transfer["saga_stage"] is not None:
        return None
    ledger_status = TransferStatus(transfer["status"])
    current = TransactionStatus(row["status"])
    review = row["fraud_verdict"] == Verdict.REVIEW.value
    if row["kind"] == TransactionKind.EXTERNAL_OUT.value:
        if current is not TransactionStatus.PROCESSING:  # from PENDING on, the rails' answer decides
            return None
        target = status_of_ledger(ledger_status, held_for_review=review)
        if target is TransactionStatus.COMPLETED:
            target = TransactionStatus.PENDING  # the money has left the account; the rails answer later
    elif ledger_status in FINAL_TRANSFER_STATUSES:
        target = status_of_ledger(ledger_status)
        if current is target or current not in _UNSETTLED:
            return None
    elif ledger_status is TransferStatus.PENDING and current is TransactionStatus.PROCESSING:
        target = status_of_ledger(ledger_status, held_for_review=review)
    else:
        return None
    posted = transfer["posted_minor"] if transfer["kind"] == "PENDING" else None
    reason = reason_of_settlement(current, ledger_status, transfer["reason"])
    return StatusMove(
        transaction_id=row["transaction_id"],
        from_status=current,
        status=target,
        reason=reason,
        event_type=event_of_settlement(target, reason, TransactionKind(row["kind"])),
        captured_minor=posted if target is TransactionStatus.COMPLETED else None,
    )

"""External transfers (ACH, wire): requested through the API, answered by the rails.

Outgoing money leaves the customer's account at once (to the shard's settlement account)
and the transaction stays PENDING until the rails settle it (COMPLETED) or return it
(RETURNED, with the money back). Incoming money lands only when the rails settle it.
`SettlementRails` is the process that answers for the rails (see models/external.py for the
simulator's rules); it keeps its state in PostgreSQL and each of its steps is idempotent,
so a restart neither loses nor repeats a settlement.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import asyncpg

from actors.banking.transactions import Movement, TransactionService, transaction_view
from actors.ledger.client import LedgerClient
from models.external import Direction, ExternalStatus, Rail, due_at, masked, rails_outcome
from models.identity import Principal
from models.ledger.commands import Deposit
from models.ledger.types import RejectReason, derived_id
from models.transactions import TransactionKind, TransactionStatus

logger = logging.getLogger("bankflow.settlement")

MAX_SETTLEMENTS_PER_ROUND: Final = 500
# A transaction still PROCESSING this long after its last change lost its caller: resume it.
RESUME_AFTER_S: Final = 30
# Why a receiving account refuses money, as an ACH return code.
_REFUSAL_CODES: Final = {RejectReason.ACCOUNT_CLOSED.value: "R02", RejectReason.ACCOUNT_FROZEN.value: "R16"}


@dataclass(frozen=True)
class ExternalRequest:
    direction: Direction
    rail: Rail
    account_id: uuid.UUID
    amount_minor: int
    currency: str
    routing_number: str
    external_account: str
    counterparty: str
    description: str | None = None


@dataclass(frozen=True)
class RailsTimetable:
    ach_window_s: int
    wire_delay_s: float


class ExternalTransfers:
    def __init__(self, transactions: TransactionService, timetable: RailsTimetable) -> None:
        self._transactions = transactions
        self._timetable = timetable

    async def request(
        self, principal: Principal, external: ExternalRequest, transaction_id: uuid.UUID
    ) -> dict[str, Any]:
        kind = TransactionKind.EXTERNAL_OUT if external.direction is Direction.OUT else TransactionKind.EXTERNAL_IN
        movement = Movement(
            kind,
            external.account_id,
            external.amount_minor,
            external.currency,
            description=external.description,
            counterparty=f"{external.counterparty} ({external.rail.value} {masked(external.external_account)})",
        )
        await self._transactions.check_movement(principal, movement)
        answer_at = due_at(external.rail, datetime.now(UTC), self._timetable.ach_window_s, self._timetable.wire_delay_s)

        async def record_external(connection: Any) -> None:
            await connection.execute(
                """INSERT INTO external_transfers (transaction_id, direction, rail, account_id, routing_number,
                       external_account, counterparty, amount_minor, currency, due_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
                transaction_id,
                external.direction.value,
                external.rail.value,
                external.account_id,
                external.routing_number,
                external.external_account,
                external.counterparty,
                external.amount_minor,
                external.currency,
                answer_at,
            )

        if external.direction is Direction.OUT:
            row = await self._transactions.execute(principal.user_id, movement, transaction_id, also=record_external)
        else:
            row = await self._transactions.record_incoming(principal.user_id, movement, transaction_id, record_external)
        return transaction_view(row)


class SettlementRails:
    """Answers due external transfers, a window's worth at a time."""

    def __init__(self, pool: asyncpg.Pool, ledger: LedgerClient, transactions: TransactionService) -> None:
        self._pool = pool
        self._ledger = ledger
        self._transactions = transactions
        self.settled = 0
        self.returned = 0

    async def run_once(self) -> int:
        """Answer every transfer due now (up to a bound); how many were answered."""
        rows = await self._pool.fetch(
            """SELECT e.*, t.status AS transaction_status, t.updated_at AS transaction_updated_at,
                      t.initiated_by, t.description
               FROM external_transfers e JOIN transactions t USING (transaction_id)
               WHERE e.status = 'PENDING' AND e.due_at <= now() AND t.status <> 'PENDING_REVIEW'
               ORDER BY e.due_at, e.transaction_id LIMIT $1""",
            MAX_SETTLEMENTS_PER_ROUND,
        )
        answered = 0
        for row in rows:
            try:
                answered += await self._answer(row)
            except Exception:
                logger.exception("settling %s failed; it stays pending", row["transaction_id"])
        return answered

    async def _answer(self, row: asyncpg.Record) -> int:
        status = TransactionStatus(row["transaction_status"])
        if status in (TransactionStatus.FAILED, TransactionStatus.RETURNED, TransactionStatus.COMPLETED):
            await self._close_external(row["transaction_id"], ExternalStatus.CANCELLED, None)
            return 1
        if status is TransactionStatus.PROCESSING:
            if row["transaction_updated_at"] < datetime.now(UTC) - timedelta(seconds=RESUME_AFTER_S):
                await self._resume(row)
            return 0
        direction = Direction(row["direction"])
        code = rails_outcome(direction, row["external_account"])
        if direction is Direction.OUT:
            return await self._answer_outgoing(row, code)
        return await self._answer_incoming(row, code)

    async def _resume(self, row: asyncpg.Record) -> None:
        movement = Movement(
            TransactionKind.EXTERNAL_OUT,
            row["account_id"],
            row["amount_minor"],
            row["currency"].strip(),
            description=row["description"],
        )
        await self._transactions.execute(row["initiated_by"], movement, row["transaction_id"])

    async def _answer_outgoing(self, row: asyncpg.Record, code: str | None) -> int:
        transaction_id = row["transaction_id"]
        if code is None:
            await self._finish(transaction_id, TransactionStatus.COMPLETED, None, ExternalStatus.SETTLED, None)
            self.settled += 1
            return 1
        refund = Deposit(
            derived_id(transaction_id, "return"), row["account_id"], row["amount_minor"], row["currency"].strip()
        )
        result = await self._ledger.execute(refund)
        if result.accepted:
            await self._finish(transaction_id, TransactionStatus.RETURNED, code, ExternalStatus.RETURNED, code)
        else:
            logger.error("returned transfer %s could not be refunded: %s", transaction_id, result.reason)
            reason = f"{code} (refund refused: {result.reason})"
            await self._finish(transaction_id, TransactionStatus.RETURNED, reason, ExternalStatus.REFUND_BLOCKED, code)
        self.returned += 1
        return 1

    async def _answer_incoming(self, row: asyncpg.Record, code: str | None) -> int:
        transaction_id = row["transaction_id"]
        if code is None:
            credit = Deposit(transaction_id, row["account_id"], row["amount_minor"], row["currency"].strip())
            result = await self._ledger.execute(credit)
            if result.accepted:
                await self._finish(transaction_id, TransactionStatus.COMPLETED, None, ExternalStatus.SETTLED, None)
                self.settled += 1
                return 1
            code = _REFUSAL_CODES.get(result.reason or "", "R03")
        await self._finish(transaction_id, TransactionStatus.RETURNED, code, ExternalStatus.RETURNED, code)
        self.returned += 1
        return 1

    async def _finish(
        self,
        transaction_id: uuid.UUID,
        status: TransactionStatus,
        reason: str | None,
        external: ExternalStatus,
        code: str | None,
    ) -> None:
        """The transaction's new status and the external transfer's answer, in one database transaction."""

        async def answer(connection: Any) -> None:
            await self._close_external(transaction_id, external, code, connection)

        event = "transaction.completed" if status is TransactionStatus.COMPLETED else "transaction.failed"
        moved = await self._transactions.records.move(
            transaction_id,
            status,
            reason,
            event_type=event,
            only_from=frozenset({TransactionStatus.PENDING}),
            also=answer,
        )
        if moved is None:  # answered by an earlier incarnation: only the external row was left
            await self._close_external(transaction_id, external, code)

    async def _close_external(
        self, transaction_id: uuid.UUID, status: ExternalStatus, code: str | None, connection: Any = None
    ) -> None:
        runner = connection or self._pool
        await runner.execute(
            """UPDATE external_transfers SET status = $2, return_code = $3, answered_at = now()
               WHERE transaction_id = $1 AND status = 'PENDING'""",
            transaction_id,
            status.value,
            code,
        )

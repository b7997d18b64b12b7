"""Scheduled transfers: kept in PostgreSQL, run by the scheduler exactly once per occurrence.

Occurrence n of schedule S is the transfer with id derived from (S, n): running it twice —
after a crash between the transfer and the bookkeeping, or from two incarnations — finds
the first run's transaction instead of moving money again. A failed occurrence (e.g.
insufficient funds) is recorded with its reason and the schedule moves on; it is not retried.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import asyncpg

from actors.banking.directory import Directory
from actors.banking.transactions import Movement, TransactionService, invalid
from actors.ledger.client import LedgerClient
from models.failures import ServiceFailure
from models.identity import Principal, Role
from models.ledger.types import derived_id
from models.money import format_amount
from models.paging import CursorError, decode_time_keyset, encode_time_keyset
from models.schedules import Frequency, ScheduleStatus, next_due, schedule_problem
from models.transactions import TransactionKind

logger = logging.getLogger("bankflow.scheduler")

MAX_DUE_PER_ROUND: Final = 200
RUNS_SHOWN: Final = 5
SCHEDULE_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such scheduled transfer")
CUSTOMER_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such customer")
_SCHEDULE: Final = "SELECT * FROM scheduled_transfers WHERE schedule_id = $1"
_PAGE_OF_OWNER: Final = """SELECT * FROM scheduled_transfers
    WHERE owner_user_id = $1 AND (created_at, schedule_id) < ($2, $3)
    ORDER BY created_at DESC, schedule_id DESC LIMIT $4"""
_PAGE_PAYING_FROM: Final = """SELECT * FROM scheduled_transfers
    WHERE from_account_id = ANY($1::uuid[]) AND (created_at, schedule_id) < ($2, $3)
    ORDER BY created_at DESC, schedule_id DESC LIMIT $4"""


@dataclass(frozen=True)
class ScheduleRequest:
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID | None  # or, instead, the destination's number
    amount_minor: int
    currency: str
    description: str | None
    frequency: Frequency
    start_at: datetime | None
    end_date: date | None
    count: int | None
    to_account_number: str | None = None


def occurrence_transaction_id(schedule_id: uuid.UUID, occurrence: int) -> uuid.UUID:
    return derived_id(schedule_id, "occurrence", occurrence)


def _schedule_view(row: asyncpg.Record, runs: list[asyncpg.Record]) -> dict[str, Any]:
    currency = row["currency"].strip()
    return {
        "schedule_id": str(row["schedule_id"]),
        "from_account_id": str(row["from_account_id"]),
        "to_account_id": str(row["to_account_id"]),
        "amount": format_amount(row["amount_minor"], currency),
        "currency": currency,
        "description": row["description"],
        "frequency": row["frequency"],
        "start_at": row["start_at"].isoformat(),
        "end_date": None if row["end_date"] is None else row["end_date"].isoformat(),
        "count": row["max_count"],
        "status": row["status"],
        "next_run_at": None if row["next_run_at"] is None else row["next_run_at"].isoformat(),
        "runs_done": row["next_occurrence"],
        "recent_runs": [
            {
                "occurrence": run["occurrence"],
                "due_at": run["due_at"].isoformat(),
                "transaction_id": str(run["transaction_id"]),
                "status": run["status"],
                "reason": run["reason"],
            }
            for run in runs
        ],
    }


class ScheduledTransfers:
    """The API side: create, list and cancel schedules.

    A customer sees and cancels only their own schedules (anyone else's is "not found");
    support lists any customer's or account's, admin also cancels them.
    """

    def __init__(
        self, pool: asyncpg.Pool, transactions: TransactionService, directory: Directory, ledger: LedgerClient
    ) -> None:
        self._pool = pool
        self._transactions = transactions
        self._directory = directory
        self._ledger = ledger

    async def create(self, principal: Principal, schedule: ScheduleRequest, schedule_id: uuid.UUID) -> dict[str, Any]:
        movement = Movement(
            TransactionKind.TRANSFER,
            schedule.from_account_id,
            schedule.amount_minor,
            schedule.currency,
            counterparty_account_id=schedule.to_account_id,
            description=schedule.description,
            counterparty_account_number=schedule.to_account_number,
        )
        movement = await self._transactions.resolved(movement)
        await self._transactions.check_movement(principal, movement)
        to_account_id = movement.counterparty_account_id
        now = datetime.now(UTC)
        start_at = schedule.start_at or now
        if start_at.tzinfo is None:
            raise invalid("start_at", "needs a time zone offset, e.g. 2026-12-01T09:00:00Z")
        if problem := schedule_problem(start_at, schedule.frequency, schedule.end_date, schedule.count, now):
            raise invalid(*problem)
        first = next_due(start_at, schedule.frequency, 0, schedule.end_date, schedule.count)
        fingerprint = json.dumps(
            [
                str(schedule.from_account_id),
                str(to_account_id),
                schedule.amount_minor,
                schedule.currency,
                schedule.description,
                schedule.frequency.value,
                start_at.isoformat() if schedule.start_at else None,
                str(schedule.end_date),
                schedule.count,
            ]
        )
        row = await self._pool.fetchrow(
            """INSERT INTO scheduled_transfers (schedule_id, owner_user_id, from_account_id, to_account_id,
                   amount_minor, currency, description, frequency, start_at, end_date, max_count, next_run_at,
                   status, fingerprint)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (schedule_id) DO NOTHING RETURNING *""",
            schedule_id,
            principal.user_id,
            schedule.from_account_id,
            to_account_id,
            schedule.amount_minor,
            schedule.currency,
            schedule.description,
            schedule.frequency.value,
            start_at,
            schedule.end_date,
            schedule.count,
            first,
            ScheduleStatus.ACTIVE.value if first is not None else ScheduleStatus.FINISHED.value,
            fingerprint,
        )
        if row is None:
            row = await self._pool.fetchrow(_SCHEDULE, schedule_id)
            assert row is not None
            if row["fingerprint"] != fingerprint or row["owner_user_id"] != principal.user_id:
                raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
        return _schedule_view(row, [])

    async def listing(
        self,
        principal: Principal,
        limit: int,
        cursor: str | None,
        customer_id: uuid.UUID | None = None,
        account_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """The caller's own schedules, or those paying out of a customer's accounts or one account."""
        at, last = datetime.max.replace(tzinfo=UTC), uuid.UUID(int=2**128 - 1)
        if cursor is not None:
            try:
                at, last = decode_time_keyset(cursor)
            except CursorError:
                raise invalid("cursor", "is not one this API returned") from None
        scope: uuid.UUID | list[uuid.UUID]
        query, scope = _PAGE_OF_OWNER, principal.user_id
        if customer_id is not None or account_id is not None:
            query, scope = _PAGE_PAYING_FROM, await self._paying_accounts(principal, customer_id, account_id)
        rows = await self._pool.fetch(query, scope, at, last, limit + 1)
        items = [_schedule_view(row, await self._recent_runs(row["schedule_id"])) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            tail = rows[limit - 1]
            next_cursor = encode_time_keyset(tail["created_at"], tail["schedule_id"])
        return {"items": items, "next_cursor": next_cursor}

    async def _paying_accounts(
        self, principal: Principal, customer_id: uuid.UUID | None, account_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """The accounts whose schedules the filters ask for; 404 for a customer or account the caller may not read."""
        if customer_id is not None:
            if principal.is_staff:
                known = await self._directory.standing_of_customer(customer_id) is not None
            else:
                known = customer_id == await self._directory.customer_of(principal)
            if not known:
                raise CUSTOMER_NOT_FOUND
        if account_id is not None:
            record = await self._directory.readable_account(principal, account_id)
            return [account_id] if customer_id in (None, record.customer_id) else []
        assert customer_id is not None, "called with at least one filter"
        return [record.account_id for record in await self._ledger.accounts_of_customer(customer_id)]

    async def _recent_runs(self, schedule_id: uuid.UUID) -> list[asyncpg.Record]:
        runs: list[asyncpg.Record] = await self._pool.fetch(
            "SELECT * FROM scheduled_runs WHERE schedule_id = $1 ORDER BY occurrence DESC LIMIT $2",
            schedule_id,
            RUNS_SHOWN,
        )
        return runs

    async def cancel(self, principal: Principal, schedule_id: uuid.UUID) -> dict[str, Any]:
        row = await self._pool.fetchrow(_SCHEDULE, schedule_id)
        own = row is not None and row["owner_user_id"] == principal.user_id
        if row is None or not (own or principal.is_staff):
            raise SCHEDULE_NOT_FOUND
        if not own and not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "support may list scheduled transfers; only an admin cancels them")
        cancelled = await self._pool.fetchrow(
            """UPDATE scheduled_transfers SET status = 'CANCELLED', next_run_at = NULL, updated_at = now()
               WHERE schedule_id = $1 AND status = 'ACTIVE' RETURNING *""",
            schedule_id,
        )
        if cancelled is None:
            # Not active (any more): its state now, which may have moved on since the read above.
            cancelled = await self._pool.fetchrow(_SCHEDULE, schedule_id)
            assert cancelled is not None, "schedules are never deleted"
        elif not own:
            # Nothing else records who stopped someone else's schedule.
            logger.info("scheduled transfer %s cancelled by admin %s", schedule_id, principal.user_id)
        return _schedule_view(cancelled, await self._recent_runs(schedule_id))


class Scheduler:
    """Runs due occurrences; safe to run again at any point (see the module docstring)."""

    def __init__(self, pool: asyncpg.Pool, transactions: TransactionService) -> None:
        self._pool = pool
        self._transactions = transactions
        self.occurrences_run = 0

    async def run_once(self) -> int:
        due = await self._pool.fetch(
            """SELECT * FROM scheduled_transfers WHERE status = 'ACTIVE' AND next_run_at <= now()
               ORDER BY next_run_at, schedule_id LIMIT $1""",
            MAX_DUE_PER_ROUND,
        )
        ran = 0
        for schedule in due:
            try:
                await self._run_occurrence(schedule)
                ran += 1
            except Exception:
                logger.exception("scheduled transfer %s failed to run; retrying next round", schedule["schedule_id"])
        return ran

    async def _run_occurrence(self, schedule: asyncpg.Record) -> None:
        schedule_id, occurrence = schedule["schedule_id"], schedule["next_occurrence"]
        transaction_id = occurrence_transaction_id(schedule_id, occurrence)
        movement = Movement(
            TransactionKind.TRANSFER,
            schedule["from_account_id"],
            schedule["amount_minor"],
            schedule["currency"].strip(),
            counterparty_account_id=schedule["to_account_id"],
            description=schedule["description"] or f"Scheduled transfer ({schedule['frequency'].lower()})",
        )
        row = await self._transactions.execute(schedule["owner_user_id"], movement, transaction_id)
        frequency = Frequency(schedule["frequency"])
        following = next_due(
            schedule["start_at"], frequency, occurrence + 1, schedule["end_date"], schedule["max_count"]
        )
        async with self._pool.acquire() as connection, connection.transaction():
            advanced = await connection.execute(
                """UPDATE scheduled_transfers
                   SET next_occurrence = $3, next_run_at = $4, status = $5, updated_at = now()
                   WHERE schedule_id = $1 AND next_occurrence = $2 AND status = 'ACTIVE'""",
                schedule_id,
                occurrence,
                occurrence + 1,
                following,
                ScheduleStatus.ACTIVE.value if following is not None else ScheduleStatus.FINISHED.value,
            )
            if advanced == "UPDATE 1":
                await connection.execute(
                    """INSERT INTO scheduled_runs (schedule_id, occurrence, due_at, transaction_id, status, reason)
                       VALUES ($1, $2, $3, $4, $5, $6)""",
                    schedule_id,
                    occurrence,
                    schedule["next_run_at"],
                    transaction_id,
                    row["status"],
                    row["reason"],
                )
                self.occurrences_run += 1

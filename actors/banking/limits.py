"""Daily outgoing limits: how much an account may send per UTC day, and what it has reserved.

A movement reserves its amount before it reaches the ledger. Reservations are kept per
transaction (`outgoing_reservations`) and the per-account counter (`daily_outgoing`) is their
sum, so reserving twice for one transaction counts once and a refused reservation counts
nothing. A reservation is given back by the status change that ends its movement without the
money leaving (FAILED: refused, voided, expired, rejected in review) or with less of it (a
partial capture), inside that change's database transaction (`release_in`), so exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import asyncpg

from models.transactions import MAX_BATCH_TRANSFERS

MAX_RESERVATIONS_PER_CALL: Final = MAX_BATCH_TRANSFERS


@dataclass(frozen=True)
class Reservation:
    transaction_id: uuid.UUID
    amount_minor: int

    def __post_init__(self) -> None:
        assert self.amount_minor > 0, "a reservation holds a positive amount"


def first_fit(used_minor: int, limit_minor: int, wanted: Sequence[Reservation]) -> list[Reservation]:
    """In order, each reservation that still fits under the limit once the earlier ones are counted."""
    assert used_minor >= 0
    admitted = []
    room_minor = limit_minor - used_minor
    for reservation in wanted:
        if reservation.amount_minor <= room_minor:
            admitted.append(reservation)
            room_minor -= reservation.amount_minor
    return admitted


class DailyOutgoing:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def reserve(self, account_id: uuid.UUID, wanted: Sequence[Reservation], limit_minor: int) -> set[uuid.UUID]:
        """The transactions among `wanted` (in order, all from `account_id`) that hold a reservation
        now: those that held one already, and each new one that fits under the limit. The others
        are refused and count nothing."""
        assert 0 < len(wanted) <= MAX_RESERVATIONS_PER_CALL
        ids = [reservation.transaction_id for reservation in wanted]
        assert len(set(ids)) == len(ids), "one reservation per transaction"
        day = _today()
        async with self._pool.acquire() as connection, connection.transaction():
            # The counter's row lock, taken first, puts an account's reservations one after another:
            # two racing for the last units of a limit each see what the other took.
            used_minor = await connection.fetchval(
                """INSERT INTO daily_outgoing AS d (account_id, day, used_minor) VALUES ($1, $2, 0)
                   ON CONFLICT (account_id, day) DO UPDATE SET used_minor = d.used_minor
                   RETURNING used_minor""",
                account_id,
                day,
            )
            held = {
                row["transaction_id"]
                for row in await connection.fetch(
                    "SELECT transaction_id FROM outgoing_reservations WHERE transaction_id = ANY($1::uuid[])", ids
                )
            }
            admitted = first_fit(used_minor, limit_minor, [r for r in wanted if r.transaction_id not in held])
            if admitted:
                await connection.execute(
                    """WITH added AS (
                           INSERT INTO outgoing_reservations (transaction_id, account_id, day, amount_minor)
                           SELECT u.transaction_id, $1, $2, u.amount_minor
                           FROM unnest($3::uuid[], $4::bigint[]) AS u(transaction_id, amount_minor)
                           RETURNING amount_minor)
                       UPDATE daily_outgoing SET used_minor = used_minor + (SELECT sum(amount_minor) FROM added)
                       WHERE account_id = $1 AND day = $2""",
                    account_id,
                    day,
                    [reservation.transaction_id for reservation in admitted],
                    [reservation.amount_minor for reservation in admitted],
                )
        return held | {reservation.transaction_id for reservation in admitted}

    async def limit_in_force(self, account_id: uuid.UUID, default_minor: int) -> int:
        """The limit an admin set for this account, else `default_minor`."""
        value = await self._pool.fetchval(
            "SELECT daily_outgoing_minor FROM account_limits WHERE account_id = $1", account_id
        )
        return default_minor if value is None else int(value)

    async def set_limit(self, account_id: uuid.UUID, limit_minor: int, set_by: uuid.UUID) -> None:
        await self._pool.execute(
            """INSERT INTO account_limits (account_id, daily_outgoing_minor, set_by) VALUES ($1, $2, $3)
               ON CONFLICT (account_id) DO UPDATE
               SET daily_outgoing_minor = EXCLUDED.daily_outgoing_minor, set_by = EXCLUDED.set_by,
                   updated_at = now()""",
            account_id,
            limit_minor,
            set_by,
        )


async def release_in(connection: Any, kept: Sequence[tuple[uuid.UUID, int]]) -> None:
    """In the caller's transaction: trim each transaction's reservation to what it keeps (0: all
    of it is given back) and give the difference back to its day's counter. A reservation that
    holds no more than it keeps (released already, or never made) gives nothing."""
    if not kept:
        return
    # FOR UPDATE re-reads a reservation a concurrent release just trimmed, so two releases of one
    # transaction give its amount back once. The counter's CHECK (>= 0) asserts it never gives more.
    await connection.execute(
        """WITH kept AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS k(transaction_id, kept_minor)),
                held AS (SELECT r.transaction_id, r.account_id, r.day, r.amount_minor - k.kept_minor AS freed_minor
                         FROM outgoing_reservations r JOIN kept k USING (transaction_id)
                         WHERE r.amount_minor > k.kept_minor
                         FOR UPDATE OF r),
                trimmed AS (UPDATE outgoing_reservations r SET amount_minor = r.amount_minor - h.freed_minor
                            FROM held h WHERE r.transaction_id = h.transaction_id),
                freed AS (SELECT account_id, day, sum(freed_minor) AS freed_minor FROM held GROUP BY account_id, day)
           UPDATE daily_outgoing d SET used_minor = d.used_minor - f.freed_minor
           FROM freed f WHERE d.account_id = f.account_id AND d.day = f.day""",
        [transaction_id for transaction_id, _ in kept],
        [kept_minor for _, kept_minor in kept],
    )


def _today() -> date:
    return datetime.now(UTC).date()

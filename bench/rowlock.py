"""The baseline: the same durable transfer done the straightforward PostgreSQL way — one
transaction per transfer that locks both account rows in id order, checks funds, updates
both balances and inserts the transfer row — with many concurrent connections.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence

import asyncpg

SCHEMA = """
DROP TABLE IF EXISTS bench_rowlock_transfers;
DROP TABLE IF EXISTS bench_rowlock_accounts;
CREATE TABLE bench_rowlock_accounts (account_id uuid PRIMARY KEY, balance_minor bigint NOT NULL);
CREATE TABLE bench_rowlock_transfers (
    transfer_id uuid PRIMARY KEY, debit_account_id uuid NOT NULL, credit_account_id uuid NOT NULL,
    amount_minor bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()
);
"""


async def prepare(dsn: str, accounts: Sequence[uuid.UUID], balance_minor: int) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(SCHEMA)
        await connection.copy_records_to_table(
            "bench_rowlock_accounts",
            records=[(a, balance_minor) for a in accounts],
            columns=("account_id", "balance_minor"),
        )
        await connection.execute("ANALYZE bench_rowlock_accounts")
    finally:
        await connection.close()


async def _transfer(
    connection: asyncpg.pool.PoolConnectionProxy, debit: uuid.UUID, credit: uuid.UUID, amount_minor: int
) -> bool:
    async with connection.transaction():
        rows = await connection.fetch(
            "SELECT account_id, balance_minor FROM bench_rowlock_accounts WHERE account_id = ANY($1::uuid[]) "
            "ORDER BY account_id FOR UPDATE",
            [debit, credit],
        )
        balances = {row["account_id"]: row["balance_minor"] for row in rows}
        accepted = len(balances) == 2 and balances[debit] >= amount_minor
        if accepted:
            update = "UPDATE bench_rowlock_accounts SET balance_minor = balance_minor + $2 WHERE account_id = $1"
            await connection.execute(update, debit, -amount_minor)
            await connection.execute(update, credit, amount_minor)
        await connection.execute(
            "INSERT INTO bench_rowlock_transfers"
            " (transfer_id, debit_account_id, credit_account_id, amount_minor, status) VALUES ($1, $2, $3, $4, $5)",
            uuid.uuid4(),
            debit,
            credit,
            amount_minor,
            "COMPLETED" if accepted else "FAILED",
        )
    return accepted


async def run(dsn: str, transfers: Sequence[tuple[uuid.UUID, uuid.UUID, int]], connections: int) -> float:
    """Transfers per second over the whole list, `connections` at a time."""
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        async with pool.acquire() as connection:
            while next_index < len(transfers):
                debit, credit, amount = transfers[next_index]
                next_index += 1
                for _ in range(20):  # a deadlock cannot happen (id order), but a serialization retry could
                    try:
                        await _transfer(connection, debit, credit, amount)
                        break
                    except asyncpg.exceptions.DeadlockDetectedError:
                        continue

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return len(transfers) / (time.perf_counter() - started)
    finally:
        await pool.close()

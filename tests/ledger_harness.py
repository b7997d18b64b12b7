"""Running ledger shards inside the test process (no Ray), and checking the ledger's invariants
against what PostgreSQL holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from actors.ledger.client import LedgerClient
from actors.ledger.shard import AccountShard, ShardConfig
from actors.tracing import TraceCarrier
from models.ledger.commands import Command
from models.ledger.results import CommandResult, WireResults, to_wire


class _Method:
    def __init__(self, call: Callable[[Any], Awaitable[Any]]) -> None:
        self.remote = call


class LocalHandle:
    """Looks like a Ray actor handle to LedgerClient: handle.submit.remote(commands)."""

    def __init__(self, shard: AccountShard) -> None:
        self.shard = shard
        self.submit = _Method(self._submit)
        self.balances = _Method(shard.balances)

    async def _submit(self, commands: list[Command], traces: Sequence[TraceCarrier] = ()) -> WireResults:
        return to_wire(await self.shard.submit(commands, traces))


class ShardLostTrustError(RuntimeError):
    """In tests, a shard that would restart its process raises this instead."""


def _raise(reason: str) -> None:
    raise ShardLostTrustError(reason)


class InProcessPeers:
    def __init__(self) -> None:
        self.shards: list[AccountShard] = []

    async def submit(self, shard_index: int, commands: list[Command]) -> list[CommandResult]:
        return await self.shards[shard_index].submit(commands)


@dataclass
class LocalLedger:
    shards: list[AccountShard]
    client: LedgerClient
    peers: InProcessPeers

    async def stop(self) -> None:
        for shard in self.shards:
            await shard.shutdown()
        await self.client.close()

    def restart_shard(self, index: int, **options: Any) -> AccountShard:
        """A new incarnation of shard `index` (the old object is left as a zombie)."""
        config = self.shards[index].config
        fresh = AccountShard(ShardConfig(**{**config.__dict__, **options}), self.peers, on_fatal=_raise)
        self.shards[index] = fresh
        self.peers.shards[index] = fresh
        self.client._handles = [LocalHandle(shard) for shard in self.shards]
        return fresh


async def start_local_ledger(database_url: str, shard_count: int, **options: Any) -> LocalLedger:
    peers = InProcessPeers()
    shards = [
        AccountShard(ShardConfig(index, shard_count, database_url, **options), peers) for index in range(shard_count)
    ]
    peers.shards = shards
    for shard in shards:
        await shard.start()
    client = LedgerClient(
        database_url, shard_count, handles=[LocalHandle(shard) for shard in shards], retry_timeout_s=30
    )
    return LocalLedger(shards, client, peers)


async def check_invariants(
    database_url: str,
    shards: Sequence[AccountShard] = (),
    acknowledged: dict[uuid.UUID, CommandResult] | None = None,
) -> None:
    """The ledger's invariants, from the journal: balanced entries, balances summing to zero,
    no customer below its overdraft line (zero without one), versions without gaps, every
    acknowledged transfer exactly once, no saga half-way, and shard memory equal to the journal."""
    connection = await asyncpg.connect(database_url)
    try:
        unbalanced = await connection.fetch(
            "SELECT entry_id FROM ledger_postings GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0"
        )
        assert unbalanced == [], f"unbalanced entries: {unbalanced[:5]}"
        latest = await connection.fetch(
            """SELECT DISTINCT ON (p.account_id) p.account_id, p.currency, p.balance_after_minor, p.held_after_minor,
                      p.account_version, a.account_type
               FROM ledger_postings p JOIN ledger_accounts a USING (account_id)
               ORDER BY p.account_id, p.account_version DESC"""
        )
        # Each account's overdraft line now: its last OVERDRAFT entry's, else none.
        lines = {
            row["account_id"]: int(row["line"])
            for row in await connection.fetch(
                """SELECT DISTINCT ON (account_id) account_id, (detail::jsonb ->> 'overdraft_after_minor') AS line
                   FROM ledger_postings WHERE kind = 'OVERDRAFT' ORDER BY account_id, account_version DESC"""
            )
        }
        totals: dict[str, int] = {}
        for row in latest:
            totals[row["currency"]] = totals.get(row["currency"], 0) + row["balance_after_minor"]
            if row["account_type"] in ("CHECKING", "SAVINGS"):
                line = lines.get(row["account_id"], 0)
                assert row["balance_after_minor"] >= -line, f"customer account below its overdraft line: {row}"
                assert row["balance_after_minor"] - row["held_after_minor"] >= -line, row
        assert all(total == 0 for total in totals.values()), f"balances do not sum to zero: {totals}"
        gaps = await connection.fetch(
            "SELECT account_id FROM ledger_postings GROUP BY account_id HAVING count(*) <> max(account_version)"
        )
        assert gaps == [], f"version gaps: {gaps[:5]}"
        half_way = await connection.fetchval("SELECT count(*) FROM ledger_transfers WHERE saga_stage IS NOT NULL")
        assert half_way == 0, f"{half_way} transfers left half-way"
        for transfer_id, result in (acknowledged or {}).items():
            kinds = [
                row["kind"]
                for row in await connection.fetch(
                    "SELECT kind FROM ledger_postings WHERE transfer_id = $1 AND kind NOT IN ('OPEN')", transfer_id
                )
            ]
            if result.status is not None and result.status.value == "COMPLETED":
                assert sorted(kinds) in (
                    ["TRANSFER", "TRANSFER"],
                    ["DEPOSIT", "DEPOSIT"],
                    ["WITHDRAWAL", "WITHDRAWAL"],
                    ["SAGA_CREDIT", "SAGA_CREDIT", "SAGA_DEBIT", "SAGA_DEBIT"],
                ), f"acknowledged transfer {transfer_id} journaled as {kinds}"
            elif result.status is not None and result.status.value == "FAILED":
                assert kinds in ([],) or sorted(kinds) == ["SAGA_DEBIT", "SAGA_DEBIT", "SAGA_REFUND", "SAGA_REFUND"], (
                    transfer_id,
                    kinds,
                )
        by_account = {row["account_id"]: row for row in latest}
        for shard in shards:
            for account_id, account in shard._state.accounts.items():
                row = by_account[account_id]
                assert (account.balance_minor, account.held_minor, account.version) == (
                    row["balance_after_minor"],
                    row["held_after_minor"],
                    row["account_version"],
                ), f"shard memory differs from the journal for {account_id}"
    finally:
        await connection.close()

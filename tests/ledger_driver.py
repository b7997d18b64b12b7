"""A driver process for tests that need a Ray cluster of their own (the test process is
connected to the session's): `python -m tests.ledger_driver ACTION` with the stack's
BANKFLOW_* settings in the environment; prints one JSON document.

Actions: load (accounts, deposits, transfers, a snapshot half-way), balances ACCOUNT…, stats.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from typing import Any

import ray

from actors.ledger.client import LedgerClient
from actors.ledger.placement import shard_handles
from actors.settings import load_settings
from cluster import ray_runtime
from models.ledger.commands import Transfer
from models.ledger.types import AccountType


async def _load(client: LedgerClient, shard_count: int) -> dict[str, Any]:
    accounts = []
    for _ in range(8):
        account_id, _ = await client.open_account(AccountType.CHECKING, "USD")
        await client.deposit(uuid.uuid4(), account_id, 100_000, "USD")
        accounts.append(account_id)
    rng = random.Random(3)
    acknowledged: dict[str, str] = {}

    async def transfers(count: int) -> None:
        batch = [Transfer(uuid.uuid4(), *rng.sample(accounts, 2), rng.randint(1, 900), "USD") for _ in range(count)]
        for transfer, result in zip(batch, await client.execute_many(batch), strict=True):
            acknowledged[str(transfer.transfer_id)] = result.status.value if result.status else "?"

    await transfers(300)
    await asyncio.gather(*(handle.snapshot.remote() for handle in shard_handles(shard_count)))
    await transfers(300)
    return {"accounts": [str(a) for a in accounts], "acknowledged": acknowledged, **await _balances(client, accounts)}


async def _balances(client: LedgerClient, accounts: list[uuid.UUID]) -> dict[str, Any]:
    found = await client.balances(accounts)
    return {"balances": {str(a): (b.balance_minor if b else None) for a, b in zip(accounts, found, strict=True)}}


async def main(action: str, arguments: list[str]) -> dict[str, Any]:
    settings = load_settings().with_endpoints()
    ray_runtime.connect(settings)
    client = LedgerClient(settings.database_url, settings.account_shards)
    try:
        if action == "load":
            return await _load(client, settings.account_shards)
        if action == "balances":
            return await _balances(client, [uuid.UUID(a) for a in arguments])
        if action == "stats":
            stats = await asyncio.gather(*(h.stats.remote() for h in shard_handles(settings.account_shards)))
            return {"shards": list(stats)}
        raise SystemExit(f"unknown action {action}")
    finally:
        await client.close()
        ray.shutdown()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2:]))))

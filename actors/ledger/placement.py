"""Running the shards as Ray actors: one named, detached actor per shard, found by name.

Ray restarts a shard that dies (its new incarnation takes a new epoch and replays the
journal); callers retry with the same ids, which the ledger answers idempotently.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import ray
from asyncpg.pgproto import pgproto

from actors.ledger.shard import AccountShard, ShardConfig
from actors.tracing import TraceCarrier, prepare_process
from models.ledger.commands import Command, CommandBatch, idempotency_id
from models.ledger.results import AccountBalance, CommandResult, WireResults, from_wire, to_wire
from models.ledger.types import use_id_type

logger = logging.getLogger("bankflow.ledger")

LEDGER_NAMESPACE = "bankflow"
SHARD_CPUS = 0.5


def shard_actor_name(ledger_name: str, shard_index: int) -> str:
    return f"{ledger_name}-shard-{shard_index}"


class RayPeers:
    """Other shards, by name; a handle is looked up again after its actor failed."""

    def __init__(self, ledger_name: str) -> None:
        self._ledger_name = ledger_name
        self._handles: dict[int, Any] = {}

    async def submit(self, shard_index: int, commands: list[Command]) -> list[CommandResult]:
        handle = self._handles.get(shard_index)
        if handle is None:
            handle = ray.get_actor(shard_actor_name(self._ledger_name, shard_index), namespace=LEDGER_NAMESPACE)
            self._handles[shard_index] = handle
        try:
            wire: WireResults = await handle.submit.remote(CommandBatch(commands))
        except ray.exceptions.RayActorError:
            self._handles.pop(shard_index, None)
            raise
        return from_wire([idempotency_id(command) for command in commands], wire)


@ray.remote(max_restarts=-1, max_task_retries=0)
class ShardActor:
    """The Ray face of an AccountShard."""

    def __init__(self, config: ShardConfig) -> None:
        # Ray runs an async actor's __init__ in its event loop: recovery (replay, open sagas,
        # expired holds) begins as soon as Ray (re)starts the actor, not at its first call.
        prepare_process(
            f"ledger-shard-{config.shard_index}",
            config.otlp_traces_endpoint,
            config.trace_sample_ratio,
            json_logs=True,
        )
        # The ids of the commands this process receives are asyncpg's compiled UUIDs: the ones
        # the journal hands back already, with hashing, comparing and printing in C.
        use_id_type(pgproto.UUID)
        self._shard = AccountShard(config, RayPeers(config.ledger_name))
        self._starting = asyncio.get_running_loop().create_task(self._start_until_ready())

    async def _start_until_ready(self) -> None:
        attempt = 0
        while True:
            try:
                await self._shard.start()
                return
            except Exception:
                logger.exception("shard start failed; retrying")
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
                attempt += 1

    async def ready(self) -> dict[str, Any]:
        return await self._shard.stats()

    async def submit(self, commands: Sequence[Command], traces: Sequence[TraceCarrier] = ()) -> WireResults:
        return to_wire(await self._shard.submit(commands, traces))

    async def balances(self, account_ids: Sequence[uuid.UUID]) -> list[AccountBalance | None]:
        return await self._shard.balances(account_ids)

    async def stats(self) -> dict[str, Any]:
        return await self._shard.stats()

    async def snapshot(self) -> int:
        return await self._shard.snapshot()

    async def shutdown(self) -> None:
        await self._shard.shutdown()


def ensure_shards(
    database_url: str,
    shard_count: int,
    ledger_name: str = "ledger",
    resources: Mapping[str, float] | None = None,
    **options: Any,
) -> list[Any]:
    """The shard actors, created if missing (detached: they outlive the caller), on nodes that
    offer `resources` (a cluster's ledger worker group) when given."""
    handles = []
    for index in range(shard_count):
        config = ShardConfig(index, shard_count, database_url, ledger_name, **options)
        handles.append(
            ShardActor.options(  # type: ignore[attr-defined]
                name=shard_actor_name(ledger_name, index),
                namespace=LEDGER_NAMESPACE,
                lifetime="detached",
                get_if_exists=True,
                num_cpus=SHARD_CPUS,
                resources=dict(resources or {}),
                max_concurrency=10_000,
            ).remote(config)
        )
    return handles


def shard_handles(shard_count: int, ledger_name: str = "ledger") -> list[Any]:
    return [
        ray.get_actor(shard_actor_name(ledger_name, index), namespace=LEDGER_NAMESPACE) for index in range(shard_count)
    ]


async def wait_ready(handles: Sequence[Any], timeout_s: float) -> list[dict[str, Any]]:
    """Every shard started (recovered from its snapshot and journal), within the bound."""
    async with asyncio.timeout(timeout_s):
        return list(await asyncio.gather(*(handle.ready.remote() for handle in handles)))


def stop_shards(handles: Sequence[Any], timeout_s: float) -> None:
    """Clean shutdown (a final snapshot each), then remove the actors for good."""
    try:
        ray.get([handle.shutdown.remote() for handle in handles], timeout=timeout_s)
    except (ray.exceptions.RayError, TimeoutError) as error:
        logger.warning("shard shutdown incomplete: %s", error)
    for handle in handles:
        ray.kill(handle, no_restart=True)

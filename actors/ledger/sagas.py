"""Cross-shard transfers, seen from the source's shard: after the debit step commits, send
the credit step to the destination's shard; refund here whatever it refuses. A recovery loop
finishes or compensates every saga a crash (or an unreachable peer) left half-way.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import asyncpg

from actors.ledger.batch import CREDIT_PENDING
from models.ledger.commands import Command, CreditStep, RefundStep
from models.ledger.results import CommandResult
from models.ledger.routing import shard_of
from models.ledger.types import RejectReason, TransferStatus

logger = logging.getLogger("bankflow.ledger.sagas")


class Peers(Protocol):
    """How a shard reaches the other shards (Ray handles in production)."""

    async def submit(self, shard_index: int, commands: list[Command]) -> list[CommandResult]: ...


class Sagas:
    def __init__(
        self,
        shard_index: int,
        shard_count: int,
        peers: Peers,
        submit_here: Callable[[Sequence[Command]], Awaitable[list[CommandResult]]],
        call_timeout_s: float,
    ) -> None:
        self._shard_index = shard_index
        self._shard_count = shard_count
        self._peers = peers
        self._submit_here = submit_here
        self._call_timeout_s = call_timeout_s
        self.in_flight: set[uuid.UUID] = set()
        self._tasks: set[asyncio.Task[dict[uuid.UUID, CommandResult]]] = set()

    def start(self, sagas: list[tuple[int, CreditStep]]) -> dict[int, asyncio.Future[CommandResult]]:
        """Send a batch's credit steps, one call per destination shard, in the background; the
        futures (by command index) carry each transfer's final result."""
        futures: dict[int, asyncio.Future[CommandResult]] = {}
        by_shard: dict[int, list[tuple[int, CreditStep]]] = {}
        for index, step in sagas:
            by_shard.setdefault(shard_of(step.credit_account_id, self._shard_count), []).append((index, step))
            futures[index] = asyncio.get_running_loop().create_future()
            self.in_flight.add(step.transfer_id)
        for shard_index, items in by_shard.items():
            task = asyncio.create_task(self.finish(shard_index, [step for _, step in items]))  # noqa: RUF006
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(functools.partial(_resolve, items=items, futures=futures))
        return futures

    async def finish(self, shard_index: int, steps: list[CreditStep]) -> dict[uuid.UUID, CommandResult]:
        """Credit on the other shard; refund here whatever it refused. PENDING if it cannot be reached."""
        finals: dict[uuid.UUID, CommandResult] = {}
        try:
            credited = await self._call_peer(shard_index, list(steps))
            if credited is None:
                return {s.transfer_id: CommandResult(s.transfer_id, True, TransferStatus.PENDING) for s in steps}
            refunds: list[Command] = []
            for step, result in zip(steps, credited, strict=True):
                if result.accepted:
                    finals[step.transfer_id] = CommandResult(step.transfer_id, True, TransferStatus.COMPLETED)
                    continue
                reason = result.reason or RejectReason.UNKNOWN_ACCOUNT.value
                refunds.append(
                    RefundStep(
                        step.transfer_id,
                        step.debit_account_id,
                        step.amount_minor,
                        step.currency,
                        reason,
                        step.counted_day,
                    )
                )
                finals[step.transfer_id] = CommandResult(step.transfer_id, False, TransferStatus.FAILED, reason)
            if refunds:
                await self._submit_here(refunds)
            return finals
        finally:
            self.in_flight.difference_update(step.transfer_id for step in steps)

    async def _call_peer(self, shard_index: int, steps: list[Command]) -> list[CommandResult] | None:
        deadline = time.monotonic() + self._call_timeout_s
        attempt = 0
        while time.monotonic() < deadline:
            try:
                return await self._peers.submit(shard_index, steps)
            except Exception as error:  # noqa: BLE001 -- the peer restarts or its journal is down; keep trying
                logger.warning("shard %d → %d: %s", self._shard_index, shard_index, error)
                await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
                attempt += 1
        return None  # the recovery loop will finish it

    async def recover(self, open_sagas: list[asyncpg.Record]) -> None:
        """Drive the journal's open sagas (not already in flight here) to their end."""
        credits: dict[int, list[CreditStep]] = {}
        refunds: list[Command] = []
        for row in open_sagas:
            if row["transfer_id"] in self.in_flight:
                continue
            amount = row["posted_minor"] if row["posted_minor"] is not None else row["amount_minor"]
            currency = row["currency"].strip()
            if row["saga_stage"] == CREDIT_PENDING:
                step = CreditStep(
                    row["transfer_id"], row["debit_account_id"], row["credit_account_id"], amount, currency
                )
                credits.setdefault(shard_of(step.credit_account_id, self._shard_count), []).append(step)
            else:
                reason = row["reason"] or RejectReason.UNKNOWN_ACCOUNT.value
                refunds.append(RefundStep(row["transfer_id"], row["debit_account_id"], amount, currency, reason))
        if refunds:
            await self._submit_here(refunds)
        for shard_index, steps in credits.items():
            self.in_flight.update(step.transfer_id for step in steps)
            await self.finish(shard_index, steps)


def _resolve(
    done: asyncio.Task[dict[uuid.UUID, CommandResult]],
    *,
    items: list[tuple[int, CreditStep]],
    futures: dict[int, asyncio.Future[CommandResult]],
) -> None:
    """Answer each saga's caller; a saga that failed here is left PENDING for the recovery loop."""
    failed = done.cancelled() or done.exception() is not None
    if failed and not done.cancelled():
        logger.error("saga task failed", exc_info=done.exception())
    finals = {} if failed else done.result()
    for index, step in items:
        future = futures[index]
        if not future.done():
            pending = CommandResult(step.transfer_id, True, TransferStatus.PENDING)
            future.set_result(finals.get(step.transfer_id, pending))

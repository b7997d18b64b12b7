"""The shard's batch pipeline: decide batch N+1 while batch N is being written.

Deciding is CPU in the shard's process; writing is mostly PostgreSQL's work in another
process. Overlapping them keeps both busy. Batch N+1 is decided against batch N's overlay
(uncommitted), is written only after N committed, and is answered only after it committed
itself. If N is not written, N+1 is abandoned too and both go back, in order, to be decided
again from the committed state: no answer ever rests on a write that did not happen.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from actors.ledger.batch import DecidedBatch, body_of, decide_batch
from actors.ledger.journal import StoredResult
from models.ledger.commands import Command, idempotency_id
from models.ledger.results import CommandResult
from models.ledger.state import LedgerState

Answer = CommandResult | asyncio.Future[CommandResult]
MAX_FLIGHTS = 2  # one batch being written, one being decided


@dataclass
class Request:
    commands: Sequence[Command]
    future: asyncio.Future[list[Answer]]


@dataclass
class Flight:
    """A decided batch on its way to the journal."""

    requests: list[Request]
    commands: list[Command]
    decided: DecidedBatch
    task: asyncio.Task[bool] = field(init=False)

    def pending_results(self, shard: int, shard_count: int) -> dict[uuid.UUID, StoredResult]:
        """This batch's results as if already stored: the next batch must see them as duplicates."""
        found: dict[uuid.UUID, StoredResult] = {}
        for command, result in zip(self.commands, self.decided.results, strict=True):
            key = idempotency_id(command)
            if key not in found:
                found[key] = StoredResult(body_of(command, shard, shard_count), result, False)
        return found


@dataclass
class Pipeline:
    state: LedgerState
    shard: int
    shard_count: int
    lookup: Callable[[list[Command]], Awaitable[dict[uuid.UUID, StoredResult]]]
    write_and_answer: Callable[[Flight], Awaitable[bool]]  # True once committed, merged and answered
    last_batch: Callable[[], int]
    flights: deque[Flight] = field(default_factory=deque)

    async def launch(self, requests: list[Request]) -> None:
        """Decide a batch (on top of the batch in flight, if any) and start writing it."""
        assert len(self.flights) < MAX_FLIGHTS
        commands = [command for request in requests for command in request.commands]
        stored = await self.lookup(commands)
        previous = self.flights[-1] if self.flights else None
        parent = None
        batch = self.last_batch() + 1
        if previous is not None:
            # Its results count as stored even when its commit landed after our lookup read.
            for key, result in previous.pending_results(self.shard, self.shard_count).items():
                stored.setdefault(key, result)
            if not previous.task.done():
                parent = previous.decided.overlay
                batch = previous.decided.write.batch + 1
            elif not previous.task.result():
                raise PreviousFailedError
        now_ms = int(time.time() * 1000)
        decided = decide_batch(self.state, parent, self.shard, self.shard_count, batch, now_ms, commands, stored)
        flight = Flight(requests, commands, decided)
        flight.task = asyncio.create_task(self._in_order(previous, flight))
        self.flights.append(flight)

    async def _in_order(self, previous: Flight | None, flight: Flight) -> bool:
        if previous is not None and not await previous.task:
            return False  # decided on a batch that was not written: it is decided again
        return await self.write_and_answer(flight)

    async def settle(self, keep: int) -> list[Request]:
        """Wait until at most `keep` batches are in flight. Returns the requests of batches that
        were not written (oldest first) — every later one is abandoned with them — or []."""
        while len(self.flights) > keep:
            oldest = self.flights.popleft()
            if await oldest.task:
                continue
            abandoned = [oldest, *self.flights]
            self.flights.clear()
            for later in abandoned[1:]:
                await asyncio.gather(later.task, return_exceptions=True)
            return [request for flight in abandoned for request in flight.requests]
        return []


class PreviousFailedError(Exception):
    """Raised by launch when the batch before it was not written; settle() returns its requests."""

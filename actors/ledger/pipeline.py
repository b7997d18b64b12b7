"""The shard's batch pipeline: decide batch N+1 while batch N is being written.

Idempotency is optimistic: a batch is decided without first asking the journal whether its
ids were seen before, because the journal's unique keys refuse a repeated id inside the
batch's own transaction. Such a batch (and any decided on top of it) is then decided again,
this time after reading the stored results of its ids, which it answers with.

Deciding is CPU in the shard's process; writing is mostly PostgreSQL's work in another
process. Overlapping them keeps both busy. Batch N+1 is decided against batch N's overlay
(uncommitted) and its rows are sent in a transaction of its own while N's are still being
written, so two PostgreSQL backends share the work; but N+1 claims its place in the journal
(and commits) only after N committed, and is answered only after it committed itself. If N
is not written, N+1 is rolled back and abandoned too and both go back, in order, to be
decided again from the committed state: no answer ever rests on a write that did not happen.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from actors.ledger.batch import BatchDecision, DecidedBatch
from actors.ledger.journal import PreviousWritten, StoredResult
from actors.tracing import TraceCarrier
from models.ledger.commands import Command
from models.ledger.results import CommandResult
from models.ledger.state import LedgerState
from models.ledger.view import DailyLimits

# A request's results, and the futures of those still under way as cross-shard sagas (by
# position in the request): the results of a batch without sagas go back as they are.
Answers = tuple[list[CommandResult], dict[int, asyncio.Future[CommandResult]]]
MAX_FLIGHTS = 2  # one batch being written, one being decided
DECIDE_SLICE_COMMANDS = 256  # decided between two turns of the event loop while a batch is written


@dataclass
class Request:
    commands: Sequence[Command]
    future: asyncio.Future[Answers]
    retried: bool = False  # once abandoned, its ids are looked up before it is decided again
    traces: Sequence[TraceCarrier] = ()  # the callers' recorded traces (actors/tracing.py)
    enqueued_ns: int = 0  # wall clock, only taken for a traced request


@dataclass
class Flight:
    """A decided batch on its way to the journal."""

    requests: list[Request]
    commands: list[Command]
    decided: DecidedBatch
    task: asyncio.Task[bool] = field(init=False)


@dataclass
class Pipeline:
    state: LedgerState
    shard: int
    shard_count: int
    lookup: Callable[[list[Command]], Awaitable[dict[uuid.UUID, StoredResult]]]
    # (flight, whether the batch before it was written) → True once committed, merged and answered
    write_and_answer: Callable[[Flight, PreviousWritten], Awaitable[bool]]
    last_batch: Callable[[], int]
    limits: DailyLimits = field(default_factory=DailyLimits)
    flights: deque[Flight] = field(default_factory=deque)
    decide_s: float = 0.0  # time spent deciding, for the shard's stats
    # The latest batch time so far: batches are decided at times that never go back (a daily
    # count's day, a hold's expiry), whatever the wall clock does.
    last_now_ms: int = 0

    async def launch(self, requests: list[Request]) -> None:
        """Decide a batch (on top of the batch in flight, if any) and start writing it."""
        assert len(self.flights) < MAX_FLIGHTS
        commands = [command for request in requests for command in request.commands]
        retried = any(request.retried for request in requests)
        stored = await self.lookup(commands) if retried else {}
        previous = self.flights[-1] if self.flights else None
        parent = None
        batch = self.last_batch() + 1
        if previous is not None:
            if not previous.task.done():
                parent = previous.decided.overlay
                # A batch with nothing to write (every command answered from the journal) takes
                # no place in it: the next batch claims the same number.
                batch = previous.decided.write.batch + (0 if previous.decided.write.is_empty else 1)
            elif not previous.task.result():
                raise PreviousFailedError
        now_ms = self.last_now_ms = max(self.last_now_ms, int(time.time() * 1000))
        decision = BatchDecision(
            self.state, parent, self.shard, self.shard_count, batch, now_ms, commands, stored, self.limits
        )
        while True:
            began = time.perf_counter()
            more = decision.decide(DECIDE_SLICE_COMMANDS)
            self.decide_s += time.perf_counter() - began
            if not more:
                break
            if self.flights:
                # The batch before this one is being written: its few PostgreSQL round trips
                # each need the event loop, which a whole decision (~150 ms for 8,190 commands)
                # would hold. Between slices the write moves on, overlapping the database's
                # work with this decision. The parent overlay stays readable if it merges meanwhile.
                await asyncio.sleep(0)
        flight = Flight(requests, commands, decision.finish())
        flight.task = asyncio.create_task(self._in_order(previous, flight))
        self.flights.append(flight)

    async def _in_order(self, previous: Flight | None, flight: Flight) -> bool:
        async def previous_written() -> bool:
            # False: decided on a batch that was not written, so it is decided again.
            return previous is None or await previous.task

        return await self.write_and_answer(flight, previous_written)

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
            requests = [request for flight in abandoned for request in flight.requests]
            for request in requests:
                request.retried = True
            return requests
        return []


class PreviousFailedError(Exception):
    """Raised by launch when the batch before it was not written; settle() returns its requests."""

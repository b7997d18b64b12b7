"""AccountShard: the single writer of the accounts that hash to it.

Commands queue up; one loop takes them in order, decides a batch against an overlay of
the committed state, journals the whole batch in ONE PostgreSQL transaction (group
commit), and only then merges the overlay and answers. A cross-shard transfer continues
as a saga with the destination's shard; a recovery loop finishes or compensates any saga
a crash left half-way, and an expiry loop releases holds whose time is up.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import psutil

from actors.ledger.batch import DecidedBatch
from actors.ledger.journal import (
    FencedError,
    Journal,
    JournalAheadError,
    PreviousBatchNotWrittenError,
    PreviousWritten,
    StoredResult,
)
from actors.ledger.pipeline import Answers, Flight, Pipeline, PreviousFailedError, Request
from actors.ledger.sagas import Peers, Sagas
from actors.metrics import ledger_metrics
from actors.tracing import TraceCarrier, record_commit_spans
from models.ledger.commands import (
    MAX_BATCH_COMMANDS,
    TRANSFER_COMMANDS,
    Command,
    ExpirePending,
    idempotency_id,
)
from models.ledger.entries import apply_entry
from models.ledger.results import AccountBalance, CommandResult
from models.ledger.state import LedgerState
from models.ledger.types import MS_PER_DAY, day_of
from models.ledger.view import DEFAULT_DAILY_LIMIT_UNITS, DailyLimits

logger = logging.getLogger("bankflow.ledger.shard")


class LedgerUnavailableError(RuntimeError):
    """The journal cannot be written right now; nothing of the command was applied. Retry it."""


class ShardOverloadedError(RuntimeError):
    """The shard's queue is full; retry after a pause."""


@dataclass(frozen=True)
class ShardConfig:
    shard_index: int
    shard_count: int
    database_url: str
    ledger_name: str = "ledger"  # names the shard actors: several ledgers can share one Ray cluster
    max_batch_commands: int = MAX_BATCH_COMMANDS
    max_queued_commands: int = 200_000
    gather_window_ms: float = 1.0
    snapshot_every_batches: int = 2_000
    snapshot_every_s: float = 60.0
    saga_recovery_interval_s: float = 1.0
    saga_recovery_grace_s: float = 5.0
    saga_call_timeout_s: float = 30.0
    expiry_interval_s: float = 0.25
    commit_attempts: int = 8
    outcome_check_timeout_s: float = 60.0
    pool_max_connections: int = 4
    gauge_interval_s: float = 5.0
    young_gc_interval_s: float = 60.0
    full_gc_interval_s: float = 300.0
    otlp_traces_endpoint: str = ""  # empty: spans are not exported (see actors/tracing.py)
    trace_sample_ratio: float = 1.0
    daily_limit_units: int = DEFAULT_DAILY_LIMIT_UNITS  # unless an account has its own

    def __post_init__(self) -> None:
        assert 0 <= self.shard_index < self.shard_count
        assert 0 < self.max_batch_commands <= min(self.max_queued_commands, MAX_BATCH_COMMANDS)
        assert 0 < self.young_gc_interval_s <= self.full_gc_interval_s


# A batch allocates hundreds of thousands of objects that live until it is answered, so the
# cycle collector, run by allocation counts, would walk them (and, in its full collections,
# every account) many times per batch. The ledger's own data has no reference cycles:
# reference counting frees it (a collection under load finds no garbage at all). Cycles
# (Ray's, asyncio's, an exception's) are collected on a clock instead: what is left after
# recovery moves to the permanent generation, and the collector runs the young generations
# every minute and a full collection every five. A young collection walks every object made
# since the last one and still alive: under load, the batches in flight and each account a
# batch touched (an overlay replaces it with a copy), ~0.3 s for 100,000 accounts whatever
# the interval, so its cost is its frequency (every 10 s was 3% of a loaded shard's time).


def _settle_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.disable()


def _exit_for_restart(reason: str) -> None:
    """Memory can no longer be trusted: end the process; its restart rebuilds from the journal."""
    logger.critical("%s; exiting so that a new incarnation recovers from the journal", reason)
    logging.shutdown()
    os._exit(70)


class AccountShard:
    """The shard's logic; `actors.ledger.placement` runs it as a Ray actor."""

    def __init__(self, config: ShardConfig, peers: Peers, on_fatal: Callable[[str], None] = _exit_for_restart) -> None:
        self.config = config
        self._on_fatal = on_fatal
        self._state = LedgerState()
        self._journal: Journal | None = None
        self._pool: asyncpg.Pool | None = None
        self._epoch = 0
        self._last_batch = 0
        self._snapshot_batch = 0
        self._dirty: set[uuid.UUID] = set()
        self._last_snapshot_s = time.monotonic()
        self._expiries: list[tuple[int, uuid.UUID]] = []
        self._queue: asyncio.Queue[Request] = asyncio.Queue()
        self._pipeline: Pipeline | None = None
        self._queued_commands = 0
        self._sagas = Sagas(config.shard_index, config.shard_count, peers, self.submit, config.saga_call_timeout_s)
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot_requests: list[asyncio.Future[None]] = []
        self._start_lock = asyncio.Lock()
        self._started = False
        self._stopping = False
        self.recovered_in_s = 0.0
        self.replayed_entries = 0
        # Where a shard's time goes, cumulative (seconds), and how much it did.
        self.busy_s = {"lookup": 0.0, "decide": 0.0, "write": 0.0}
        self.committed_commands = 0
        self.committed_batches = 0
        self._metric_tags = {"shard": str(config.shard_index)}

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            began = time.monotonic()
            self._pool = await asyncpg.create_pool(
                self.config.database_url, min_size=1, max_size=self.config.pool_max_connections
            )
            self._journal = Journal(self._pool, self.config.shard_index, self.config.shard_count)
            record = await self._journal.take_epoch()
            self._epoch, self._last_batch = record.epoch, record.last_batch
            self._snapshot_batch = record.snapshot_batch
            self._state = await self._journal.load_snapshot(record.account_sequence)
            async for entry in self._journal.entries_after(record.snapshot_batch):
                apply_entry(self._state, entry)
                for leg in entry.legs:
                    self._dirty.add(leg.account_id)
                self.replayed_entries += 1
            self._pipeline = Pipeline(
                self._state,
                self.config.shard_index,
                self.config.shard_count,
                self._lookup,
                self._write_and_answer,
                lambda: self._last_batch,
                DailyLimits(self.config.daily_limit_units),
                # A clock behind the journal's latest counted day must not count an earlier one.
                last_now_ms=max((a.counted_day for a in self._state.accounts.values()), default=0) * MS_PER_DAY,
            )
            self._expiries = [(hold.expires_at_ms, pending_id) for pending_id, hold in self._state.holds.items()]
            heapq.heapify(self._expiries)
            self.recovered_in_s = time.monotonic() - began
            _settle_garbage_collector()
            loop_names = ("batches", "sagas", "expiries", "gauges", "collector")
            loops = (
                self._batch_loop(),
                self._saga_recovery_loop(),
                self._expiry_loop(),
                self._gauge_loop(),
                self._collector_loop(),
            )
            self._tasks = [asyncio.create_task(loop, name=name) for name, loop in zip(loop_names, loops, strict=True)]
            self._started = True
            ledger_metrics().shard_starts.inc(tags=self._metric_tags)
            logger.info(
                "shard %d epoch %d ready: %d accounts, %d entries replayed in %.2f s",
                self.config.shard_index,
                self._epoch,
                len(self._state.accounts),
                self.replayed_entries,
                self.recovered_in_s,
            )

    async def _ensure_started(self) -> Journal:
        if not self._started:
            await self.start()
        if self._stopping:
            raise LedgerUnavailableError(f"shard {self.config.shard_index} is stopping")
        assert self._journal is not None
        return self._journal

    async def shutdown(self) -> None:
        """Stop taking commands, finish the queued ones, snapshot, close the journal."""
        if not self._started or self._stopping:
            return
        self._stopping = True
        while self._queued_commands > 0:  # noqa: ASYNC110 -- a bounded drain at shutdown, polled
            await asyncio.sleep(0.01)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._snapshot()
        assert self._pool is not None
        await self._pool.close()

    # --- the API -----------------------------------------------------------------------------

    async def submit(self, commands: Sequence[Command], traces: Sequence[TraceCarrier] = ()) -> list[CommandResult]:
        """Apply commands in order; each result is its command's first result (idempotent).

        `traces`: the callers' recorded traces, which get this batch's shard and commit spans."""
        await self._ensure_started()
        if not commands:
            return []
        if len(commands) > self.config.max_batch_commands:
            raise ValueError(f"at most {self.config.max_batch_commands} commands per call")
        if self._queued_commands + len(commands) > self.config.max_queued_commands:
            raise ShardOverloadedError(f"shard {self.config.shard_index} has {self._queued_commands} queued")
        future: asyncio.Future[Answers] = asyncio.get_running_loop().create_future()
        self._queued_commands += len(commands)
        await self._queue.put(Request(commands, future, traces=traces, enqueued_ns=time.time_ns() if traces else 0))
        results, sagas = await future
        for index, saga in sagas.items():
            results[index] = await saga
        return results

    async def balances(self, account_ids: Sequence[uuid.UUID]) -> list[AccountBalance | None]:
        """Committed balances (never an uncommitted batch's)."""
        await self._ensure_started()
        found: list[AccountBalance | None] = []
        assert self._pipeline is not None
        limits, today = self._pipeline.limits, day_of(int(time.time() * 1000))
        for account_id in account_ids:
            account = self._state.accounts.get(account_id)
            found.append(
                None
                if account is None
                else AccountBalance(
                    account_id,
                    account.account_type,
                    account.currency,
                    account.status,
                    account.balance_minor,
                    account.available_minor,
                    account.held_minor,
                    account.version,
                    account.overdraft_limit_minor,
                    limits.of(account) if account.is_customer else None,
                    account.counted_on(today),
                )
            )
        return found

    async def stats(self) -> dict[str, Any]:
        await self._ensure_started()
        return {
            "shard": self.config.shard_index,
            "epoch": self._epoch,
            "accounts": len(self._state.accounts),
            "holds": len(self._state.holds),
            "last_batch": self._last_batch,
            "snapshot_batch": self._snapshot_batch,
            "queued_commands": self._queued_commands,
            "sagas_in_flight": len(self._sagas.in_flight),
            "recovered_in_s": self.recovered_in_s,
            "replayed_entries": self.replayed_entries,
            "rss_bytes": psutil.Process(os.getpid()).memory_info().rss,
            "busy_s": {**self.busy_s, "decide": self._pipeline.decide_s if self._pipeline else 0.0},
            "committed_commands": self.committed_commands,
            "committed_batches": self.committed_batches,
            "pid": os.getpid(),
        }

    async def snapshot(self) -> int:
        """Take a snapshot now (between batches); return the batch it is as of."""
        await self._ensure_started()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._snapshot_requests.append(done)
        await self._queue.put(Request((), asyncio.get_running_loop().create_future()))
        await done
        return self._snapshot_batch

    # --- the batch loop ------------------------------------------------------------------------

    async def _next_requests(self) -> list[Request]:
        requests = [await self._queue.get()]
        count = len(requests[0].commands)
        # Wait for more only while an earlier batch is still being written: with the journal
        # idle, a window's wait would be all of a lone command's extra latency.
        busy = self._pipeline is not None and bool(self._pipeline.flights)
        deadline = time.monotonic() + (self.config.gather_window_ms / 1000 if busy else 0.0)
        while count < self.config.max_batch_commands:
            try:
                request = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    request = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if count + len(request.commands) > self.config.max_batch_commands:
                self._requeue_front([request])
                break
            requests.append(request)
            count += len(request.commands)
        return requests

    def _requeue_front(self, requests: list[Request]) -> None:
        """Put requests back ahead of everything queued, in their order."""
        rest = []
        while not self._queue.empty():
            rest.append(self._queue.get_nowait())
        for request in [*requests, *rest]:
            self._queue.put_nowait(request)

    async def _batch_loop(self) -> None:
        pipeline = self._pipeline
        assert pipeline is not None
        failures = 0
        while True:
            requests = await self._next_requests()
            try:
                await pipeline.launch(requests)
                keep = 1 if not self._queue.empty() else 0  # pipeline only when more is waiting
                abandoned = await pipeline.settle(keep)
            except PreviousFailedError:
                abandoned = [*await pipeline.settle(0), *requests]
                for request in requests:
                    request.retried = True
            except FencedError as error:
                await self._stop_fenced(pipeline, requests, error)
                return
            except Exception as error:  # noqa: BLE001 -- e.g. the idempotency lookup failed: retry later
                logger.warning("shard %d: batch not started: %s", self.config.shard_index, error)
                abandoned = [*await pipeline.settle(0), *requests]
                for request in requests:
                    request.retried = True
            if abandoned:
                failures += 1
                if failures >= self.config.commit_attempts:
                    self._fail(
                        abandoned,
                        LedgerUnavailableError(
                            f"shard {self.config.shard_index}: the journal could not be written after "
                            f"{failures} attempts; nothing of these commands was applied"
                        ),
                    )
                    failures = 0
                else:
                    self._requeue_front(abandoned)
                    await self._pause_after(failures, None)
                continue
            failures = 0
            if self._snapshot_due():
                await pipeline.settle(0)
                await self._maybe_snapshot()

    async def _stop_fenced(self, pipeline: Pipeline, requests: list[Request], error: FencedError) -> None:
        logger.error("%s; this incarnation stops", error)
        self._stopping = True
        for flight in pipeline.flights:
            flight.task.cancel()
        in_flight = [request for flight in pipeline.flights for request in flight.requests]
        pipeline.flights.clear()
        self._fail([*in_flight, *requests], error)

    def _fail(self, requests: list[Request], error: BaseException) -> None:
        for request in requests:
            if not request.future.done():
                request.future.set_exception(error)
                self._queued_commands -= len(request.commands)

    async def _lookup(self, commands: list[Command]) -> dict[uuid.UUID, StoredResult]:
        journal = self._journal
        assert journal is not None
        began = time.perf_counter()
        transfer_ids = [c.transfer_id for c in commands if isinstance(c, TRANSFER_COMMANDS)]
        command_ids = [idempotency_id(c) for c in commands if not isinstance(c, TRANSFER_COMMANDS)]
        stored = await journal.stored_results(transfer_ids, command_ids)
        self.busy_s["lookup"] += time.perf_counter() - began
        return stored

    async def _pause_after(self, attempt: int, error: BaseException | None) -> None:
        if error is not None:
            logger.warning("shard %d: journal unavailable (%s)", self.config.shard_index, error)
        await asyncio.sleep(min(1.0, 0.05 * 2**attempt))

    async def _write_and_answer(self, flight: Flight, previous_written: PreviousWritten) -> bool:
        """Commit the batch (after the one before it), then merge it and answer its requests.
        False if it was not written."""
        journal = self._journal
        assert journal is not None
        decided = flight.decided
        began = time.perf_counter()
        began_ns = time.time_ns()
        if decided.write.is_empty:
            committed = await previous_written()
        else:
            committed = await self._commit(journal, decided, previous_written)
        write_s = time.perf_counter() - began
        self.busy_s["write"] += write_s
        if not committed:
            return False
        metrics = ledger_metrics()
        if not decided.write.is_empty:
            metrics.commit_latency_ms.observe(write_s * 1000, tags=self._metric_tags)
        if flight.commands:
            metrics.batch_commands.observe(len(flight.commands), tags=self._metric_tags)
            metrics.committed_commands.inc(len(flight.commands), tags=self._metric_tags)
        if not decided.write.is_empty:
            self._dirty.update(decided.overlay.changed_account_ids())
            decided.overlay.merge()
            self._last_batch = decided.write.batch
        self.committed_commands += len(flight.commands)
        self.committed_batches += 1
        for hold in decided.new_holds:
            heapq.heappush(self._expiries, (hold.expires_at_ms, hold.pending_id))
        results = decided.results
        sagas = self._sagas.start(decided.sagas)  # by position in the batch
        offset = 0
        for request in flight.requests:
            size = len(request.commands)
            if not request.future.done():
                in_request = {index - offset: saga for index, saga in sagas.items() if offset <= index < offset + size}
                request.future.set_result((results[offset : offset + size], in_request))
            self._queued_commands -= size
            offset += size
        traced = [request for request in flight.requests if request.traces]
        if traced:
            record_commit_spans(
                [(carrier, request.enqueued_ns) for request in traced for carrier in request.traces],
                self.config.shard_index,
                decided.write.batch,
                len(flight.commands),
                began_ns,
                began_ns + int(write_s * 1e9),
                time.time_ns(),
            )
        return True

    async def _commit(self, journal: Journal, decided: DecidedBatch, previous_written: PreviousWritten) -> bool:
        """Write the batch; True when it is committed (read back if the outcome was unknown)."""
        try:
            await journal.write_batch(self._epoch, decided.write, previous_written)
            return True
        except PreviousBatchNotWrittenError:
            return False  # rolled back before its claim: certainly not written
        except FencedError:
            raise
        except JournalAheadError as error:
            self._on_fatal(str(error))
            raise
        except Exception as error:  # noqa: BLE001 -- whatever failed, the outcome is read back before going on
            logger.warning("shard %d: batch %d write failed: %s", self.config.shard_index, decided.write.batch, error)
        return await self._read_back_outcome(journal, decided.write.batch)

    async def _read_back_outcome(self, journal: Journal, batch: int) -> bool:
        deadline = time.monotonic() + self.config.outcome_check_timeout_s
        attempt = 0
        while True:
            try:
                return await journal.committed_batch(self._epoch) >= batch
            except FencedError:
                raise
            except Exception as error:
                if time.monotonic() > deadline:
                    self._on_fatal(f"shard {self.config.shard_index}: the outcome of batch {batch} is unknown")
                    raise
                await self._pause_after(attempt, error)
                attempt += 1

    # --- sagas -----------------------------------------------------------------------------

    async def _saga_recovery_loop(self) -> None:
        journal = self._journal
        assert journal is not None
        grace_s = 0.0  # at start, every open saga is ours to finish
        while True:
            try:
                await self._sagas.recover(await journal.open_sagas(grace_s))
            except Exception:
                logger.exception("saga recovery failed")
            grace_s = self.config.saga_recovery_grace_s
            await asyncio.sleep(self.config.saga_recovery_interval_s)

    # --- metrics ---------------------------------------------------------------------------

    async def _collector_loop(self) -> None:
        """Collect reference cycles on a clock (see _settle_garbage_collector)."""
        last_full_s = time.monotonic()
        try:
            while True:
                await asyncio.sleep(self.config.young_gc_interval_s)
                if time.monotonic() - last_full_s >= self.config.full_gc_interval_s:
                    gc.collect()
                    last_full_s = time.monotonic()
                else:
                    gc.collect(1)
        finally:
            gc.enable()  # the process goes on without this shard (an in-process ledger in tests)

    async def _gauge_loop(self) -> None:
        """What a batch does not report as it happens: the mailbox, the sagas, the snapshot's age."""
        journal = self._journal
        assert journal is not None
        metrics = ledger_metrics()
        while True:
            metrics.mailbox_commands.set(self._queued_commands, tags=self._metric_tags)
            # An unchanged shard's old snapshot is current: the age counts only while changes wait.
            unsnapshotted_s = time.monotonic() - self._last_snapshot_s if self._dirty else 0.0
            metrics.snapshot_age_s.set(unsnapshotted_s, tags=self._metric_tags)
            try:
                # The journal knows every open saga, including one a crash left for the recovery loop.
                open_sagas, oldest_age_s = await journal.open_saga_summary()
            except Exception as error:  # noqa: BLE001 -- a gauge misses a beat; the batch loop reports the journal
                logger.debug("saga gauges not read: %s", error)
            else:
                metrics.sagas_in_flight.set(open_sagas, tags=self._metric_tags)
                metrics.oldest_saga_age_s.set(oldest_age_s, tags=self._metric_tags)
            await asyncio.sleep(self.config.gauge_interval_s)

    # --- holds and snapshots -----------------------------------------------------------------

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.expiry_interval_s)
            now_ms = int(time.time() * 1000)
            expired: list[Command] = []
            while self._expiries and self._expiries[0][0] <= now_ms and len(expired) < self.config.max_batch_commands:
                _, pending_id = heapq.heappop(self._expiries)
                hold = self._state.holds.get(pending_id)
                if hold is not None:
                    expired.append(ExpirePending(pending_id, hold.debit_account_id))
            if expired:
                try:
                    await self.submit(expired)
                except Exception:
                    logger.exception("expiring holds failed")

    def _snapshot_due(self) -> bool:
        return bool(
            self._snapshot_requests
            or self._last_batch - self._snapshot_batch >= self.config.snapshot_every_batches
            or (self._dirty and time.monotonic() - self._last_snapshot_s >= self.config.snapshot_every_s)
        )

    async def _maybe_snapshot(self) -> None:
        if self._snapshot_due():
            try:
                await self._snapshot()
            except Exception as error:  # noqa: BLE001 -- a snapshot is an optimisation; the journal is the truth
                logger.warning("snapshot failed: %s", error)
                for request in self._snapshot_requests:
                    request.set_exception(error)
                self._snapshot_requests = []

    async def _snapshot(self) -> None:
        journal = self._journal
        assert journal is not None
        dirty = list(self._dirty)
        await journal.write_snapshot(self._epoch, self._last_batch, self._state, dirty)
        self._dirty.difference_update(dirty)
        self._snapshot_batch = self._last_batch
        self._last_snapshot_s = time.monotonic()
        gc.freeze()  # the accounts added since the last freeze join the permanent generation
        for request in self._snapshot_requests:
            if not request.done():
                request.set_result(None)
        self._snapshot_requests = []

"""Benchmark: fraud scoring on Ray Serve, with and without @serve.batch, and what the fraud
step adds to a transfer — each against a baseline measured in the same run.

Starts a whole stack (as `bankflow up` does) in a temporary directory, then:
  - scores movements through the Fraud deployment's handle (as actors such as the scheduler call it) at
    concurrency 1 and 64: scores/s, p50, p99; first with the deploy config's batching
    (`user_config`: up to 64 requests gathered for 2 ms), then with batching off
    (`scoring_max_batch_size: 1`), applied to the running replica without a restart;
  - runs single transfers through the transactions service in this process at concurrency 16,
    with the real fraud step (LocalScorer, as the gateway scores in its replica)
    and with a scorer that allows at once, and prints the p99 of each: the difference is the
    fraud step's cost in the money path.

Run with `make bench` or `python -m bench.fraud`; the last line is
`fraud: batch <r>x scores/s at concurrency 64, transfer p99 +<ms> ms with the fraud step`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ray import serve

from actors.banking.fraud_client import APP_NAME, DEPLOYMENT_NAME
from actors.banking.transactions import Movement
from actors.banking.wiring import connect_banking
from actors.settings import Settings
from bench.api import Run, bench_stack
from bench.output import say
from cluster import ray_runtime, serve_app
from deployments.fraud.local_scorer import LocalScorer
from models.fraud.check import Assessment, ScoringRequest, Verdict
from models.ledger.commands import Deposit, OpenAccount
from models.ledger.types import AccountType
from models.transactions import TransactionKind, TransactionStatus

BENCH_USER = uuid.UUID(int=1)
FUNDING_MINOR = 10**13
LIST_SIZE = 64
LIST_CALLERS = 4


class AllowAtOnce:
    """The baseline of the money path without a fraud step: every movement allowed, no call made."""

    async def assess(self, request: ScoringRequest) -> Assessment:
        return Assessment(Verdict.ALLOW, 0, ())

    async def assess_many(self, requests: list[ScoringRequest]) -> list[Assessment]:
        return [Assessment(Verdict.ALLOW, 0, ()) for _ in requests]


async def _timed(concurrency: int, seconds: float, call: Callable[[random.Random], Awaitable[None]]) -> Run:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            await call(rng)
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker(seed) for seed in range(concurrency)))
    return Run(len(latencies), time.perf_counter() - began, latencies)


def _request(rng: random.Random, accounts: Sequence[uuid.UUID]) -> ScoringRequest:
    source, destination = rng.sample(list(accounts), 2)
    amount_minor = rng.randint(100, 50_000)
    return ScoringRequest(
        uuid.uuid4(), "TRANSFER", source, destination, amount_minor, "USD", BENCH_USER, balance_minor=FUNDING_MINOR
    )


def _scoring(handle: Any, accounts: Sequence[uuid.UUID]) -> Callable[[random.Random], Awaitable[None]]:
    async def score(rng: random.Random) -> None:
        assessment = await handle.assess.remote(_request(rng, accounts))
        assert isinstance(assessment, Assessment)

    return score


def _scoring_lists(handle: Any, accounts: Sequence[uuid.UUID], size: int) -> Callable[[random.Random], Awaitable[None]]:
    """Movements scored a list at a time (as a batch transfer is): the per-request cost of Serve
    is paid once per list, so this is what the scoring itself can do."""

    async def score(rng: random.Random) -> None:
        requests = [_request(rng, accounts) for _ in range(size)]
        assessments = await handle.assess_many.remote(requests)
        assert len(assessments) == size

    return score


def _set_batching(settings: Settings, max_batch_size: int) -> None:
    serve_app.reconfigure(DEPLOYMENT_NAME, {"scoring_max_batch_size": max_batch_size}, settings.service_start_timeout_s)
    time.sleep(1.0)  # let the replica's queue drain into the new batch size before measuring


async def _funded_accounts(settings: Settings, count: int) -> list[uuid.UUID]:
    banking = await connect_banking(settings, AllowAtOnce())
    try:
        accounts = [uuid.uuid4() for _ in range(count)]
        opened = await banking.ledger.execute_many(
            [OpenAccount(uuid.uuid4(), account, AccountType.CHECKING, "USD") for account in accounts]
        )
        funded = await banking.ledger.execute_many(
            [Deposit(uuid.uuid4(), account, FUNDING_MINOR, "USD") for account in accounts]
        )
        assert all(result.accepted for result in [*opened, *funded])
        return accounts
    finally:
        await banking.close()


async def _transfers(
    settings: Settings, accounts: Sequence[uuid.UUID], with_fraud: bool, concurrency: int, seconds: float
) -> Run:
    # With the fraud step as the gateway runs it: scored in this process.
    scorer = await LocalScorer.open(settings.with_document_store()) if with_fraud else AllowAtOnce()
    banking = await connect_banking(settings, scorer, pool_size=concurrency)
    try:

        async def transfer(rng: random.Random) -> None:
            source, destination = rng.sample(list(accounts), 2)
            movement = Movement(TransactionKind.TRANSFER, source, rng.randint(1, 99), "USD", destination)
            row = await banking.transactions.execute(BENCH_USER, movement, uuid.uuid4())
            assert row["status"] == TransactionStatus.COMPLETED.value, row["reason"]

        return await _timed(concurrency, seconds, transfer)
    finally:
        await banking.close()


async def _score_runs(handle: Any, accounts: Sequence[uuid.UUID], args: argparse.Namespace, label: str) -> Run:
    top = Run(0, 1.0, [0.0])
    for concurrency in args.concurrency:
        run = await _timed(concurrency, args.seconds, _scoring(handle, accounts))
        say(f"  {label:<16} concurrency {concurrency:>3}: {run.line().replace('req/s', 'scores/s')}")
        top = run
    return top


def measure(settings: Settings, args: argparse.Namespace) -> float:
    """The p99 the fraud step adds to a transfer, in ms."""
    ray_runtime.connect(settings)
    accounts = asyncio.run(_funded_accounts(settings, args.accounts))
    handle = serve.get_deployment_handle(DEPLOYMENT_NAME, app_name=APP_NAME)
    say("fraud scoring through the Fraud deployment's handle:")
    batched = asyncio.run(_score_runs(handle, accounts, args, "@serve.batch"))
    _set_batching(settings, 1)
    single = asyncio.run(_score_runs(handle, accounts, args, "no batching"))
    _set_batching(settings, 64)
    lists = asyncio.run(_timed(LIST_CALLERS, args.seconds, _scoring_lists(handle, accounts, LIST_SIZE)))
    say(
        f"  lists of {LIST_SIZE} ({LIST_CALLERS} callers): {lists.per_second * LIST_SIZE:8,.0f} scores/s  "
        f"p50 {lists.percentile(0.5):6.1f} ms per list  (Serve's per-request cost paid once per list)"
    )
    say(f"transfers through the transactions service, concurrency {args.transfer_concurrency}:")
    without = asyncio.run(_transfers(settings, accounts, False, args.transfer_concurrency, args.seconds))
    say(f"  without the fraud step  {without.line()}")
    scored = asyncio.run(_transfers(settings, accounts, True, args.transfer_concurrency, args.seconds))
    say(f"  with the fraud step     {scored.line()}")
    ratio = batched.per_second / single.per_second
    added_ms = scored.percentile(0.99) - without.percentile(0.99)
    say(
        f"fraud: batch {ratio:.1f}x scores/s at concurrency {max(args.concurrency)}, "
        f"transfer p99 {added_ms:+.1f} ms with the fraud step"
    )
    return added_ms


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.fraud", description=__doc__)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--transfer-concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--accounts", type=int, default=200)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    with bench_stack("fraud") as settings:
        measure(settings, args)


if __name__ == "__main__":
    main()

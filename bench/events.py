"""Benchmark: the outbox relay under the batch endpoint's load, against the raw aiokafka produce
rate to the same broker measured in the same run.

On a whole stack (the API benchmark's under `make bench`, its own under `python -m bench.events`):
  - waits until the outbox is drained, so that only this load's events are counted;
  - the ceiling: an AIOKafkaProducer with the relay's options sends the relay's own messages
    (CloudEvents of outbox rows already on the stack, encoded beforehand) to a topic of its own,
    as fast as it can for a few seconds, one relay round's worth of events in flight at a time;
  - drives `POST /api/v1/transactions/transfer/batch` for a fixed time with a bounded number of
    requests in flight, and samples the outbox lag (age of the oldest unpublished row) every
    0.5 s; the rates count, by the database's clock, the events of the outbox rows written
    during the load and the events of the rows the relay marked published during it.

Run with `make bench` or `python -m bench.events`; the last line is
`events: relay <n> events/s vs ledger <m> events/s written, max outbox lag <s> s`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from actors.kafka_admin import ensure_topics
from actors.outbox_relay import (
    MAX_ROUND_EVENTS,
    OLDEST_UNPUBLISHED_AGE_SQL,
    PRODUCER_OPTIONS,
    row_events,
    to_cloudevent,
)
from actors.settings import Settings
from bench.api import Party, batch_transfers, bench_stack, setup
from bench.output import say
from cluster import stack

BATCH_PATH = "/api/v1/transactions/transfer/batch"
LAG_SAMPLE_S = 0.5
LAG_SLICE_S = 10.0  # the lag's maximum is printed per slice of the load: bounded or growing
DRAIN_TIMEOUT_S = 180.0
DRAIN_POLL_S = 0.2
SAMPLE_ROWS = 200  # outbox rows whose events the ceiling sends
BODIES_PER_PARTY = 4  # request bodies built before the load, sent in turn
UNPUBLISHED_SQL = "SELECT count(*) FROM outbox WHERE published_at IS NULL"

Message = tuple[bytes, bytes | None, list[tuple[str, bytes]]]


@dataclass
class Load:
    transfers: int
    requests: int
    began: datetime  # the database's clock
    ended: datetime
    lags_s: list[float]  # sampled every LAG_SAMPLE_S


async def _drained(pool: asyncpg.Pool, timeout_s: float) -> float | None:
    """Seconds until no outbox row waits for the relay; None if still some after `timeout_s`."""
    began = time.perf_counter()
    while await pool.fetchval(UNPUBLISHED_SQL):
        if time.perf_counter() - began > timeout_s:
            return None
        await asyncio.sleep(DRAIN_POLL_S)
    return time.perf_counter() - began


async def _sample_messages(pool: asyncpg.Pool) -> list[Message]:
    """The relay's messages for the newest outbox rows, as the relay encodes them."""
    messages: list[Message] = []
    rows = await pool.fetch("SELECT format, topic, events FROM outbox ORDER BY position DESC LIMIT $1", SAMPLE_ROWS)
    for row in rows:
        for _, event in await row_events(pool, row["format"], row["topic"], json.loads(row["events"])):
            message = to_cloudevent(event)
            key = message.key.encode() if isinstance(message.key, str) else message.key
            messages.append((message.value, key, list(message.headers.items())))
    assert messages, "the outbox holds no row to take the ceiling's messages from"
    return messages


async def _raw_produce_rate(bootstrap: str, messages: Sequence[Message], seconds: float) -> float:
    topic = f"bench-relay-ceiling-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, (topic,))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **PRODUCER_OPTIONS)
    await producer.start()
    try:
        acknowledged, n = 0, 0
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            acks = []
            for _ in range(MAX_ROUND_EVENTS):
                value, key, headers = messages[n % len(messages)]
                n += 1
                acks.append(await producer.send(topic, value, key=key, headers=headers))
            await asyncio.gather(*acks)
            acknowledged += len(acks)
        return acknowledged / (time.perf_counter() - began)
    finally:
        await producer.stop()


def _bodies(parties: Sequence[Party], size: int, rng: random.Random) -> list[tuple[Party, bytes]]:
    every_account = [account for party in parties for account in party.accounts]
    bodies = []
    for party in parties:
        for _ in range(BODIES_PER_PARTY):
            items = batch_transfers(party, every_account, size, rng)
            bodies.append((party, json.dumps({"transfers": items}).encode()))
    return bodies


async def _load(settings: Settings, pool: asyncpg.Pool, parties: Sequence[Party], args: argparse.Namespace) -> Load:
    """`args.in_flight` workers each sending one batch request at a time until `args.seconds`
    have passed; the window ends when the last request is answered."""
    bodies = _bodies(parties, args.batch_size, random.Random(11))
    lags: list[float] = []
    done = asyncio.Event()

    async def sample_lag() -> None:
        async with pool.acquire() as connection:
            while not done.is_set():
                lags.append(float(await connection.fetchval(OLDEST_UNPUBLISHED_AGE_SQL)))
                await asyncio.sleep(LAG_SAMPLE_S)

    transfers, requests = 0, 0
    limits = httpx.Limits(max_connections=args.in_flight, max_keepalive_connections=args.in_flight)
    stop_at = 0.0  # set when the load starts
    async with httpx.AsyncClient(base_url=stack.http_url(settings), timeout=300, limits=limits) as client:

        async def worker(first: int) -> None:
            nonlocal transfers, requests
            turn = first
            while time.perf_counter() < stop_at:
                party, body = bodies[turn % len(bodies)]
                turn += args.in_flight
                headers = {**party.headers, "Content-Type": "application/json"}
                response = await client.post(BATCH_PATH, content=body, headers=headers)
                assert response.status_code == 201, f"{response.status_code} {response.text[:300]}"
                transfers += sum(item["status"] == "COMPLETED" for item in response.json()["items"])
                requests += 1

        began: datetime = await pool.fetchval("SELECT clock_timestamp()")
        sampler = asyncio.get_running_loop().create_task(sample_lag())
        stop_at = time.perf_counter() + args.seconds
        try:
            await asyncio.gather(*(worker(first) for first in range(args.in_flight)))
        finally:
            ended: datetime = await pool.fetchval("SELECT clock_timestamp()")
            done.set()
            await sampler
    return Load(transfers, requests, began, ended, lags or [0.0])


async def _events_between(pool: asyncpg.Pool, column: str, began: datetime, ended: datetime) -> int:
    assert column in ("created_at", "published_at"), column
    count: int = await pool.fetchval(
        f"SELECT coalesce(sum(event_count), 0) FROM outbox WHERE {column} >= $1 AND {column} < $2",  # nosec B608 -- one of two column names, asserted above
        began,
        ended,
    )
    return count


async def measure(settings: Settings, args: argparse.Namespace, parties: Sequence[Party]) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=3)
    try:
        waited = await _drained(pool, DRAIN_TIMEOUT_S)
        backlog = "drained" if waited is not None else f"{await pool.fetchval(UNPUBLISHED_SQL):,} rows still waiting"
        say(f"relay: the outbox before the load {backlog}; raw produce for {args.ceiling_seconds:.0f} s…")
        messages = await _sample_messages(pool)
        mean_bytes = sum(len(value) for value, _, _ in messages) / len(messages)
        ceiling = await _raw_produce_rate(settings.kafka_bootstrap, messages, args.ceiling_seconds)
        say(
            f"relay: {args.seconds:.0f} s of batch transfers, {args.in_flight} requests of "
            f"{args.batch_size:,} in flight…"
        )
        load = await _load(settings, pool, parties, args)
        seconds = (load.ended - load.began).total_seconds()
        written = await _events_between(pool, "created_at", load.began, load.ended) / seconds
        published = await _events_between(pool, "published_at", load.began, load.ended) / seconds
        drain_s = await _drained(pool, DRAIN_TIMEOUT_S)
        drained = f"drained {drain_s:.1f} s after the load" if drain_s is not None else "not drained"
    finally:
        await pool.close()
    per_slice = round(LAG_SLICE_S / LAG_SAMPLE_S)
    slices = [max(load.lags_s[n : n + per_slice]) for n in range(0, len(load.lags_s), per_slice)]
    say(f"  batch endpoint: {load.requests} requests, {load.transfers / seconds:,.0f} transfers/s; outbox {drained}")
    say(f"  outbox lag, max per {LAG_SLICE_S:.0f} s of the load: {' '.join(f'{lag:.1f}' for lag in slices)} s")
    say(f"  raw aiokafka produce (same broker, {mean_bytes:,.0f}-byte events): {ceiling:,.0f} events/s")
    say(f"events: relay {published:,.0f} events/s vs ledger {written:,.0f} events/s written, "
        f"max outbox lag {max(load.lags_s):.1f} s")  # fmt: skip


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.events", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="of batch transfers")
    parser.add_argument("--in-flight", type=int, default=8, help="batch requests in flight")
    parser.add_argument("--batch-size", type=int, default=200, help="transfers per request")
    parser.add_argument("--ceiling-seconds", type=float, default=5.0, help="of raw produce")
    parser.add_argument("--customers", type=int, default=4, help="(own stack only)")
    parser.add_argument("--accounts-each", type=int, default=4, help="(own stack only)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    with bench_stack("events") as settings:
        _, parties = setup(settings, args)
        asyncio.run(measure(settings, args, parties))


if __name__ == "__main__":
    main()

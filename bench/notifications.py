"""Benchmark: the notification consumer on a backlog, against the raw aiokafka consume rate of
the same topic in the same run; and the time from an outbox commit to the live stream.

Starts a whole stack (as `bankflow up` does) in a temporary directory, then:
  - publishes a backlog of events (default 50,000 `user.registered` for 1,000 users) to a topic
    of its own, reads it with a bare aiokafka consumer (the ceiling), then with the
    notification consumer recording into PostgreSQL, and prints both rates and their ratio;
  - waits for the stack to send the messages the backlog caused (the stream is measured at
    low load), then opens a customer's live stream (HTTP, server-sent events) and commits
    events for that customer to the outbox at a moderate rate; p50/p99 from each commit to its
    arrival on the stream (through the relay, Kafka, the notifications actor, PostgreSQL NOTIFY and Serve).

Run with `make bench` or `python -m bench.notifications`; the last line is
`notifications: <r> of raw consume rate, outbox→stream p99 <ms> ms`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Sequence

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from actors.kafka_admin import ensure_topics
from actors.notifications.consumer import NotificationConsumer
from actors.notifications.intake import NotificationIntake
from actors.notifications.rendering import Renderer
from actors.outbox import write_events
from actors.outbox_relay import to_cloudevent
from actors.settings import Settings
from bench.api import PASSWORD, Run, bench_stack
from bench.output import say
from cluster import stack
from models.events import DomainEvent
from models.topics import IDENTITY_EVENTS

PUBLISH_BATCH = 1_000
DRAIN_PROGRESS_S = 60.0


def _registered(user_id: uuid.UUID, email: str, n: int) -> DomainEvent:
    data = {"user_id": str(user_id), "email": email}
    return DomainEvent(
        uuid.uuid4(), "user.registered", IDENTITY_EVENTS, "bankflow/bench", f"{user_id}", str(user_id),
        int(time.time() * 1000), {**data, "n": n},
    )  # fmt: skip


async def _backlog(settings: Settings, topic: str, users: int, events: int) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    people = [(uuid.uuid4(), f"bench-{uuid.uuid4().hex[:10]}@example.com") for _ in range(users)]
    try:
        await pool.executemany("INSERT INTO users (user_id, email, password_hash) VALUES ($1, $2, 'x')", people)
    finally:
        await pool.close()
    await ensure_topics(settings.kafka_bootstrap, (topic,))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        for start in range(0, events, PUBLISH_BATCH):
            sends = []
            for n in range(start, min(events, start + PUBLISH_BATCH)):
                user, email = people[n % users]
                message = to_cloudevent(_registered(user, email, n).as_json())
                sends.append(await producer.send(topic, message.value, key=str(user).encode()))
            await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _raw_rate(settings: Settings, topic: str, events: int) -> float:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap, group_id=f"raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        began, seen = time.perf_counter(), 0
        while seen < events:
            for messages in (await consumer.getmany(timeout_ms=500, max_records=500)).values():
                seen += len(messages)
        return seen / (time.perf_counter() - began)
    finally:
        await consumer.stop()


async def _recorded_rate(settings: Settings, topic: str, events: int) -> float:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    intake = NotificationIntake(pool, Renderer())
    consumer = NotificationConsumer(
        settings.kafka_bootstrap, intake, topics=(topic,), group_id=f"bench-{uuid.uuid4().hex[:8]}",
        dead_letter_topic=f"{topic}-dead",
    )  # fmt: skip
    began = time.perf_counter()
    task = asyncio.get_running_loop().create_task(consumer.run_forever())
    try:
        while consumer.consumed < events:  # noqa: ASYNC110 -- watching a counter the consumer task moves
            await asyncio.sleep(0.2)
        return events / (time.perf_counter() - began)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await pool.close()


async def _backlog_delivered(settings: Settings, timeout_s: float) -> None:
    """Wait for the stack to send what the backlog caused: the stream is measured at low load,
    not beside the delivery of tens of thousands of messages."""
    connection = await asyncpg.connect(settings.database_url)
    try:
        began = time.perf_counter()
        last_said = began
        while (pending := await connection.fetchval("SELECT count(*) FROM notifications WHERE status = 'pending'")) > 0:
            now = time.perf_counter()
            if now - began > timeout_s:
                say(f"  {pending:,} messages still pending after {timeout_s:.0f} s; measuring the stream beside them")
                return
            if now - last_said >= DRAIN_PROGRESS_S:
                say(f"  waiting for the backlog's messages to be sent: {pending:,} pending")
                last_said = now
            await asyncio.sleep(1.0)
        say(f"  the backlog's messages were sent in {time.perf_counter() - began:.0f} s")
    finally:
        await connection.close()


async def _stream_latency(settings: Settings, count: int, per_second: float) -> Run:
    base_url = stack.http_url(settings)
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=120)) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        user_id = uuid.UUID(registered.json()["user_id"])
        token = (await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # The sign-up's own messages (welcome, code) first, so that what the stream brings is ours.
        history_url = f"/api/v1/notifications/user/{user_id}"
        while len((await client.get(history_url, headers=headers)).json()["items"]) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        committed: dict[str, float] = {}
        latencies: list[float] = []
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)

        async def commit_events() -> None:
            for n in range(count):
                event = _registered(user_id, email, n)
                async with pool.acquire() as connection, connection.transaction():
                    await write_events(connection, [event])
                committed[str(n)] = time.perf_counter()
                await asyncio.sleep(1 / per_second)

        async with client.stream("GET", "/api/v1/notifications/stream", headers=headers) as response:
            producer = asyncio.get_running_loop().create_task(commit_events())
            began = time.perf_counter()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                body = json.loads(line[5:])
                if body["event_type"] == "user.registered":
                    arrived = time.perf_counter()
                    number = str(len(latencies))
                    latencies.append((arrived - committed.get(number, arrived)) * 1000)
                if len(latencies) >= count:
                    break
            await producer
        await pool.close()
    return Run(len(latencies), time.perf_counter() - began, latencies)


async def measure(settings: Settings, args: argparse.Namespace) -> float:
    """The notification consumer's rate as a share of a bare consumer's."""
    topic = f"bench-events-{uuid.uuid4().hex[:8]}"
    say(f"publishing a backlog of {args.events:,} events for {args.users:,} users…")
    await _backlog(settings, topic, args.users, args.events)
    raw = await _raw_rate(settings, topic, args.events)
    say(f"  raw aiokafka consume:          {raw:10,.0f} events/s")
    recorded = await _recorded_rate(settings, topic, args.events)
    say(f"  notification consumer (record): {recorded:10,.0f} events/s")
    await _backlog_delivered(settings, args.drain_timeout_s)
    latency = await _stream_latency(settings, args.stream_events, args.stream_rate)
    say(
        f"outbox commit → live stream ({args.stream_events} events at {args.stream_rate:.0f}/s): "
        f"p50 {latency.percentile(0.5):.1f} ms  p99 {latency.percentile(0.99):.1f} ms"
    )
    say(f"notifications: {recorded / raw:.3f} of raw consume rate, outbox→stream p99 {latency.percentile(0.99):.0f} ms")
    return recorded / raw


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.notifications", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--stream-events", type=int, default=100)
    parser.add_argument("--stream-rate", type=float, default=10.0, help="events per second onto the stream")
    parser.add_argument(
        "--drain-timeout-s", type=float, default=900.0,
        help="how long to wait for the backlog's messages to be sent before the stream is measured",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    with bench_stack("notifications") as settings:
        asyncio.run(measure(settings, args))


if __name__ == "__main__":
    main()

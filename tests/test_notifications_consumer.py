"""The notification consumer against the real broker and a fresh database, on topics of its
own: a replay from offset 0 notifies nobody twice, a consumer killed mid-stream loses and
doubles nothing after its restart, and a poison message is dead-lettered while later events
still flow."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from actors.kafka_admin import ensure_topics
from actors.notifications.consumer import NotificationConsumer
from actors.notifications.intake import NotificationIntake
from actors.notifications.rendering import Renderer
from actors.outbox_relay import to_cloudevent
from actors.settings import Settings

USERS = 12
EVENTS_PER_USER = 4


def _event(user_id: uuid.UUID, email: str, n: int) -> dict[str, object]:
    return {
        "id": f"test-{user_id}-{n}",
        "source": "bankflow/identity",
        "type": "com.bankflow.user.registered",
        "subject": str(user_id),
        "key": str(user_id),
        "time_ms": int(datetime.now(UTC).timestamp() * 1000),
        "data": {"user_id": str(user_id), "email": email},
    }


async def _users(pool: asyncpg.Pool, count: int) -> list[tuple[uuid.UUID, str]]:
    users = [(uuid.uuid4(), f"n-{uuid.uuid4().hex[:10]}@example.com") for _ in range(count)]
    await pool.executemany("INSERT INTO users (user_id, email, password_hash) VALUES ($1, $2, 'not-a-hash')", users)
    return users


async def _publish(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


def _cloudevent(event: dict[str, object]) -> bytes:
    value: bytes = to_cloudevent(event).value
    return value


@contextlib.asynccontextmanager
async def _running(consumer: NotificationConsumer) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.get_running_loop().create_task(consumer.run_forever())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _until(check: object, timeout_s: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.fixture
async def pool(ledger_database: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(ledger_database, min_size=1, max_size=4)
    yield created
    await created.close()


async def test_replayed_and_interrupted_consumption_notifies_each_person_once(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    topic, dead = f"test-events-{uuid.uuid4().hex[:8]}", f"test-dead-{uuid.uuid4().hex[:8]}"
    await ensure_topics(settings.kafka_bootstrap, (topic, dead))
    users = await _users(pool, USERS)
    events = [_event(user, email, n) for n in range(EVENTS_PER_USER) for user, email in users]
    await _publish(settings.kafka_bootstrap, topic, [_cloudevent(event) for event in events])
    expected = len(events)  # every event is the welcome of a known user, by email

    async def recorded() -> int:
        count: int = await pool.fetchval("SELECT count(*) FROM notifications")
        return count

    group = f"test-group-{uuid.uuid4().hex[:8]}"
    first = NotificationConsumer(
        settings.kafka_bootstrap, NotificationIntake(pool, Renderer()), topics=(topic,), group_id=group,
        dead_letter_topic=dead,
    )  # fmt: skip
    async with _running(first):
        await _until(lambda: _at_least(recorded, expected // 3))
    # killed part-way (cancelled between commits); a new consumer of the same group resumes
    second = NotificationConsumer(
        settings.kafka_bootstrap, NotificationIntake(pool, Renderer()), topics=(topic,), group_id=group,
        dead_letter_topic=dead,
    )  # fmt: skip
    async with _running(second):
        await _until(lambda: _at_least(recorded, expected))
        await asyncio.sleep(1.0)
    assert await recorded() == expected
    handled = await pool.fetchval("SELECT count(*) FROM notification_events")
    assert handled == expected

    replay = NotificationIntake(pool, Renderer())
    from_zero = NotificationConsumer(
        settings.kafka_bootstrap, replay, topics=(topic,), group_id=f"replay-{uuid.uuid4().hex[:8]}",
        dead_letter_topic=dead,
    )  # fmt: skip
    async with _running(from_zero):
        await _until(lambda: _replayed(replay, expected))
    assert replay.recorded == 0 and await recorded() == expected
    per_person = await pool.fetch("SELECT user_id, count(*) AS n FROM notifications GROUP BY user_id")
    assert sorted(row["n"] for row in per_person) == [EVENTS_PER_USER] * USERS


async def _at_least(count: object, target: int) -> bool:
    return bool(await count() >= target)  # type: ignore[operator]


async def _replayed(intake: NotificationIntake, target: int) -> bool:
    return intake.duplicates >= target


async def test_a_poison_message_is_dead_lettered_and_later_events_still_flow(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    topic, dead = f"test-events-{uuid.uuid4().hex[:8]}", f"test-dead-{uuid.uuid4().hex[:8]}"
    await ensure_topics(settings.kafka_bootstrap, (topic, dead))
    ((user, email),) = await _users(pool, 1)
    unknown = dict(_event(user, email, 0), type="com.bankflow.no.such.event", id="unknown-type")
    await _publish(
        settings.kafka_bootstrap,
        topic,
        [b"{not json", _cloudevent(unknown), _cloudevent(_event(user, email, 1))],
    )
    consumer = NotificationConsumer(
        settings.kafka_bootstrap, NotificationIntake(pool, Renderer()), topics=(topic,),
        group_id=f"test-group-{uuid.uuid4().hex[:8]}", dead_letter_topic=dead,
    )  # fmt: skip

    async def delivered() -> bool:
        return bool(await pool.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1", user))

    async with _running(consumer):
        await _until(delivered)
    assert consumer.dead_lettered == 2

    reader = AIOKafkaConsumer(dead, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest")
    await reader.start()
    try:
        reasons: list[str] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(reasons) < 2 and asyncio.get_running_loop().time() < deadline:
            for messages in (await reader.getmany(timeout_ms=500)).values():
                reasons.extend(dict(message.headers)["reason"].decode() for message in messages)
    finally:
        await reader.stop()
    assert sorted(reasons) == sorted(["not JSON", "unknown event type 'no.such.event'"])
    stored = await pool.fetchrow("SELECT * FROM notifications WHERE user_id = $1", user)
    assert stored is not None and stored["recipient"] == email and json.loads(stored["metadata"])["secret"] is False

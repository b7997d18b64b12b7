"""Each embedded service is reached over its real socket; failures are named, never hangs."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from actors.kafka_admin import ensure_topics
from actors.settings import Settings
from cluster.embedded import redis as embedded_redis
from cluster.embedded.process import ServiceError, spawn, wait_ready
from models.topics import ALL_TOPICS
from tests.conftest import isolated_settings


async def test_postgres_answers_sql_over_tcp(settings: Settings) -> None:
    connection = await asyncpg.connect(settings.database_url)
    try:
        assert await connection.fetchval("SELECT 20 + 22") == 42
        assert (await connection.fetchval("SHOW server_version")).startswith("18")
    finally:
        await connection.close()


def test_postgres_data_survives_a_restart(tmp_path: Path) -> None:
    """On a PostgreSQL of its own: stopping the session's would cut every connection of the stack
    the other tests use, and a failed restart there would fail them all."""
    from cluster.embedded import postgres

    own = isolated_settings(tmp_path / "restarted")
    dsn = postgres.start(own)

    async def write() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("CREATE TABLE survivor (value text); INSERT INTO survivor VALUES ('kept')")
        finally:
            await connection.close()

    async def read() -> str:
        connection = await asyncpg.connect(dsn)
        try:
            value: str = await connection.fetchval("SELECT value FROM survivor")
            return value
        finally:
            await connection.close()

    try:
        asyncio.run(write())
        assert postgres.stop(own) >= 1
        assert postgres.start(own) == dsn
        assert asyncio.run(read()) == "kept"
    finally:
        postgres.stop(own)


async def test_broker_has_every_topic_and_round_trips_a_message(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        assert set(ALL_TOPICS) <= set(await admin.list_topics())
    finally:
        await admin.close()
    assert await ensure_topics(settings.kafka_bootstrap) == []

    marker = uuid.uuid4().bytes
    topic = f"test-round-trip-{uuid.uuid4().hex[:8]}"  # product topics carry only CloudEvents
    assert await ensure_topics(settings.kafka_bootstrap, (topic,)) == [topic]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, marker, key=b"acct-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"test-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign([sent.topic_partition])
        consumer.seek(sent.topic_partition, sent.offset)
        batch = await consumer.getmany(sent.topic_partition, timeout_ms=10_000)
        assert [record.value for record in batch[sent.topic_partition]][:1] == [marker]
    finally:
        await consumer.stop()


async def test_redis_answers_over_tcp(settings: Settings) -> None:
    client = aioredis.from_url(settings.redis_url)
    try:
        key = f"test:{uuid.uuid4()}"
        await client.set(key, "value", ex=60)
        assert await client.get(key) == b"value"
    finally:
        await client.aclose()


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        own = isolated_settings(tmp_path / ".bankflow", redis_port=port)
        with pytest.raises(ServiceError, match=rf"redis: port 127.0.0.1:{port} is already in use.*BANKFLOW_REDIS_PORT"):
            embedded_redis.start(own)


def test_a_missing_binary_is_named(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match=r"broker: binary .*/no-such-broker is missing"):
        spawn("broker", [str(tmp_path / "no-such-broker")], port=1, run_dir=tmp_path, log_path=tmp_path / "b.log")


def test_a_child_that_crashes_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    server = embedded_redis._server_binary()
    _, record = spawn(
        "redis",
        [str(server), "--no-such-option", "yes"],
        port=1,
        run_dir=tmp_path,
        log_path=tmp_path / "redis.log",
    )
    with pytest.raises(ServiceError, match=r"(?s)redis: the process exited during start-up.*no-such-option"):
        wait_ready("redis", lambda: False, timeout_s=30, record=record)


def test_a_service_that_never_gets_ready_fails_at_the_bound(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="thing: not ready after 1 s"):
        wait_ready("thing", lambda: False, timeout_s=1.0)

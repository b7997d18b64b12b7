"""The outbox relay: publishes the events committed to the outbox table to Kafka as
CloudEvents 1.0 (structured JSON, key = the aggregate's partition key), then marks them sent.

The relay works in rounds: the oldest unpublished rows (at most MAX_ROUND_ROWS rows and
MAX_ROUND_EVENTS events), every event of the round sent before one wait for all of the
broker's acknowledgements, then one UPDATE marks the whole round. A round's events are sent
in position order on one producer, which keeps each key's order (see PRODUCER_OPTIONS).

At-least-once: a round is marked only after the broker acknowledged every one of its events;
a failed send or a crash in between publishes the whole round again, with the same event ids.
One relay is active at a time (a PostgreSQL advisory lock); a second one waits. Broker or
database failures are retried with backoff; the relay never gives up and never skips a row.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg
import ray
from aiokafka import AIOKafkaProducer
from cloudevents.core.bindings import kafka as cloudevents_kafka

from actors.kafka_admin import ensure_topics
from actors.ledger.journal import posted_legs
from actors.metrics import outbox_metrics
from actors.outbox import EVENTS_FORMAT, LEDGER_BATCH_FORMAT
from actors.singletons import singleton_options
from actors.tracing import prepare_process
from models.ledger.events import expand, posting_seqs

logger = logging.getLogger("bankflow.outbox")

MAX_ROUND_ROWS = 1_000
# A round stops adding rows at this many events; a single row above it (a ledger batch row
# holds a few events per command, and a shard batch is bounded by its max_batch_commands)
# makes a round of its own: a row is published, and marked, whole.
MAX_ROUND_EVENTS = 32_768
IDLE_POLL_S = 0.05
# aiokafka sends one batch per partition at a time and puts a batch that failed with a
# retriable error back at the head of its partition's queue (it has no max.in.flight
# setting), so events sent in order from this one producer reach each partition, hence each
# key, in order. Retries happen inside aiokafka until request_timeout_ms, then the round
# fails and is sent again whole. A batch that fails for good does not hold back the later
# batches of its partition, so a consumer can then meet a later event before the earlier
# one's re-send (as it could within one row before rounds). Not idempotent on purpose: an
# idempotent aiokafka producer never expires a batch, so a round would wait on a dead broker
# forever instead of failing into the relay's backoff and reconnect.
PRODUCER_OPTIONS: Final[dict[str, Any]] = {
    "acks": "all",
    "enable_idempotence": False,
    "linger_ms": 2,
    # A round puts thousands of events in flight; bigger batches mean fewer produce requests
    # (aiokafka has one request in flight per broker). Well under Kafka's default 1 MiB limit.
    "max_batch_size": 256 * 1024,
    # The longest a round waits on an acknowledgement (aiokafka's default, stated).
    "request_timeout_ms": 40_000,
}
MAX_BACKOFF_S = 2.0
# Any fixed 64-bit number: the key of the advisory lock the active relay holds.
RELAY_LOCK_KEY = 0x426F78526C6179  # "BoxRlay"
RELAY_ACTOR_NAME = "outbox-relay"
RELAY_NAMESPACE = "bankflow"
LAG_SAMPLE_S = 5.0
# The oldest unpublished row by publish order (the partial index), its age by the database's clock.
OLDEST_UNPUBLISHED_AGE_SQL = """
    SELECT coalesce(extract(epoch FROM clock_timestamp() - (
        SELECT created_at FROM outbox WHERE published_at IS NULL ORDER BY position LIMIT 1)), 0)"""
# The next round: the oldest unpublished rows ($1 at most) while their events add up to no
# more than $2, and the first of them in any case.
NEXT_ROUND_SQL = """
    SELECT position, format, topic, events FROM (
        SELECT position, format, topic, events,
               row_number() OVER (ORDER BY position) AS ordinal,
               sum(event_count) OVER (ORDER BY position) AS events_through
        FROM (SELECT position, format, topic, events, event_count FROM outbox
              WHERE published_at IS NULL ORDER BY position LIMIT $1) AS oldest) AS round
    WHERE ordinal = 1 OR events_through <= $2
    ORDER BY position"""
MARK_ROUND_SQL = "UPDATE outbox SET published_at = now() WHERE position = ANY($1::bigint[])"
STRUCTURED_HEADERS: Final = {"content-type": b"application/cloudevents+json"}


def to_cloudevent(event: dict[str, Any]) -> cloudevents_kafka.KafkaMessage:
    """An outbox event → a structured-mode Kafka message: byte for byte what the cloudevents
    library's Kafka binding writes for it (tests/test_outbox_relay.py holds the two equal), built
    directly. The library builds and validates a CloudEvent object first, and that cost the relay
    three times as much CPU per event as the JSON itself; the outbox's events are the relay's own
    writers', with every attribute present."""
    moment = datetime.fromtimestamp(event["time_ms"] / 1000, tz=UTC).isoformat()
    value = json.dumps(
        {
            "id": event["id"],
            "source": event["source"],
            "type": event["type"],
            "subject": event["subject"],
            "time": moment.removesuffix("+00:00") + "Z",
            "datacontenttype": "application/json",
            "partitionkey": event["key"],
            "specversion": "1.0",
            "data": event["data"],
        }
    ).encode()
    return cloudevents_kafka.KafkaMessage(headers=dict(STRUCTURED_HEADERS), key=event["key"], value=value)


async def row_events(
    connection: asyncpg.Connection | asyncpg.Pool, row_format: str, topic: str | None, stored: Any
) -> list[tuple[str, dict[str, Any]]]:
    """(topic, event) pairs of an outbox row, in publishing order. A ledger batch's events
    recorded by position are read off their postings (models/ledger/events.py), in one query."""
    if row_format == LEDGER_BATCH_FORMAT:
        legs = await posted_legs(connection, stored.get("shard", 0), stored.get("batch", 0), posting_seqs(stored))
        return [(event.topic, event.as_json()) for event in expand(stored, legs)]
    assert row_format == EVENTS_FORMAT and topic is not None, (row_format, topic)
    return [(topic, event) for event in stored]


class OutboxRelay:
    def __init__(self, database_url: str, kafka_bootstrap: str) -> None:
        self._database_url = database_url
        self._bootstrap = kafka_bootstrap
        self._producer: AIOKafkaProducer | None = None
        self._lock_connection: asyncpg.Connection | None = None
        self._pool: asyncpg.Pool | None = None
        self.published_events = 0
        self.published_rows = 0
        self.last_position = 0
        self.active = False
        self.failures = 0
        self._metrics = outbox_metrics()

    async def run_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self._become_active()
                attempt = 0
                while True:
                    if not await self.publish_round():
                        await asyncio.sleep(IDLE_POLL_S)
            except asyncio.CancelledError:
                await self.close()
                raise
            except Exception as error:  # noqa: BLE001 -- broker or database down: back off, start over
                self.failures += 1
                self._metrics.relay_failures.inc()
                logger.warning("outbox relay: %s; retrying", error)
                await self.close()
                await asyncio.sleep(min(MAX_BACKOFF_S, 0.05 * 2**attempt))
                attempt += 1

    async def _become_active(self) -> None:
        """Hold the relay lock (waiting while another relay holds it), then connect to Kafka."""
        self._lock_connection = await asyncpg.connect(self._database_url)
        await self._lock_connection.execute("SELECT pg_advisory_lock($1)", RELAY_LOCK_KEY)
        self._pool = await asyncpg.create_pool(self._database_url, min_size=1, max_size=2)
        await ensure_topics(self._bootstrap)
        self._producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, **PRODUCER_OPTIONS)
        await self._producer.start()
        self.active = True

    async def publish_round(self) -> bool:
        """Publish a round of the oldest unpublished rows and mark them; True if there were any."""
        assert self._pool is not None and self._producer is not None
        rows = await self._pool.fetch(NEXT_ROUND_SQL, MAX_ROUND_ROWS, MAX_ROUND_EVENTS)
        if not rows:
            return False
        acks: list[asyncio.Future[Any]] = []
        try:
            for row in rows:
                stored = json.loads(row["events"])
                for topic, event in await row_events(self._pool, row["format"], row["topic"], stored):
                    message = to_cloudevent(event)
                    key = message.key.encode() if isinstance(message.key, str) else message.key
                    headers = list(message.headers.items())
                    acks.append(await self._producer.send(topic, message.value, key=key, headers=headers))
        except BaseException:
            # The round is abandoned whole; its sent events go out again with the next one.
            for ack in acks:
                ack.cancel()
            raise
        # Every acknowledgement settles before a failure is raised: no send of this round is
        # still unaccounted for when the relay starts over.
        outcomes = await asyncio.gather(*acks, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        positions = [row["position"] for row in rows]
        await self._pool.execute(MARK_ROUND_SQL, positions)
        self.published_events += len(acks)
        self._metrics.published_events.inc(len(acks))
        self.published_rows += len(positions)
        self.last_position = positions[-1]
        return True

    async def watch_lag(self) -> None:
        """Report the outbox lag every LAG_SAMPLE_S, on a connection of its own: the lag must keep
        growing in the metrics while publishing is stuck (broker down, relay retrying)."""
        connection: asyncpg.Connection | None = None
        try:
            while True:
                try:
                    if connection is None or connection.is_closed():
                        connection = await asyncpg.connect(self._database_url)
                    self._metrics.lag_s.set(float(await connection.fetchval(OLDEST_UNPUBLISHED_AGE_SQL)))
                except (OSError, asyncpg.PostgresError) as error:
                    logger.debug("outbox lag not read: %s", error)
                    if connection is not None:
                        connection.terminate()
                    connection = None
                await asyncio.sleep(LAG_SAMPLE_S)
        finally:
            if connection is not None:
                connection.terminate()

    async def close(self) -> None:
        self.active = False
        if self._producer is not None:
            try:
                await self._producer.stop()
            except Exception:
                logger.debug("producer close failed", exc_info=True)
            self._producer = None
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None
        if self._lock_connection is not None:
            self._lock_connection.terminate()
            self._lock_connection = None

    def stats(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "published_events": self.published_events,
            "published_rows": self.published_rows,
            "last_position": self.last_position,
            "failures": self.failures,
        }


@ray.remote(max_restarts=-1, max_task_retries=0)
class RelayActor:
    """Runs an OutboxRelay for as long as the actor lives (restarted by Ray if it dies)."""

    def __init__(self, database_url: str, kafka_bootstrap: str) -> None:
        # Ray runs an async actor's __init__ in its event loop: the relay starts with the actor,
        # including when Ray restarts it after a crash.
        prepare_process("outbox-relay", json_logs=True)
        self._relay = OutboxRelay(database_url, kafka_bootstrap)
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._relay.run_forever())
        self._lag_task = loop.create_task(self._relay.watch_lag())

    async def stats(self) -> dict[str, Any]:
        return {**self._relay.stats(), "running": not self._task.done()}

    async def stop(self) -> None:
        self._task.cancel()
        self._lag_task.cancel()
        await asyncio.gather(self._task, self._lag_task, return_exceptions=True)


def ensure_relay(
    database_url: str,
    kafka_bootstrap: str,
    name: str = RELAY_ACTOR_NAME,
    resources: Mapping[str, float] | None = None,
) -> Any:
    """The relay actor (detached, so it outlives the caller), created if missing."""
    options = singleton_options(name, RELAY_NAMESPACE, resources)
    return RelayActor.options(**options).remote(database_url, kafka_bootstrap)  # type: ignore[attr-defined]

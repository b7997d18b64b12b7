"""The notification consumer: BankFlow's event topics, read in a Kafka consumer group.

Offsets are committed only after every message of a poll is recorded (or dead-lettered), so a
crash re-reads what was not yet recorded and the intake's claim on each event id makes that
harmless: nothing lost, nothing notified twice. A poison message (unparsable, not a
CloudEvent, an unknown type) goes to the dead-letter topic with the reason in its headers,
and consumption goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from actors.kafka_admin import ensure_topics
from actors.metrics import notification_metrics
from actors.notifications.intake import NotificationIntake, PoisonEventError, parse_event
from models.topics import NOTIFICATION_DEAD_LETTERS, NOTIFYING_TOPICS

logger = logging.getLogger("bankflow.notifications")

CONSUMER_GROUP: Final = "bankflow-notifications"
MAX_RECORDS_PER_POLL: Final = 500
POLL_TIMEOUT_MS: Final = 200
# How long the broker may hold a fetch while it has nothing new: the floor of a notification's
# latency when traffic is light (the default, 500 ms, would be most of it).
FETCH_MAX_WAIT_MS: Final = 50
MAX_BACKOFF_S: Final = 2.0


class NotificationConsumer:
    def __init__(
        self,
        bootstrap: str,
        intake: NotificationIntake,
        *,
        topics: tuple[str, ...] = NOTIFYING_TOPICS,
        group_id: str = CONSUMER_GROUP,
        dead_letter_topic: str = NOTIFICATION_DEAD_LETTERS,
    ) -> None:
        self._bootstrap = bootstrap
        self._intake = intake
        self._topics = topics
        self._group_id = group_id
        self._dead_letter_topic = dead_letter_topic
        self.consumed = 0
        self.dead_lettered = 0
        self._metrics = notification_metrics()
        self.failures = 0

    async def run_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 -- broker or database down: back off, resume from the offsets
                self.failures += 1
                logger.warning("notification consumer: %s; resuming from the committed offsets", type(error).__name__)
                await asyncio.sleep(min(MAX_BACKOFF_S, 0.05 * 2**attempt))
                attempt += 1

    async def _consume(self) -> None:
        await ensure_topics(self._bootstrap, (*self._topics, self._dead_letter_topic))
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=MAX_RECORDS_PER_POLL,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, acks="all")
        await producer.start()
        try:
            await consumer.start()
            try:
                while True:
                    batch = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS, max_records=MAX_RECORDS_PER_POLL)
                    messages = [message for part in batch.values() for message in part]
                    if messages:
                        await self._handle(producer, messages)
                        await consumer.commit()
            finally:
                await consumer.stop()
        finally:
            await producer.stop()

    async def _handle(self, producer: AIOKafkaProducer, messages: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Record a poll's events in one go; dead-letter what cannot be read, with why."""
        events = []
        for message in messages:
            try:
                events.append(parse_event(message.topic, message.value))
            except PoisonEventError as error:
                await self._dead_letter(producer, message, str(error))
        if not events:
            return
        await self._intake.handle_many(events)
        self.consumed += len(events)
        self._metrics.events.inc(len(events), tags={"result": "consumed"})

    async def _dead_letter(
        self, producer: AIOKafkaProducer, message: ConsumerRecord[bytes, bytes], reason: str
    ) -> None:
        headers = [
            ("reason", reason.encode()),
            ("original_topic", message.topic.encode()),
            ("original_partition", str(message.partition).encode()),
            ("original_offset", str(message.offset).encode()),
        ]
        await producer.send_and_wait(self._dead_letter_topic, message.value, key=message.key, headers=headers)
        self.dead_lettered += 1
        self._metrics.events.inc(tags={"result": "dead_letter"})
        logger.warning("dead-lettered %s[%d]@%d: %s", message.topic, message.partition, message.offset, reason)

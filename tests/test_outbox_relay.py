"""The outbox relay's rounds against the session's real PostgreSQL and broker: a round is
published whole and marked by one UPDATE, bounded by rows and by events, keeps each key's
order, and a failure anywhere in a round marks nothing of it (the next round sends it all
again, with the same event ids)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from cloudevents.core.bindings import kafka as cloudevents_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from actors import outbox_relay
from actors.kafka_admin import ensure_topics
from actors.outbox import write_events
from actors.outbox_relay import OutboxRelay, row_events, to_cloudevent
from actors.settings import Settings
from cluster.embedded import kafka as embedded_kafka
from models.events import DomainEvent
from models.ledger.commands import Transfer
from models.ledger.types import AccountType, TransferStatus
from models.topics import ACCOUNT_EVENTS, TRANSACTION_EVENTS
from tests.ledger_harness import start_local_ledger

WAIT_S = 60.0
# Above the producer's max_request_size (1 MiB): aiokafka refuses to send it.
OVERSIZED_CHARS = 2 * 1024 * 1024


@pytest.fixture
async def topic(settings: Settings) -> str:
    name = f"relay-test-{uuid.uuid4().hex[:10]}"
    await ensure_topics(settings.kafka_bootstrap, (name,))
    return name


@pytest.fixture
async def relay(ray_driver: None, ledger_database: str, settings: Settings, topic: str) -> AsyncIterator[OutboxRelay]:
    """An active relay (advisory lock held, producer started) on the test's own database, started
    after the test's topic exists: an aiokafka producer that meets a topic created after it
    started narrows its metadata to that topic and loses the partitions of the others."""
    relay = OutboxRelay(ledger_database, settings.kafka_bootstrap)
    await relay._become_active()
    yield relay
    await relay.close()


def _event(topic: str, key: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent(
        uuid.uuid4(), "test.happened", topic, "bankflow/test", key, key, int(time.time() * 1000), data
    )  # fmt: skip


async def _write_rows(database_url: str, rows: list[list[DomainEvent]]) -> list[int]:
    """One outbox row per list (each in its own transaction, as writers do); their positions."""
    connection = await asyncpg.connect(database_url)
    try:
        for events in rows:
            async with connection.transaction():
                await write_events(connection, events)
        positions: list[int] = [
            row["position"] for row in await connection.fetch("SELECT position FROM outbox ORDER BY position")
        ]
    finally:
        await connection.close()
    return positions[-len(rows) :]


async def _marked(database_url: str) -> list[int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT position FROM outbox WHERE published_at IS NOT NULL ORDER BY position")
    finally:
        await connection.close()
    return [row["position"] for row in rows]


async def _wait_for(condition: Callable[[], Any], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


async def _consume(bootstrap: str, topics: list[str], enough: Callable[[list[dict[str, Any]]], bool]) -> list[Any]:
    """Every event on `topics` from the start, in each partition's order, until `enough` says so."""
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + WAIT_S
        while not enough(seen):
            assert time.monotonic() < deadline, f"only {len(seen)} events arrived on {topics}"
            for records in (await consumer.getmany(timeout_ms=500, max_records=5_000)).values():
                seen.extend(json.loads(record.value) for record in records)
    finally:
        await consumer.stop()
    return seen


def _library_message(event: dict[str, Any]) -> cloudevents_kafka.KafkaMessage:
    """What the cloudevents library itself writes for an outbox event: the reference."""
    attributes = {
        "id": event["id"],
        "source": event["source"],
        "type": event["type"],
        "subject": event["subject"],
        "time": datetime.fromtimestamp(event["time_ms"] / 1000, tz=UTC),
        "datacontenttype": "application/json",
        "partitionkey": event["key"],
    }
    return cloudevents_kafka.to_structured_event(CloudEvent(attributes, event["data"]))


@pytest.mark.parametrize(
    "event",
    [
        _event("account-events", str(uuid.uuid4()), {"balance": "12.30", "version": 7}).as_json(),
        {**_event("t", "k", {}).as_json(), "time_ms": 1_767_225_600_000},  # a whole second: no fraction
        {**_event("t", "k", {}).as_json(), "time_ms": 1},
        _event("t", "Zoë", {"name": "Zoë €", "items": [1, 2.5, None, True], "nested": {"a": {"b": []}}}).as_json(),
    ],
    ids=["balance", "whole-second", "epoch", "unicode-and-nesting"],
)
def test_a_message_is_what_the_cloudevents_library_writes(event: dict[str, Any]) -> None:
    ours, reference = to_cloudevent(event), _library_message(event)
    assert (ours.value, ours.key, ours.headers) == (reference.value, reference.key, reference.headers)
    parsed = cloudevents_kafka.from_structured(ours, JSONFormat())
    assert (parsed.get_id(), parsed.get_data()) == (event["id"], event["data"])


async def test_one_round_publishes_and_marks_every_row_with_one_update(
    relay: OutboxRelay, ledger_database: str, settings: Settings, topic: str
) -> None:
    # Ledger batch rows (compact form, read off their postings) beside rows of full events.
    ledger = await start_local_ledger(ledger_database, 1)
    try:
        alice, _ = await ledger.client.open_account(AccountType.CHECKING, "USD", customer_id=uuid.uuid4())
        bob, _ = await ledger.client.open_account(AccountType.CHECKING, "USD", customer_id=uuid.uuid4())
        assert (await ledger.client.deposit(uuid.uuid4(), alice, 10_000, "USD")).status is TransferStatus.COMPLETED
        moved = await ledger.client.transfer(Transfer(uuid.uuid4(), alice, bob, 250, "USD"))
        assert moved.status is TransferStatus.COMPLETED
    finally:
        await ledger.stop()
    await _write_rows(
        ledger_database, [[_event(topic, f"k{row % 7}", {"row": row}) for _ in range(3)] for row in range(120)]
    )
    connection = await asyncpg.connect(ledger_database)
    try:
        stored = await connection.fetch("SELECT position, format, topic, events FROM outbox ORDER BY position")
        expected = {
            event["id"]
            for row in stored
            for _, event in await row_events(connection, row["format"], row["topic"], json.loads(row["events"]))
        }
    finally:
        await connection.close()
    assert len(stored) > 120  # the ledger wrote rows of its own

    assert await relay.publish_round()

    connection = await asyncpg.connect(ledger_database)
    try:
        unmarked = await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        # One UPDATE: one transaction (xmin) and one transaction timestamp for the whole round.
        transactions = await connection.fetchval("SELECT count(DISTINCT xmin::text) FROM outbox")
        stamps = await connection.fetchval("SELECT count(DISTINCT published_at) FROM outbox")
    finally:
        await connection.close()
    assert (unmarked, transactions, stamps) == (0, 1, 1)
    assert (relay.published_rows, relay.published_events) == (len(stored), len(expected))
    assert relay.last_position == stored[-1]["position"]
    assert not await relay.publish_round()
    seen = await _consume(
        settings.kafka_bootstrap,
        [topic, ACCOUNT_EVENTS, TRANSACTION_EVENTS],
        lambda events: expected <= {event["id"] for event in events},
    )
    assert expected <= {event["id"] for event in seen}


async def test_a_round_stops_at_its_row_and_event_limits(
    relay: OutboxRelay, ledger_database: str, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_relay, "MAX_ROUND_ROWS", 10)
    monkeypatch.setattr(outbox_relay, "MAX_ROUND_EVENTS", 100)
    sizes = [40, 40, 40, 150] + [1] * 12
    positions = await _write_rows(
        ledger_database, [[_event(topic, "k", {"n": n}) for n in range(size)] for size in sizes]
    )
    rounds = []
    while await relay.publish_round():
        marked = await _marked(ledger_database)
        rounds.append(len(marked) - sum(rounds))
    # 40+40 (a third 40 would pass 100 events), 40 (150 would), the 150-event row alone
    # (a row is never split), then ten rows (the row limit), then the last two.
    assert rounds == [2, 1, 1, 10, 2]
    assert await _marked(ledger_database) == positions
    assert relay.published_events == sum(sizes)


async def test_each_keys_events_arrive_in_order_across_a_round(
    relay: OutboxRelay, ledger_database: str, settings: Settings, topic: str
) -> None:
    keys = [f"account-{n}" for n in range(5)]
    next_seq = dict.fromkeys(keys, 0)
    rows = []
    # Enough events per partition to fill several producer batches within the round.
    for row in range(100):
        events = []
        for n in range(100):
            key = keys[(row * 100 + n) * 7 % len(keys)]
            events.append(_event(topic, key, {"seq": next_seq[key], "pad": "x" * 300}))
            next_seq[key] += 1
        rows.append(events)
    await _write_rows(ledger_database, rows)
    while await relay.publish_round():
        pass
    assert relay.published_events == 10_000
    seen = await _consume(settings.kafka_bootstrap, [topic], lambda events: len(events) >= 10_000)
    for key in keys:
        arrived = [event["data"]["seq"] for event in seen if event["partitionkey"] == key]
        assert arrived == list(range(next_seq[key])), f"{key}'s events out of order or missing"


async def test_a_send_failing_mid_round_marks_nothing_and_the_whole_round_goes_again(
    ray_driver: None, ledger_database: str, settings: Settings, topic: str
) -> None:
    before = [_event(topic, "k", {"n": n}) for n in range(5)]
    poison = _event(topic, "k", {"blob": "x" * OVERSIZED_CHARS})
    after = [_event(topic, "k", {"n": n}) for n in range(5, 10)]
    _, poison_position, _ = await _write_rows(ledger_database, [before, [poison], after])
    relay = OutboxRelay(ledger_database, settings.kafka_bootstrap)
    task = asyncio.get_running_loop().create_task(relay.run_forever())
    try:

        async def failed_twice() -> bool:
            return relay.failures >= 2

        await _wait_for(failed_twice, "two rounds failed on the oversized event")
        assert await _marked(ledger_database) == [], "the rows before the failed send are not marked either"
        connection = await asyncpg.connect(ledger_database)
        try:
            # The writer's bug fixed: the event fits now; the next round goes through.
            small = json.dumps([{**poison.as_json(), "data": {"blob": "x"}}])
            await connection.execute("UPDATE outbox SET events = $1 WHERE position = $2", small, poison_position)
        finally:
            await connection.close()

        async def all_marked() -> bool:
            return len(await _marked(ledger_database)) == 3

        await _wait_for(all_marked, "the round was published")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    everything = {str(event.event_id) for event in [*before, poison, *after]}
    seen = await _consume(
        settings.kafka_bootstrap, [topic], lambda events: everything <= {event["id"] for event in events}
    )
    copies = [sum(event["id"] == str(sent.event_id) for event in seen) for sent in before]
    # Sent in each failed round and again in the one that went through, with the same ids.
    assert min(copies) >= 3, copies


async def test_a_round_the_broker_does_not_acknowledge_is_not_marked(
    relay: OutboxRelay, ledger_database: str, settings: Settings, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await relay.close()
    monkeypatch.setitem(outbox_relay.PRODUCER_OPTIONS, "request_timeout_ms", 3_000)
    await relay._become_active()
    await _write_rows(ledger_database, [[_event(topic, f"k{row}", {"row": row})] for row in range(20)])
    # The topic's partitions known beforehand: the sends are accepted, their acknowledgements fail.
    assert relay._producer is not None and await relay._producer.partitions_for(topic)
    embedded_kafka.stop(settings)
    try:
        with pytest.raises(KafkaError):
            await relay.publish_round()
        assert await _marked(ledger_database) == []
    finally:
        await relay.close()
        await asyncio.to_thread(embedded_kafka.start, settings)
    await ensure_topics(settings.kafka_bootstrap, (topic,))
    await relay._become_active()
    assert await relay.publish_round()
    assert len(await _marked(ledger_database)) == 20

"""Writing to the transactional outbox (the relay, actors/outbox_relay.py, publishes it).

Call `write_events` inside the transaction that makes the change the events tell of:
the events then exist if and only if the change does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from models.events import DomainEvent

EVENTS_FORMAT = "events"  # a row of full events, all of one topic
LEDGER_BATCH_FORMAT = "ledger-batch"  # a ledger batch's events in compact form (models/ledger/events.py)


async def write_events(
    connection: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy, events: Sequence[DomainEvent]
) -> None:
    """Queue events for the relay: one outbox row per topic, in the caller's transaction."""
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_topic.setdefault(event.topic, []).append(event.as_json())
    if by_topic:
        await connection.executemany(
            "INSERT INTO outbox (format, topic, events, event_count) VALUES ($1, $2, $3, $4)",
            [(EVENTS_FORMAT, topic, json.dumps(items), len(items)) for topic, items in by_topic.items()],
        )

"""From an event to the notifications it causes, recorded in PostgreSQL.

A poll's events are handled in one database transaction that first claims their CloudEvent
ids in `notification_events`: an event seen before (redelivered after a crash, or a topic
replayed) claims nothing and notifies nobody again. Each message is stored `pending` with what
its template needs (the context and the reader's locale), not yet rendered: rendering costs
more than the rest of an event's handling, and the delivery loop renders as it sends (a view
renders what is still pending). A live stream hears of new rows through NOTIFY.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from actors.notifications.recipients import Person, people_of_many
from actors.notifications.rendering import Renderer
from models.events import EVENT_TYPE_PREFIX
from models.notifications import Channel, Route, UnknownEventError, route_of

NOTIFY_CHANNEL: Final = "bankflow_notifications"
MAX_EVENT_BYTES: Final = 256 * 1024
LEDGER_SOURCE: Final = "bankflow/ledger"
_NAMESPACE: Final = uuid.UUID("0b6f4a0c-9d0e-4e57-8f5e-3c4f2b1d7a99")
# Messages that carry a code or reset token: withheld from every view, blanked once delivered.
CODE_EVENTS: Final = frozenset({"user.verification_requested", "user.password_reset_requested"})


class PoisonEventError(ValueError):
    """An event no consumer can handle: unparsable, not a CloudEvent, or of an unknown type."""


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str  # without the com.bankflow. prefix
    source: str
    topic: str
    subject: str
    data: Mapping[str, Any]

    @property
    def fact(self) -> str:
        """What the event tells of. A transfer's outcome is told by the ledger and, for some, by the
        transactions service too (each with its own event id): one fact, heard of once."""
        if self.event_type.startswith("transaction."):
            return f"{self.event_type}/{self.subject}"
        return self.event_id

    def facts_for_templates(self) -> Mapping[str, Any]:
        """The event's data in the shape the templates read (the ledger names a transfer's sides
        as debit and credit, the transactions service as from and to)."""
        if self.source != LEDGER_SOURCE or not self.event_type.startswith("transaction."):
            return self.data
        data = self.data
        return {
            "transaction_id": data.get("transfer_id"),
            "kind": data.get("kind"),
            "status": data.get("status"),
            "reason": data.get("reason"),
            "from_account_id": data.get("debit_account_id"),
            "to_account_id": data.get("credit_account_id"),
            "amount": data.get("amount"),
            "currency": data.get("currency"),
            "description": None,
        }


def parse_event(topic: str, value: bytes | None) -> Event:
    """A Kafka message (structured-mode CloudEvent JSON) → Event, or PoisonEventError saying why."""
    if not value:
        raise PoisonEventError("empty message")
    if len(value) > MAX_EVENT_BYTES:
        raise PoisonEventError(f"message over {MAX_EVENT_BYTES} bytes")
    try:
        body = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PoisonEventError("not JSON") from None
    if not isinstance(body, dict) or body.get("specversion") != "1.0":
        raise PoisonEventError("not a CloudEvent 1.0 in structured mode")
    event_id, event_type, source, data = body.get("id"), body.get("type"), body.get("source"), body.get("data")
    subject = body.get("subject")
    if not (isinstance(event_id, str) and event_id and isinstance(source, str) and isinstance(data, dict)):
        raise PoisonEventError("missing id, source or data")
    if not isinstance(event_type, str) or not event_type.startswith(EVENT_TYPE_PREFIX):
        raise PoisonEventError("type is not a BankFlow event type")
    short_type = event_type.removeprefix(EVENT_TYPE_PREFIX)
    try:
        route_of(short_type)
    except UnknownEventError:
        raise PoisonEventError(f"unknown event type {short_type!r}") from None
    return Event(event_id, short_type, source, topic, subject if isinstance(subject, str) else event_id, data)


def notification_id(fact: str, user_id: uuid.UUID, channel: Channel) -> uuid.UUID:
    """One person hears of one fact at most once per channel."""
    return uuid.uuid5(_NAMESPACE, f"{fact}/{user_id}/{channel.value}")


def _channels(route: Route, offered: Sequence[Channel], person: Person) -> list[tuple[Channel, str]]:
    """(channel, address) pairs this person wants this kind of message on, can be reached by, and
    the route's template is written for (`offered`)."""
    addresses = {Channel.EMAIL: person.email, Channel.SMS: person.phone, Channel.PUSH: person.push_token}
    return [
        (channel, address)
        for channel, address in addresses.items()
        if address and channel in offered and person.preferences.allows(route.category, channel)
    ]


@dataclass(frozen=True)
class _Row:
    notification_id: uuid.UUID
    user_id: uuid.UUID
    event: Event
    channel: Channel
    address: str
    template: str
    context: str  # JSON: what the template reads
    locale: str | None
    metadata: str


class NotificationIntake:
    def __init__(self, pool: asyncpg.Pool, renderer: Renderer) -> None:
        self._pool = pool
        self._renderer = renderer
        self.recorded = 0
        self.duplicates = 0

    async def handle_many(self, events: Sequence[Event]) -> int:
        """Record what a poll's events cause, in one transaction; how many notifications that is.
        Events seen before are skipped."""
        async with self._pool.acquire() as connection, connection.transaction():
            claimed_ids = {
                row["event_id"]
                for row in await connection.fetch(
                    """INSERT INTO notification_events (event_id, event_type, topic)
                       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                       ON CONFLICT (event_id) DO NOTHING RETURNING event_id""",
                    [event.event_id for event in events],
                    [event.event_type for event in events],
                    [event.topic for event in events],
                )
            }
            fresh = list({event.event_id: event for event in events if event.event_id in claimed_ids}.values())
            self.duplicates += len(events) - len(fresh)
            routed = [(event, route) for event in fresh if (route := route_of(event.event_type)) is not None]
            audiences = await people_of_many(
                connection, [(route.audience, event.facts_for_templates()) for event, route in routed]
            )
            rows = [
                row
                for (event, route), people in zip(routed, audiences, strict=True)
                for row in self._rows(event, route, people)
            ]
            recorded = await self._insert(connection, rows)
            if recorded:
                await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        self.recorded += recorded
        return recorded

    def _rows(self, event: Event, route: Route, people: Sequence[Person]) -> list[_Row]:
        facts = event.facts_for_templates()
        metadata = json.dumps(
            {"category": route.category.value, "source": event.source, "secret": event.event_type in CODE_EVENTS}
        )
        offered = self._renderer.channels_of(route.template)
        rows = []
        for person in people:
            context = json.dumps({"event_type": event.event_type, "data": facts, "email": person.email})
            for channel, address in _channels(route, offered, person):
                rows.append(
                    _Row(
                        notification_id(event.fact, person.user_id, channel),
                        person.user_id,
                        event,
                        channel,
                        address,
                        route.template,
                        context,
                        person.locale,
                        metadata,
                    )
                )
        return rows

    async def _insert(self, connection: Any, rows: Sequence[_Row]) -> int:
        if not rows:
            return 0
        inserted = await connection.fetch(
            """INSERT INTO notifications (notification_id, user_id, event_id, event_type, channel, recipient,
                   template, context, locale, status, next_attempt_at, metadata)
               SELECT id, user_id, event_id, event_type, channel, recipient, template, context::jsonb, locale,
                      'pending', now(), metadata::jsonb
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::text[], $9::text[], $10::text[])
                    AS r(id, user_id, event_id, event_type, channel, recipient, template, context, locale, metadata)
               ON CONFLICT (notification_id) DO NOTHING RETURNING notification_id""",
            [row.notification_id for row in rows],
            [row.user_id for row in rows],
            [row.event.event_id for row in rows],
            [row.event.event_type for row in rows],
            [row.channel.value for row in rows],
            [row.address for row in rows],
            [row.template for row in rows],
            [row.context for row in rows],
            [row.locale for row in rows],
            [row.metadata for row in rows],
        )
        return len(inserted)

"""Sending what the intake recorded: due `pending` notifications are leased, rendered (the
intake records what a message tells, not its text), sent by their channel, and marked `sent`,
`skipped` (no provider configured), or retried with exponential backoff and jitter until
MAX_DELIVERY_ATTEMPTS, then `failed`. A round's outcomes are recorded together, in one
transaction, each with its `notification.sent` / `notification.failed` event and the rendered
text; a message that cannot be rendered fails at once, saying why.

A lease (pushing `next_attempt_at` forward while a message is out) keeps two delivery loops
from sending one message at once; a crash between sending and recording sends again what
the round had sent (at-least-once, like every channel's provider API). Bodies never reach a
log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import asyncpg

from actors.metrics import notification_metrics
from actors.notifications.channels import ChannelNotConfigured, DeliveryError, Outgoing, RejectedError, Sender
from actors.notifications.rendering import Rendered, Renderer, RenderError
from actors.outbox import write_events
from models.events import DomainEvent
from models.notifications import MAX_DELIVERY_ATTEMPTS, Channel, delivery_delay_ms
from models.topics import NOTIFICATION_EVENTS

logger = logging.getLogger("bankflow.notifications")

SOURCE: Final = "bankflow/notifications"
MAX_DUE_PER_ROUND: Final = 100
MAX_SENDS_IN_FLIGHT: Final = 16
LEASE_S: Final = 60
# A code message's body once it has left: the code lives on only in the recipient's inbox.
BLANKED: Final = "(blanked after delivery: it carried a security code)"
NOTHING_RENDERED: Final = "(no message could be made from this event: see the error)"


def _event(event_type: str, row: asyncpg.Record, attempts: int, error: str | None) -> DomainEvent:
    notification = str(row["notification_id"])
    data = {
        "notification_id": notification,
        "user_id": None if row["user_id"] is None else str(row["user_id"]),
        "channel": row["channel"],
        "template": row["template"],
        "event_id": row["event_id"],
        "attempts": attempts,
        "error": error,
    }
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/{event_type}/{notification}")
    key = data["user_id"] or notification
    at_ms = int(time.time() * 1000)
    return DomainEvent(event_id, event_type, NOTIFICATION_EVENTS, SOURCE, notification, key, at_ms, data)


RETRIED: Final = "retried"  # an outcome that is not a status: the message stays pending
SENT: Final = "notification.sent"
FAILED: Final = "notification.failed"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What became of one message in a round: its new status (or RETRIED), and what goes with it."""

    row: asyncpg.Record
    status: str
    attempts: int
    error: str | None
    event: str | None  # the event its record writes
    rendered: Rendered | None
    delay_ms: int = 0  # a retry's wait before the next attempt


class Delivery:
    def __init__(
        self,
        pool: asyncpg.Pool,
        renderer: Renderer,
        channels: Mapping[Channel, Sender],
        retry_base_ms: int,
        retry_cap_ms: int,
        rng: random.Random | None = None,
    ) -> None:
        self._pool = pool
        self._renderer = renderer
        self._channels = dict(channels)
        self._retry_base_ms = retry_base_ms
        self._retry_cap_ms = retry_cap_ms
        # Jitter only spreads retries in time; it guards no secret.
        self._rng = rng or random.Random()  # nosec B311
        self._in_flight = asyncio.Semaphore(MAX_SENDS_IN_FLIGHT)
        self.sent = 0
        self.failed = 0
        self.skipped = 0
        self.retried = 0
        self._metrics = notification_metrics()

    async def run_once(self) -> int:
        """Send what is due now, then record every outcome of the round in one transaction; how
        many were due."""
        due = await self._pool.fetch(
            """UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
               WHERE notification_id IN (
                   SELECT notification_id FROM notifications
                   WHERE status = 'pending' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING *""",
            MAX_DUE_PER_ROUND,
            LEASE_S,
        )
        outcomes = await asyncio.gather(*(self._deliver(row) for row in due))
        await self._record(outcomes)
        for outcome in outcomes:
            self._count(outcome)
        return len(due)

    async def _deliver(self, row: asyncpg.Record) -> Outcome:
        """Render and send one message; what became of it (recorded with the round's others)."""
        async with self._in_flight:
            attempts = row["attempts"] + 1
            try:
                rendered = self._renderer.message_of(row)
            except RenderError as error:
                return Outcome(
                    row=row, status="failed", attempts=attempts, error=str(error), event=FAILED, rendered=None
                )
            message = Outgoing(
                str(row["notification_id"]), row["recipient"], rendered.subject, rendered.body, rendered.html
            )
            try:
                await self._channels[Channel(row["channel"])].send(message)
            except ChannelNotConfigured:
                return Outcome(
                    row=row,
                    status="skipped",
                    attempts=attempts - 1,
                    error="not_configured",
                    event=None,
                    rendered=rendered,
                )
            except RejectedError as error:
                return Outcome(
                    row=row, status="failed", attempts=attempts, error=str(error), event=FAILED, rendered=rendered
                )
            except DeliveryError as error:
                if attempts >= MAX_DELIVERY_ATTEMPTS:
                    return Outcome(
                        row=row, status="failed", attempts=attempts, error=str(error), event=FAILED, rendered=rendered
                    )
                delay_ms = delivery_delay_ms(attempts - 1, self._retry_base_ms, self._retry_cap_ms, self._rng)
                logger.warning(
                    "notification %s via %s: attempt %d failed (%s); next in %d ms",
                    row["notification_id"], row["channel"], attempts, error, delay_ms,
                )  # fmt: skip
                return Outcome(
                    row=row,
                    status=RETRIED,
                    attempts=attempts,
                    error=str(error),
                    event=None,
                    rendered=rendered,
                    delay_ms=delay_ms,
                )
            return Outcome(row=row, status="sent", attempts=attempts, error=None, event=SENT, rendered=rendered)

    def _count(self, outcome: Outcome) -> None:
        status = outcome.status
        if status == "sent":
            self.sent += 1
        elif status == "failed":
            self.failed += 1
        elif status == "skipped":
            self.skipped += 1
        else:
            self.retried += 1
        channel = str(outcome.row["channel"]).lower()
        self._metrics.deliveries.inc(tags={"channel": channel, "outcome": status})

    async def _record(self, outcomes: list[Outcome]) -> None:
        """Every outcome of a round in one transaction: a retry's next attempt, or the final status
        with the text that went out (or NOTHING_RENDERED when none could be made), the context
        dropped, a code message's body blanked, and its event. A row no longer pending (an
        operator's change meanwhile) keeps what it has."""
        if not outcomes:
            return
        retries = [outcome for outcome in outcomes if outcome.status == RETRIED]
        finals = [outcome for outcome in outcomes if outcome.status != RETRIED]
        async with self._pool.acquire() as connection, connection.transaction():
            if retries:
                await connection.execute(
                    """UPDATE notifications n SET attempts = u.attempts, last_error = u.error, updated_at = now(),
                           next_attempt_at = now() + make_interval(secs => u.delay_s)
                       FROM unnest($1::uuid[], $2::integer[], $3::text[], $4::float8[])
                            AS u(id, attempts, error, delay_s)
                       WHERE n.notification_id = u.id AND n.status = 'pending'""",
                    [outcome.row["notification_id"] for outcome in retries],
                    [outcome.attempts for outcome in retries],
                    [outcome.error for outcome in retries],
                    [outcome.delay_ms / 1000 for outcome in retries],
                )
            if not finals:
                return
            updated = {
                row["notification_id"]
                for row in await connection.fetch(
                    """UPDATE notifications n SET status = u.status, attempts = u.attempts, last_error = u.error,
                           next_attempt_at = NULL, sent_at = CASE WHEN u.status = 'sent' THEN now() END,
                           updated_at = now(), subject = COALESCE(n.subject, u.subject),
                           body = CASE WHEN n.metadata->>'secret' = 'true' THEN $8 ELSE COALESCE(n.body, u.body) END,
                           html = CASE WHEN n.metadata->>'secret' = 'true' THEN NULL ELSE COALESCE(n.html, u.html) END,
                           context = NULL
                       FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[],
                                   $7::text[]) AS u(id, status, attempts, error, subject, body, html)
                       WHERE n.notification_id = u.id AND n.status = 'pending'
                       RETURNING n.notification_id""",
                    [outcome.row["notification_id"] for outcome in finals],
                    [outcome.status for outcome in finals],
                    [outcome.attempts for outcome in finals],
                    [outcome.error for outcome in finals],
                    [None if outcome.rendered is None else outcome.rendered.subject for outcome in finals],
                    [NOTHING_RENDERED if outcome.rendered is None else outcome.rendered.body for outcome in finals],
                    [None if outcome.rendered is None else outcome.rendered.html for outcome in finals],
                    BLANKED,
                )
            }
            events = [
                _event(outcome.event, outcome.row, outcome.attempts, outcome.error)
                for outcome in finals
                if outcome.event is not None and outcome.row["notification_id"] in updated
            ]
            await write_events(connection, events)

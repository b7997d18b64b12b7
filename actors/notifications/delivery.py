"""Sending what the intake recorded: due `pending` notifications are leased, rendered (the
intake records what a message tells, not its text), sent by their channel, and marked `sent`,
`skipped` (no provider configured), or retried with exponential backoff and jitter until
MAX_DELIVERY_ATTEMPTS, then `failed`. Each outcome writes its `notification.sent` /
`notification.failed` event in the same transaction that records it, with the rendered text;
a message that cannot be rendered fails at once, saying why.

A lease (pushing `next_attempt_at` forward while a message is out) keeps two delivery loops
from sending one message at once; a crash between sending and recording sends it again
(at-least-once, like every channel's provider API). Bodies never reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Mapping
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
        """Send what is due now; how many were due."""
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
        await asyncio.gather(*(self._deliver(row) for row in due))
        return len(due)

    async def _deliver(self, row: asyncpg.Record) -> None:
        async with self._in_flight:
            channel = Channel(row["channel"])
            attempts = row["attempts"] + 1
            try:
                rendered = self._renderer.message_of(row)
            except RenderError as error:
                await self._finish(row, "failed", attempts, str(error), "notification.failed", None)
                self.failed += 1
                self._metrics.deliveries.inc(tags={"channel": channel.value.lower(), "outcome": "failed"})
                return
            message = Outgoing(
                str(row["notification_id"]), row["recipient"], rendered.subject, rendered.body, rendered.html
            )
            try:
                await self._channels[channel].send(message)
            except ChannelNotConfigured:
                await self._finish(row, "skipped", attempts - 1, "not_configured", None, rendered)
                self.skipped += 1
                outcome = "skipped"
            except RejectedError as error:
                await self._finish(row, "failed", attempts, str(error), "notification.failed", rendered)
                self.failed += 1
                outcome = "failed"
            except DeliveryError as error:
                if attempts >= MAX_DELIVERY_ATTEMPTS:
                    await self._finish(row, "failed", attempts, str(error), "notification.failed", rendered)
                    self.failed += 1
                    outcome = "failed"
                else:
                    await self._retry_later(row, attempts, str(error))
                    self.retried += 1
                    outcome = "retried"
            else:
                await self._finish(row, "sent", attempts, None, "notification.sent", rendered)
                self.sent += 1
                outcome = "sent"
            self._metrics.deliveries.inc(tags={"channel": channel.value.lower(), "outcome": outcome})

    async def _retry_later(self, row: asyncpg.Record, attempts: int, error: str) -> None:
        delay_ms = delivery_delay_ms(attempts - 1, self._retry_base_ms, self._retry_cap_ms, self._rng)
        logger.warning(
            "notification %s via %s: attempt %d failed (%s); next in %d ms",
            row["notification_id"], row["channel"], attempts, error, delay_ms,
        )  # fmt: skip
        await self._pool.execute(
            """UPDATE notifications SET attempts = $2, last_error = $3, updated_at = now(),
                   next_attempt_at = now() + make_interval(secs => $4)
               WHERE notification_id = $1 AND status = 'pending'""",
            row["notification_id"],
            attempts,
            error,
            delay_ms / 1000,
        )

    async def _finish(
        self,
        row: asyncpg.Record,
        status: str,
        attempts: int,
        error: str | None,
        event_type: str | None,
        rendered: Rendered | None,
    ) -> None:
        """The outcome, with the text that went out (or NOTHING_RENDERED when none could be made);
        the context goes, and a code message's body is blanked."""
        subject = None if rendered is None else rendered.subject
        body = NOTHING_RENDERED if rendered is None else rendered.body
        html = None if rendered is None else rendered.html
        async with self._pool.acquire() as connection, connection.transaction():
            updated = await connection.fetchval(
                """UPDATE notifications SET status = $2, attempts = $3, last_error = $4, next_attempt_at = NULL,
                       sent_at = CASE WHEN $2 = 'sent' THEN now() END, updated_at = now(),
                       subject = COALESCE(subject, $6),
                       body = CASE WHEN metadata->>'secret' = 'true' THEN $5 ELSE COALESCE(body, $7) END,
                       html = CASE WHEN metadata->>'secret' = 'true' THEN NULL ELSE COALESCE(html, $8) END,
                       context = NULL
                   WHERE notification_id = $1 AND status = 'pending' RETURNING notification_id""",
                row["notification_id"],
                status,
                attempts,
                error,
                BLANKED,
                subject,
                body,
                html,
            )
            if updated is not None and event_type is not None:
                await write_events(connection, [_event(event_type, row, attempts, error)])

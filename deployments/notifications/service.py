"""The notifications service: history, preferences, templates, admin sends, and the wait
behind the live stream. The consumer and delivery (actors/notifications/) do the sending.

Codes and reset tokens travel only to their recipient: a code message's body is withheld from
every view (history, stream), and delivery blanks it once it has left.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

import asyncpg

from actors.audit import append
from actors.notifications.intake import NOTIFY_CHANNEL
from actors.notifications.recipients import preferences_of
from actors.notifications.rendering import Renderer, RenderError
from models.audit import AuditAction, AuditOrigin, done_by
from models.failures import ServiceFailure
from models.identity import Principal, Role
from models.notifications import (
    EMAIL_BODY_MAX_CHARS,
    EMAIL_SUBJECT_MAX_CHARS,
    PUSH_BODY_MAX_CHARS,
    PUSH_TITLE_MAX_CHARS,
    SMS_BODY_MAX_CHARS,
    Category,
    Channel,
    PreferenceError,
    valid_email,
    valid_phone_e164,
    valid_push_token,
)
from models.paging import CursorError, decode_cursor, encode_cursor

NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such user")
WITHHELD: Final = "(withheld: this message carries a security code)"
ADMIN_TEMPLATE: Final = "admin_message"
MAX_STREAM_WAIT_S: Final = 30.0
MAX_STREAM_ITEMS: Final = 100


def view(row: asyncpg.Record, renderer: Renderer) -> dict[str, Any]:
    """A notification as the API shows it; one still pending is rendered for the view."""
    secret = json.loads(row["metadata"]).get("secret", False)
    try:
        message = renderer.message_of(row)
        subject, body = message.subject, message.body
    except RenderError as error:
        subject, body = None, f"(this message cannot be made: {error})"
    return {
        "notification_id": str(row["notification_id"]),
        "seq": row["seq"],
        "user_id": None if row["user_id"] is None else str(row["user_id"]),
        "event_type": row["event_type"],
        "channel": row["channel"],
        "recipient": row["recipient"],
        "subject": subject,
        "body": WITHHELD if secret else body,
        "template": row["template"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "sent_at": None if row["sent_at"] is None else row["sent_at"].isoformat(),
        "created_at": row["created_at"].isoformat(),
    }


def _invalid(field: str, problem: str) -> ServiceFailure:
    return ServiceFailure(422, "validation_error", f"{field}: {problem}")


def _validate_send(channel: Channel, recipient: str, subject: str | None, body: str) -> None:
    checks = {
        Channel.EMAIL: (valid_email, "an email address", EMAIL_BODY_MAX_CHARS, EMAIL_SUBJECT_MAX_CHARS),
        Channel.SMS: (valid_phone_e164, "a phone number in E.164 form (+14155550123)", SMS_BODY_MAX_CHARS, 0),
        Channel.PUSH: (valid_push_token, "a device push token", PUSH_BODY_MAX_CHARS, PUSH_TITLE_MAX_CHARS),
    }
    valid, expected, body_max, subject_max = checks[channel]
    if not valid(recipient):
        raise _invalid("to", f"must be {expected}")
    if not body.strip() or len(body) > body_max:
        raise _invalid("body", f"must be 1 to {body_max:,} characters")
    if subject is not None and len(subject) > subject_max:
        raise _invalid("subject", f"must be at most {subject_max} characters on {channel.value}")
    if channel is Channel.EMAIL and not (subject or "").strip():
        raise _invalid("subject", "an email needs a subject")


class NotificationService:
    def __init__(self, pool: asyncpg.Pool, renderer: Renderer) -> None:
        self._pool = pool
        self._renderer = renderer
        self._recorded = asyncio.Condition()
        self._listener: asyncpg.Connection | None = None

    async def listen(self, database_url: str) -> None:
        """Wake the stream's waiters whenever the intake records something (PostgreSQL NOTIFY)."""
        self._listener = await asyncpg.connect(database_url)

        def wake(*_: object) -> None:
            asyncio.get_running_loop().create_task(self._wake())

        await self._listener.add_listener(NOTIFY_CHANNEL, wake)

    async def _wake(self) -> None:
        async with self._recorded:
            self._recorded.notify_all()

    async def history(self, principal: Principal, user_id: uuid.UUID, limit: int, cursor: str | None) -> dict[str, Any]:
        """A user's notifications, newest first: their own, or anyone's for support and admin."""
        if principal.user_id != user_id and not principal.is_staff:
            raise NOT_FOUND
        before = 2**63 - 1
        if cursor is not None:
            try:
                before = int(decode_cursor(cursor, 1)[0])
            except (CursorError, ValueError):
                raise _invalid("cursor", "is not one this API returned") from None
        rows = await self._pool.fetch(
            "SELECT * FROM notifications WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
            user_id,
            before,
            limit + 1,
        )
        next_cursor = encode_cursor([str(rows[limit - 1]["seq"])]) if len(rows) > limit else None
        return {"items": [view(row, self._renderer) for row in rows[:limit]], "next_cursor": next_cursor}

    async def since(self, principal: Principal, after_seq: int, wait_s: float) -> dict[str, Any]:
        """The caller's notifications recorded after `after_seq`, waiting up to `wait_s` for one."""
        wait_s = min(max(wait_s, 0.0), MAX_STREAM_WAIT_S)
        deadline = asyncio.get_running_loop().time() + wait_s
        while True:
            rows = await self._pool.fetch(
                "SELECT * FROM notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                principal.user_id,
                after_seq,
                MAX_STREAM_ITEMS,
            )
            remaining_s = deadline - asyncio.get_running_loop().time()
            if rows or remaining_s <= 0:
                return {"items": [view(row, self._renderer) for row in rows]}
            # Waits in short slices: a NOTIFY lost with a dropped listener costs a second, no more.
            async with self._recorded:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._recorded.wait(), min(remaining_s, 1.0))

    async def preferences(self, principal: Principal) -> dict[str, Any]:
        row = await self._pool.fetchrow(
            """SELECT u.phone, p.channels, p.push_token FROM users u
               LEFT JOIN notification_preferences p USING (user_id) WHERE u.user_id = $1""",
            principal.user_id,
        )
        if row is None:
            raise NOT_FOUND
        preferences = preferences_of(row["channels"], has_phone=row["phone"] is not None)
        return {"channels": preferences.as_json(), "push_token_registered": row["push_token"] is not None}

    async def set_preferences(
        self, principal: Principal, changes: Mapping[str, Mapping[str, bool]], push_token: str | None
    ) -> dict[str, Any]:
        """Switch categories on or off per channel; security messages cannot be switched off."""
        parsed: dict[tuple[Category, Channel], bool] = {}
        for category_name, by_channel in changes.items():
            for channel_name, enabled in by_channel.items():
                try:
                    parsed[(Category(category_name), Channel(channel_name))] = enabled
                except ValueError:
                    raise _invalid("channels", f"unknown category or channel {category_name}/{channel_name}") from None
        if push_token is not None and not valid_push_token(push_token):
            raise _invalid("push_token", "is not a device push token")
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                """SELECT u.phone, p.channels, p.push_token FROM users u
                   LEFT JOIN notification_preferences p USING (user_id) WHERE u.user_id = $1 FOR UPDATE OF u""",
                principal.user_id,
            )
            if row is None:
                raise NOT_FOUND
            current = preferences_of(row["channels"], has_phone=row["phone"] is not None)
            try:
                updated = current.with_changes(parsed)
            except PreferenceError as error:
                raise _invalid("channels", str(error)) from None
            await connection.execute(
                """INSERT INTO notification_preferences (user_id, channels, push_token) VALUES ($1, $2, $3)
                   ON CONFLICT (user_id) DO UPDATE SET channels = EXCLUDED.channels,
                       push_token = COALESCE(EXCLUDED.push_token, notification_preferences.push_token),
                       updated_at = now()""",
                principal.user_id,
                json.dumps(updated.as_json()),
                push_token,
            )
        return await self.preferences(principal)

    async def templates(self, principal: Principal) -> dict[str, Any]:
        if not principal.is_staff:
            raise ServiceFailure(403, "forbidden", "templates are for support and admin")
        return {
            "items": [
                {
                    "name": info.name,
                    "channels": [channel.value for channel in info.channels],
                    "category": info.category.value,
                    "event_types": list(info.event_types),
                }
                for info in self._renderer.templates()
            ]
        }

    async def send(
        self, principal: Principal, channel: str, recipient: str, subject: str | None, body: str, origin: AuditOrigin
    ) -> dict[str, Any]:
        """An admin's message to an address, queued for delivery like any other; recorded in the
        audit trail with the message, the address in part."""
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin sends messages by hand")
        chosen = Channel(channel)
        _validate_send(chosen, recipient, subject, body)
        user_id = None
        if chosen is Channel.EMAIL:
            user_id = await self._pool.fetchval("SELECT user_id FROM users WHERE lower(email) = lower($1)", recipient)
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                """INSERT INTO notifications (notification_id, user_id, channel, recipient, subject, body, template,
                       status, next_attempt_at, metadata)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', now(), $8) RETURNING *""",
                uuid.uuid4(),
                user_id,
                chosen.value,
                recipient,
                subject,
                body,
                ADMIN_TEMPLATE,
                json.dumps({"sent_by": str(principal.user_id)}),
            )
            assert row is not None  # INSERT … RETURNING always returns the row
            address = "email" if chosen is Channel.EMAIL else "phone" if chosen is Channel.SMS else "device"
            sent = {"channel": chosen.value, address: recipient, "subject": subject, "body": body}
            target = ("notification", str(row["notification_id"]))
            await append(connection, done_by(principal, origin, AuditAction.NOTIFICATION_SEND, target, None, sent))
        if user_id is not None:
            await self._pool.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return view(row, self._renderer)

"""The SMS and push adapters against a local HTTP server that records what it receives (shaped
like Twilio's Messages API and FCM HTTP v1), and delivery's outcomes: sent, retried after a
5xx then sent, refused for good on a 4xx, skipped when no provider is configured."""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from actors.notifications.channels import EmailChannel, PushChannel, Sender, SmsChannel
from actors.notifications.delivery import Delivery
from actors.notifications.rendering import Renderer
from models.notifications import MAX_DELIVERY_ATTEMPTS, Channel

SID, TOKEN, FROM = "AC-test", "sms-secret", "+15005550006"
PROJECT, ACCESS = "bankflow-test", "push-secret"


@dataclass
class Provider:
    """A local provider: records every request; answers with the next status queued (else 200)."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    recorded = Provider()

    async def record(request: web.Request) -> web.Response:
        body = await request.read()
        recorded.received.append(
            {"path": request.path, "headers": dict(request.headers), "body": body, "form": dict(await request.post())}
        )
        status = recorded.statuses.pop(0) if recorded.statuses else 200
        return web.json_response({"status": status}, status=status)

    app = web.Application()
    app.router.add_post("/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    recorded.url = f"http://127.0.0.1:{port}"
    yield recorded
    await runner.cleanup()


@pytest.fixture
async def pool(ledger_database: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(ledger_database, min_size=1, max_size=4)
    yield created
    await created.close()


async def _queue(pool: asyncpg.Pool, channel: Channel, recipient: str, subject: str | None, body: str) -> uuid.UUID:
    notification = uuid.uuid4()
    await pool.execute(
        """INSERT INTO notifications (notification_id, channel, recipient, subject, body, template, status,
               next_attempt_at, metadata)
           VALUES ($1, $2, $3, $4, $5, 'admin_message', 'pending', now(), '{}')""",
        notification,
        channel.value,
        recipient,
        subject,
        body,
    )
    return notification


async def _record(pool: asyncpg.Pool, recipient: str, data: dict[str, object], *, secret: bool = False) -> uuid.UUID:
    """A text message as the intake records it: the template's context, not its text."""
    notification = uuid.uuid4()
    context = {"event_type": "transaction.completed", "data": data, "email": "ada@example.com"}
    await pool.execute(
        """INSERT INTO notifications (notification_id, channel, recipient, template, context, locale, status,
               next_attempt_at, metadata)
           VALUES ($1, 'SMS', $2, 'transaction_completed', $3, 'en-US', 'pending', now(), $4)""",
        notification,
        recipient,
        json.dumps(context),
        json.dumps({"secret": secret}),
    )
    return notification


def _delivery(pool: asyncpg.Pool, provider_url: str) -> Delivery:
    channels: dict[Channel, Sender] = {
        Channel.EMAIL: EmailChannel("", "BankFlow <no-reply@bankflow.local>"),
        Channel.SMS: SmsChannel(provider_url, SID, TOKEN, FROM),
        Channel.PUSH: PushChannel(provider_url, PROJECT, ACCESS),
    }
    return Delivery(pool, Renderer(), channels, retry_base_ms=1, retry_cap_ms=5, rng=random.Random(1))


async def _drain(delivery: Delivery, pool: asyncpg.Pool) -> None:
    for _ in range(200):
        await delivery.run_once()
        if not await pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'pending'"):
            return
        await pool.execute("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
    raise AssertionError("delivery did not finish")


async def _row(pool: asyncpg.Pool, notification: uuid.UUID) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM notifications WHERE notification_id = $1", notification)
    assert row is not None
    return row


async def test_sms_and_push_reach_their_providers_in_the_providers_shapes(
    pool: asyncpg.Pool, provider: Provider
) -> None:
    sms = await _queue(pool, Channel.SMS, "+14155550123", None, "BankFlow: your code is 123456.")
    push = await _queue(pool, Channel.PUSH, "device-token-1", "Transfer completed", "$12.34 to Bob")
    await _drain(_delivery(pool, provider.url), pool)
    assert (await _row(pool, sms))["status"] == "sent" and (await _row(pool, push))["status"] == "sent"

    by_path = {request["path"]: request for request in provider.received}
    texted = by_path[f"/2010-04-01/Accounts/{SID}/Messages.json"]
    assert texted["form"] == {"To": "+14155550123", "From": FROM, "Body": "BankFlow: your code is 123456."}
    assert texted["headers"]["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    pushed = by_path[f"/v1/projects/{PROJECT}/messages:send"]
    assert pushed["headers"]["Authorization"] == f"Bearer {ACCESS}"
    message = json.loads(pushed["body"])["message"]
    assert message["token"] == "device-token-1"
    assert message["notification"] == {"title": "Transfer completed", "body": "$12.34 to Bob"}
    assert message["data"] == {"notification_id": str(push)}

    events = await pool.fetch("SELECT events FROM outbox WHERE topic = 'notification-events'")
    sent = [event for row in events for event in json.loads(row["events"])]
    assert sorted(event["subject"] for event in sent) == sorted([str(sms), str(push)])
    assert all(event["type"] == "com.bankflow.notification.sent" for event in sent)
    assert all("123456" not in json.dumps(event) for event in sent)


async def test_a_5xx_is_retried_a_4xx_fails_at_once_and_no_provider_is_skipped(
    pool: asyncpg.Pool, provider: Provider
) -> None:
    provider.statuses = [503, 500]
    retried = await _queue(pool, Channel.SMS, "+14155550123", None, "try again")
    await _drain(_delivery(pool, provider.url), pool)
    row = await _row(pool, retried)
    assert row["status"] == "sent" and row["attempts"] == 3 and len(provider.received) == 3

    provider.statuses = [400]
    refused = await _queue(pool, Channel.PUSH, "bad-token", "Title", "Body")
    await _drain(_delivery(pool, provider.url), pool)
    row = await _row(pool, refused)
    assert row["status"] == "failed" and row["attempts"] == 1 and "400" in row["last_error"]

    provider.statuses = [503] * MAX_DELIVERY_ATTEMPTS
    exhausted = await _queue(pool, Channel.SMS, "+14155550123", None, "never")
    await _drain(_delivery(pool, provider.url), pool)
    row = await _row(pool, exhausted)
    assert row["status"] == "failed" and row["attempts"] == MAX_DELIVERY_ATTEMPTS

    unconfigured = await _queue(pool, Channel.EMAIL, "ada@example.com", "Hello", "Body")
    await _drain(_delivery(pool, provider.url), pool)
    row = await _row(pool, unconfigured)
    assert row["status"] == "skipped" and row["last_error"] == "not_configured" and row["sent_at"] is None
    failed_events = await pool.fetch("SELECT events FROM outbox WHERE topic = 'notification-events'")
    types = sorted(event["type"] for row in failed_events for event in json.loads(row["events"]))
    assert types == sorted(["com.bankflow.notification.sent"] + ["com.bankflow.notification.failed"] * 2)


async def test_a_recorded_message_is_rendered_as_it_is_sent_and_one_that_cannot_be_fails_saying_why(
    pool: asyncpg.Pool, provider: Provider
) -> None:
    completed = {"kind": "TRANSFER", "amount": "12.34", "currency": "USD", "description": None}
    sent = await _record(pool, "+14155550123", completed)
    unrenderable = await _record(pool, "+14155550124", {**completed, "amount": 12.34})  # a float: cents lost
    await _drain(_delivery(pool, provider.url), pool)

    (texted,) = provider.received
    assert texted["form"]["To"] == "+14155550123"
    assert texted["form"]["Body"] == "BankFlow: transfer of $12.34 completed."
    row = await _row(pool, sent)
    assert (row["status"], row["body"], row["context"]) == ("sent", "BankFlow: transfer of $12.34 completed.", None)
    row = await _row(pool, unrenderable)
    assert row["status"] == "failed" and row["context"] is None and "decimal string" in row["last_error"]
    events = await pool.fetch("SELECT events FROM outbox WHERE topic = 'notification-events'")
    outcomes = {event["subject"]: event["type"] for row in events for event in json.loads(row["events"])}
    assert outcomes == {
        str(sent): "com.bankflow.notification.sent",
        str(unrenderable): "com.bankflow.notification.failed",
    }


async def test_a_code_message_rendered_at_delivery_keeps_no_code_once_sent(
    pool: asyncpg.Pool, provider: Provider
) -> None:
    coded = await _record(
        pool, "+14155550123", {"kind": "TRANSFER", "amount": "1.00", "currency": "USD", "description": "code 424242"},
        secret=True,
    )  # fmt: skip
    await _drain(_delivery(pool, provider.url), pool)
    assert "424242" in provider.received[0]["form"]["Body"]
    row = await _row(pool, coded)
    assert row["status"] == "sent" and row["context"] is None and "424242" not in row["body"]


def test_an_email_reads_back_as_it_was_written_whatever_its_script() -> None:
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    from actors.notifications.channels import Outgoing, mime_message

    for subject, body, html in (
        ("Your code", "Your code is 123456.", None),
        ("Überweisung erhalten", "Sie haben 12,00 € erhalten — danke.", "<p>12,00 € erhalten</p>"),
        ("送金を受け取りました", "12.00 USD を受け取りました。", "<p>受け取りました</p>"),
    ):
        outgoing = Outgoing("6f1c3c1e-2a8e-4a51-9a7b-1f0f5f2f9f01", "ada@example.com", subject, body, html)
        raw = mime_message("BankFlow Bänk <no-reply@bankflow.local>", outgoing).as_bytes()
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        assert parsed["Subject"] == subject and parsed["To"] == "ada@example.com"
        assert parsed["From"].addresses[0].display_name == "BankFlow Bänk"
        assert outgoing.notification_id in parsed["Message-ID"]
        plain = parsed.get_body(preferencelist=("plain",))
        assert plain is not None and plain.get_content().rstrip("\n") == body
        rich = parsed.get_body(preferencelist=("html",))
        assert (rich.get_content().rstrip("\n") if rich is not None else None) == html

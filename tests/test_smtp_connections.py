"""Email delivery keeps its SMTP connections open between messages, bounded, and replaces one
the server closed meanwhile without losing the message (an in-process aiosmtpd server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from actors.notifications.channels import MAX_IDLE_SMTP_CONNECTIONS, EmailChannel, Outgoing
from cluster.embedded.process import free_ports


@dataclass
class _Server:
    port: int
    messages: list[bytes] = field(default_factory=list)
    sessions: list[SMTP] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 -- aiosmtpd's name
        assert isinstance(envelope.content, bytes)
        self.messages.append(envelope.content)
        return "250 OK"

    def drop_every_connection(self) -> None:
        for session in self.sessions:
            if session.transport is not None:
                session.transport.close()


@pytest.fixture
async def smtp_server() -> AsyncIterator[_Server]:
    loop = asyncio.get_running_loop()
    server = _Server(free_ports(1)[0])

    def session() -> SMTP:
        protocol = SMTP(server, hostname="mail.test", loop=loop)
        server.sessions.append(protocol)
        return protocol

    listening = await loop.create_server(session, host="127.0.0.1", port=server.port)
    yield server
    listening.close()
    server.drop_every_connection()


def _message(number: int) -> Outgoing:
    return Outgoing(f"n{number}", "ada@example.com", f"Notice {number}", f"body {number}")


def _channel(server: _Server) -> tuple[EmailChannel, Any]:
    channel = EmailChannel(f"smtp://127.0.0.1:{server.port}", "BankFlow <no-reply@bankflow.local>")
    assert channel.connections is not None
    return channel, channel.connections


async def test_messages_one_after_another_share_one_connection(smtp_server: _Server) -> None:
    channel, connections = _channel(smtp_server)
    for number in range(5):
        await channel.send(_message(number))
    assert len(smtp_server.messages) == 5
    assert connections.opened == 1 and len(smtp_server.sessions) == 1
    connections.close()


async def test_concurrent_messages_keep_no_more_connections_than_the_bound(smtp_server: _Server) -> None:
    channel, connections = _channel(smtp_server)
    extra = 4
    await asyncio.gather(*(channel.send(_message(n)) for n in range(MAX_IDLE_SMTP_CONNECTIONS + extra)))
    assert len(smtp_server.messages) == MAX_IDLE_SMTP_CONNECTIONS + extra
    assert connections.opened == MAX_IDLE_SMTP_CONNECTIONS + extra  # all at once: one each
    assert connections.idle == MAX_IDLE_SMTP_CONNECTIONS, "the extra ones closed once done"
    await asyncio.gather(*(channel.send(_message(n)) for n in range(MAX_IDLE_SMTP_CONNECTIONS)))
    assert connections.opened == MAX_IDLE_SMTP_CONNECTIONS + extra, "the kept ones carried the second round"
    connections.close()


async def test_a_connection_the_server_closed_is_replaced_and_the_message_still_sent(smtp_server: _Server) -> None:
    channel, connections = _channel(smtp_server)
    await channel.send(_message(1))
    smtp_server.drop_every_connection()
    await channel.send(_message(2))  # at once: the client has not yet seen the close
    smtp_server.drop_every_connection()
    await asyncio.sleep(0.2)  # now it has
    await channel.send(_message(3))
    assert [message.count(b"Subject: Notice") for message in smtp_server.messages] == [1, 1, 1]
    assert connections.opened == 3
    connections.close()

"""SMTP connections kept open between messages: connecting, the greeting, EHLO and a login
cost more than a message itself, and every email opened its own before (~74 messages/s).

A connection goes back to the pool after a message it carried, and is closed instead after
any error, or when it has been idle longer than MAX_IDLE_S (servers drop idle clients). A
reused connection that the server closed meanwhile is replaced once, at once: the message had
not been handed over, so it is sent on a fresh connection.
"""

from __future__ import annotations

import time
from email.message import Message
from typing import Final

import aiosmtplib

from actors.smtp_url import SmtpServer

MAX_IDLE_S: Final = 30.0
# The client's name in EHLO, said once here: aiosmtplib otherwise asks socket.getfqdn() on
# every connection, a resolver round trip.
LOCAL_HOSTNAME: Final = "bankflow.local"


class SmtpConnections:
    def __init__(self, server: SmtpServer, timeout_s: float, max_idle: int) -> None:
        assert max_idle > 0
        self._server = server
        self._timeout_s = timeout_s
        self._max_idle = max_idle
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # (connection, idle since, monotonic s)
        self.opened = 0  # connections made so far

    @property
    def idle(self) -> int:
        """Connections open and waiting for a message."""
        return len(self._idle)

    async def send(self, email: Message) -> None:
        client, reused = await self._take()
        try:
            await client.send_message(email)
        except aiosmtplib.SMTPServerDisconnected:
            client.close()
            if not reused:
                raise
            client = await self._open()
            try:
                await client.send_message(email)
            except BaseException:
                client.close()
                raise
        except BaseException:
            client.close()
            raise
        self._give_back(client)

    def close(self) -> None:
        for client, _ in self._idle:
            client.close()
        self._idle.clear()

    async def _take(self) -> tuple[aiosmtplib.SMTP, bool]:
        now_s = time.monotonic()
        while self._idle:
            client, idle_since_s = self._idle.pop()
            if client.is_connected and now_s - idle_since_s <= MAX_IDLE_S:
                return client, True
            client.close()
        return await self._open(), False

    async def _open(self) -> aiosmtplib.SMTP:
        server = self._server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.implicit_tls,
            username=server.username or None,
            password=server.password.get_secret_value() or None,
            local_hostname=LOCAL_HOSTNAME,
            timeout=self._timeout_s,
        )
        await client.connect()
        self.opened += 1
        return client

    def _give_back(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) >= self._max_idle:
            client.close()
            return
        self._idle.append((client, time.monotonic()))

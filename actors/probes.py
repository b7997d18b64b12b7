"""Readiness probes of the components BankFlow stands on; each answers ok or why not.

Each probe opens its own short-lived connection with a bound, so a hung server makes a
probe fail within `timeout_s` instead of hanging the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import asyncpg
import ray
import redis.asyncio as aioredis
from aiokafka.admin import AIOKafkaAdminClient

from actors.smtp_url import parse_smtp_url
from models.topics import ALL_TOPICS

PROBE_TIMEOUT_S = 3.0
DETAIL_MAX_CHARS = 300
EHLO_NAME = "localhost"  # what a probe calls itself; avoids looking up this machine's FQDN


@dataclass(frozen=True)
class ProbeResult:
    component: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"status": "ok" if self.ok else "failing", "detail": self.detail}


async def _bounded(component: str, check: Awaitable[ProbeResult], timeout_s: float) -> ProbeResult:
    """Run a check with a bound; any failure is an answer ("failing", and why), never a raise."""
    try:
        async with asyncio.timeout(timeout_s):
            return await check
    except TimeoutError:
        return ProbeResult(component, False, f"no answer within {timeout_s:.0f} s")
    except Exception as error:  # noqa: BLE001 -- every failure means "not ready", with its reason
        return ProbeResult(component, False, f"{type(error).__name__}: {error}"[:DETAIL_MAX_CHARS])


async def probe_postgres(dsn: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    async def check() -> ProbeResult:
        connection = await asyncpg.connect(dsn, timeout=timeout_s)
        try:
            version = await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()
        return ProbeResult("postgres", True, f"PostgreSQL {version}")

    return await _bounded("postgres", check(), timeout_s)


async def probe_kafka(bootstrap: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    async def check() -> ProbeResult:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
        try:
            await admin.start()
            topics = set(await admin.list_topics())
        finally:
            await admin.close()
        missing = [topic for topic in ALL_TOPICS if topic not in topics]
        if missing:
            return ProbeResult("kafka", False, "missing topics: " + ", ".join(missing))
        return ProbeResult("kafka", True, f"{len(ALL_TOPICS)} topics")

    return await _bounded("kafka", check(), timeout_s)


async def probe_redis(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    async def check() -> ProbeResult:
        client = aioredis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )  # no retries: a probe reports
        try:
            await client.ping()
        finally:
            await client.aclose()
        return ProbeResult("redis", True, "PONG")

    return await _bounded("redis", check(), timeout_s)


async def probe_smtp(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Connect (TLS for smtps://), EHLO, log in when the URL has a user, NOOP; never sends mail."""

    async def check() -> ProbeResult:
        server = parse_smtp_url(url)
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.implicit_tls,
            local_hostname=EHLO_NAME,
            timeout=timeout_s,
        )
        async with client:  # connects (STARTTLS when a plain server offers it); QUITs on the way out
            if client.is_ehlo_or_helo_needed:
                await client.ehlo()
            if server.username:
                await client.login(server.username, server.password.get_secret_value())
            response = await client.noop()
        return ProbeResult("smtp", True, f"{server.address} NOOP {response.code}")

    return await _bounded("smtp", check(), timeout_s)


async def probe_ray(timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    async def check() -> ProbeResult:
        if not ray.is_initialized():
            return ProbeResult("ray", False, "not connected to Ray")
        nodes = await asyncio.to_thread(ray.nodes)
        alive = sum(1 for node in nodes if node.get("Alive"))
        if alive == 0:
            return ProbeResult("ray", False, "no alive node")
        return ProbeResult("ray", True, f"{alive} node(s) alive")

    return await _bounded("ray", check(), timeout_s)


async def probe_ledger(shard_count: int, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Every account shard recovered and answering, and the outbox relay running."""
    from actors.ledger.placement import shard_handles, wait_ready  # noqa: PLC0415 -- keeps probes importable alone
    from actors.outbox_relay import RELAY_ACTOR_NAME, RELAY_NAMESPACE  # noqa: PLC0415

    async def check() -> ProbeResult:
        shards = await wait_ready(shard_handles(shard_count), timeout_s)
        # Any, as every handle of ours: Ray types an untyped handle's methods as Never, which
        # would make everything after the call unreachable to the type checker.
        handle: Any = ray.get_actor(RELAY_ACTOR_NAME, namespace=RELAY_NAMESPACE)
        relay = await handle.stats.remote()
        if not relay["running"]:
            return ProbeResult("ledger", False, "the outbox relay is not running")
        accounts = sum(shard["accounts"] for shard in shards)
        return ProbeResult("ledger", True, f"{len(shards)} shards, {accounts} accounts, relay running")

    return await _bounded("ledger", check(), timeout_s)

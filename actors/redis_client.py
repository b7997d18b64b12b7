"""The one way BankFlow opens a Redis client: bounded timeouts, and retries that ride over a
restarted server (a pooled connection it closed is replaced, not reported as a failure)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

TIMEOUT_S = 2.0
RETRIES = 3


def connect_redis(url: str) -> aioredis.Redis:
    return aioredis.from_url(
        url,
        socket_timeout=TIMEOUT_S,
        socket_connect_timeout=TIMEOUT_S,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.02), RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=30,
    )


T = TypeVar("T")


async def repeat_once_if_disconnected(call: Callable[[], Awaitable[T]]) -> T:
    """Run an idempotent Redis call, once more if the server had closed the connection.

    redis-py does not retry every path over a connection the server closed (a restarted
    server): a MULTI/EXEC, or a pipeline whose health-check PING meets the closed socket.
    The caller vouches that running `call` twice does no harm.
    """
    try:
        return await call()
    except RedisConnectionError:
        return await call()

"""The one way BankFlow opens a Redis client: bounded timeouts, and retries that ride over a
restarted server (a pooled connection it closed is replaced, not reported as a failure)."""

from __future__ import annotations

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

"""The gateway's security: who is calling (JWT), whether their session was revoked,
what their role allows, and how often they may call (Redis sliding windows)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import Depends, Request
from redis.exceptions import RedisError

from actors.keys import InvalidTokenError, JwtKeyRing
from actors.redis_client import repeat_once_if_disconnected
from deployments.errors import ApiError
from deployments.identity.service import revoked_session_key
from models.identity import Principal, Role

WINDOW_S = 60


@dataclass
class SecurityContext:
    """What the gateway's security needs, kept on the FastAPI app's state."""

    keys: JwtKeyRing
    redis: aioredis.Redis
    user_limit_per_minute: int
    ip_limit_per_minute: int


def _context(request: Request) -> SecurityContext:
    context: SecurityContext = request.app.state.security
    return context


async def within_limit(redis: aioredis.Redis, key: str, limit: int, now: float | None = None) -> int | None:
    """Count a request in the sliding window `key`; None if allowed, else seconds until it would be."""
    now = time.time() if now is None else now
    member = f"{now:.6f}-{uuid.uuid4().hex[:8]}"

    async def count_in_window() -> list[Any]:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - WINDOW_S)
            pipe.zadd(key, {member: now})
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.expire(key, WINDOW_S + 1)
            result: list[Any] = await pipe.execute()
            return result

    # Safe to repeat: the member is the same, so the window counts the request once.
    replies = await repeat_once_if_disconnected(count_in_window)
    _, _, count, oldest, _ = replies
    if count <= limit:
        return None
    await redis.zrem(key, member)  # a refused request does not use up the window
    oldest_at = oldest[0][1] if oldest else now
    return max(1, int(oldest_at + WINDOW_S - now) + 1)


def _limited(retry_after_s: int) -> ApiError:
    return ApiError(429, "rate_limited", "too many requests", {"Retry-After": str(retry_after_s)})


def _session_store_down() -> ApiError:
    # Fail closed: without Redis, neither revocations nor rate limits can be checked.
    message = "the session store is unavailable; try again shortly"
    return ApiError(503, "temporarily_unavailable", message, {"Retry-After": "5"})


async def limit_by_ip(request: Request) -> None:
    """For the endpoints anyone may call (register, login, refresh, forgot, reset)."""
    context = _context(request)
    address = request.client.host if request.client else "unknown"
    try:
        wait_s = await within_limit(context.redis, f"rate:ip:{address}", context.ip_limit_per_minute)
    except RedisError:
        raise _session_store_down() from None
    if wait_s is not None:
        raise _limited(wait_s)


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer …` header; empty without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


async def current_principal(request: Request) -> Principal:
    """The caller of an authenticated route: a valid access token of a live session, within its rate limit."""
    context = _context(request)
    token = bearer_token(request)
    if not token:
        raise ApiError(401, "unauthorized", "an access token is required", {"WWW-Authenticate": "Bearer"})
    try:
        claims = context.keys.verify(token)
    except InvalidTokenError as error:
        raise ApiError(401, "invalid_token", str(error), {"WWW-Authenticate": "Bearer"}) from None
    try:
        revoked = await context.redis.exists(revoked_session_key(claims["sid"]))
        wait_s = await within_limit(context.redis, f"rate:user:{claims['sub']}", context.user_limit_per_minute)
    except RedisError:
        raise _session_store_down() from None
    if revoked:
        raise ApiError(401, "session_revoked", "this session was signed out", {"WWW-Authenticate": "Bearer"})
    if wait_s is not None:
        raise _limited(wait_s)
    customer_id = claims.get("customer_id")
    return Principal(
        user_id=uuid.UUID(claims["sub"]),
        email=str(claims.get("email", "")),
        roles=frozenset(claims.get("roles", [])),
        customer_id=uuid.UUID(customer_id) if customer_id else None,
        session_id=uuid.UUID(claims["sid"]),
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.has_role(*roles):
        raise ApiError(403, "forbidden", "your role does not allow this")

"""The gateway's security: who is calling (JWT), whether their session was revoked,
what their role allows, and how often they may call (Redis sliding windows)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final

import redis.asyncio as aioredis
from fastapi import Depends, Request
from opentelemetry import trace
from redis.exceptions import RedisError

from actors.keys import InvalidTokenError, JwtKeyRing
from actors.redis_client import repeat_once_if_disconnected
from actors.sessions import revoked_session_key
from deployments.errors import ApiError, request_id_of
from models.audit import AuditOrigin
from models.identity import Principal, Role

WINDOW_S = 60
# A live stream's ticket (EventSource cannot send an Authorization header): single use, short-lived.
STREAM_TICKET_TTL_S: Final = 30
STREAM_TICKET_BYTES: Final = 32


@dataclass
class SecurityContext:
    """What the gateway's security needs, kept on the FastAPI app's state."""

    keys: JwtKeyRing
    redis: aioredis.Redis
    user_limit_per_minute: int
    ip_limit_per_minute: int
    lookup_limit_per_minute: int = 30


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
    await _admit(context, str(claims["sub"]), str(claims["sid"]))
    return _principal_of(claims)


async def _admit(context: SecurityContext, user_id: str, session_id: str) -> None:
    """What every authenticated request passes, however it authenticated: its session was not
    revoked, and its user is within the per-user rate limit."""
    try:
        revoked = await context.redis.exists(revoked_session_key(session_id))
        wait_s = await within_limit(context.redis, f"rate:user:{user_id}", context.user_limit_per_minute)
    except RedisError:
        raise _session_store_down() from None
    if revoked:
        raise ApiError(401, "session_revoked", "this session was signed out", {"WWW-Authenticate": "Bearer"})
    if wait_s is not None:
        raise _limited(wait_s)


def _principal_of(claims: dict[str, Any]) -> Principal:
    customer_id = claims.get("customer_id")
    return Principal(
        user_id=uuid.UUID(claims["sub"]),
        email=str(claims.get("email", "")),
        roles=frozenset(claims.get("roles", [])),
        customer_id=uuid.UUID(customer_id) if customer_id else None,
        session_id=uuid.UUID(claims["sid"]),
    )


async def session_revoked(request: Request, principal: Principal) -> bool:
    """Whether the principal's session was signed out since it was admitted (a long-lived stream asks)."""
    try:
        return bool(await _context(request).redis.exists(revoked_session_key(str(principal.session_id))))
    except RedisError:
        raise _session_store_down() from None


async def limit_lookups(request: Request, principal: Principal) -> None:
    """The per-user window of account-number lookups, tighter than the general one: a number
    names its holder, so numbers must not be swept."""
    context = _context(request)
    try:
        wait_s = await within_limit(context.redis, f"rate:lookup:{principal.user_id}", context.lookup_limit_per_minute)
    except RedisError:
        raise _session_store_down() from None
    if wait_s is not None:
        raise ApiError(429, "rate_limited", "too many account lookups; wait a little", {"Retry-After": str(wait_s)})


def _ticket_key(ticket: str) -> str:
    # Only the ticket's digest is kept: reading Redis does not give anyone a ticket.
    return f"stream-ticket:{hashlib.sha256(ticket.encode()).hexdigest()}"


async def issue_stream_ticket(request: Request, principal: Principal) -> str:
    """An opaque random ticket that opens the principal's live stream once, within STREAM_TICKET_TTL_S."""
    ticket = secrets.token_urlsafe(STREAM_TICKET_BYTES)
    claims = {
        "sub": str(principal.user_id),
        "email": principal.email,
        "roles": sorted(principal.roles),
        "customer_id": None if principal.customer_id is None else str(principal.customer_id),
        "sid": str(principal.session_id),
    }
    try:
        await _context(request).redis.set(_ticket_key(ticket), json.dumps(claims), ex=STREAM_TICKET_TTL_S, nx=True)
    except RedisError:
        raise _session_store_down() from None
    return ticket


async def principal_of_ticket(request: Request, ticket: str) -> Principal:
    """The principal a stream ticket was issued to, redeeming it (GETDEL: once, atomically); its
    session and rate limit are checked as for an access token. Unknown, expired or used: 401."""
    context = _context(request)
    try:
        stored = await context.redis.getdel(_ticket_key(ticket))  # never repeated: a second GETDEL finds nothing
    except RedisError:
        raise _session_store_down() from None
    if stored is None:
        message = "the stream ticket is unknown, expired or already used; ask for a new one"
        raise ApiError(401, "invalid_ticket", message, {"WWW-Authenticate": "Bearer"})
    claims: dict[str, Any] = json.loads(stored)
    await _admit(context, str(claims["sub"]), str(claims["sid"]))
    return _principal_of(claims)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.has_role(*roles):
        raise ApiError(403, "forbidden", "your role does not allow this")


def audit_origin(request: Request) -> AuditOrigin:
    """Where a request came from, for its audit record: address and user agent as the gateway
    saw them, its request id, and its trace id when the request is being traced."""
    span_context = trace.get_current_span().get_span_context()
    return AuditOrigin(
        ip_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=request_id_of(request),
        trace_id=format(span_context.trace_id, "032x") if span_context.is_valid else None,
    )


Origin = Annotated[AuditOrigin, Depends(audit_origin)]

"""Ending sign-in sessions in the database: a revoked session's refresh token is refused. The
gateways learn of it at once from Redis (the Identity deployment publishes the ids once the
transaction that revoked them commits)."""

from __future__ import annotations

import uuid
from typing import Any, Final

import redis.asyncio as aioredis

from actors.redis_client import repeat_once_if_disconnected

REVOKED_KEY: Final = "revoked-session:{}"


def revoked_session_key(session_id: str) -> str:
    return REVOKED_KEY.format(session_id)


async def revoke(connection: Any, session_id: uuid.UUID, reason: str) -> None:
    await connection.execute(
        """UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
           WHERE session_id = $1 AND revoked_at IS NULL""",
        session_id,
        reason,
    )


async def revoke_all(connection: Any, user_id: uuid.UUID, reason: str) -> list[uuid.UUID]:
    """Revoke every live session of the user; their ids, to publish once committed."""
    ended = await connection.fetch(
        """UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
           WHERE user_id = $1 AND revoked_at IS NULL RETURNING session_id""",
        user_id,
        reason,
    )
    return [row["session_id"] for row in ended]


async def publish_revoked(redis: aioredis.Redis, session_ids: list[uuid.UUID], ttl_s: int) -> None:
    """Tell the gateways at once: a revoked session's access tokens stop working now. `ttl_s`
    outlives the longest access token, after which the token is refused on its own."""

    async def set_revoked() -> None:
        async with redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.set(revoked_session_key(str(session_id)), "1", ex=ttl_s)
            await pipe.execute()

    await repeat_once_if_disconnected(set_revoked)

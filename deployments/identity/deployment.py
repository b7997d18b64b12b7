"""The identity service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg
from ray import serve

from actors.redis_client import connect_redis
from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.calls import dispatch
from deployments.identity.service import IdentityService
from models.failures import Failure, ServiceFailure

# What the gateway may call; everything else on the service stays internal.
OPERATIONS = frozenset(
    {
        "register",
        "login",
        "refresh",
        "logout",
        "sessions",
        "end_session",
        "logout_all",
        "me",
        "verify",
        "resend_verification",
        "forgot",
        "reset",
        "mfa_setup",
        "mfa_enable",
        "mfa_disable",
        "set_roles",
        "users",
        "user",
        "activity",
    }
)
# Reads only: a login counts its failures, a registration sends mail.
RETRY_SAFE: Final = frozenset({"me", "sessions", "users", "user", "activity"})


@serve.deployment
class Identity:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("identity", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._service: IdentityService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> IdentityService:
        async with self._lock:
            if self._service is None:
                pool = await asyncpg.create_pool(self._settings.database_url, min_size=1, max_size=8)
                redis = connect_redis(self._settings.redis_url)
                service = IdentityService(self._settings, pool, redis)
                await service.republish_recent_revocations()
                self._service = service
            return self._service

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        """Run one operation; a refusal comes back as a Failure value, not an exception."""
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

    async def bootstrap_admin(self, email: str, password: str) -> bool | Failure:
        """Create the first admin if there is none (called by `bankflow up`, never over HTTP)."""
        service = await self._ready()
        try:
            return await service.ensure_admin(email, password)
        except ServiceFailure as refusal:
            return refusal.failure

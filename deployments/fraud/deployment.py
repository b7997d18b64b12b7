"""The fraud service as a Ray Serve deployment: scoring batched with @serve.batch, and the
management operations the gateway calls through its handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg
from ray import serve

from actors.fraud.velocity import VelocityStore
from actors.log_masking import install_masking
from actors.redis_client import connect_redis
from actors.settings import Settings
from deployments.calls import dispatch
from deployments.fraud.service import FraudService
from models.failures import Failure
from models.fraud.check import Assessment, ScoringRequest

OPERATIONS: Final = frozenset(
    {"analyze", "score", "create_rule", "update_rule", "rules", "add_to_list", "cases", "case", "resolve", "model"}
)
MAX_SCORING_BATCH: Final = 64
SCORING_BATCH_WAIT_S: Final = 0.002


@serve.deployment
class Fraud:
    def __init__(self) -> None:
        install_masking()
        self._settings = Settings()
        self._service: FraudService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> FraudService:
        async with self._lock:
            if self._service is None:
                pool = await asyncpg.create_pool(self._settings.database_url, min_size=1, max_size=8)
                self._service = FraudService(pool, VelocityStore(connect_redis(self._settings.redis_url)))
            return self._service

    async def assess(self, request: ScoringRequest) -> Assessment:
        """One movement in the money path; concurrent calls are scored together."""
        result: Assessment = await self._assess_batch(request)
        return result

    @serve.batch(max_batch_size=MAX_SCORING_BATCH, batch_wait_timeout_s=SCORING_BATCH_WAIT_S)
    async def _assess_batch(self, requests: list[ScoringRequest]) -> list[Assessment]:
        return await (await self._ready()).assess_many(requests)

    async def call(self, operation: str, arguments: dict[str, Any]) -> dict[str, Any] | Failure:
        return await dispatch(await self._ready(), OPERATIONS, operation, arguments)

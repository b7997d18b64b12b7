"""The fraud service as a Ray Serve deployment: scoring batched with @serve.batch, and the
management operations the gateway calls through its handle."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field
from ray import serve

from actors.settings import Settings
from actors.tracing import TraceCarrier, continued_span, prepare_process
from deployments.calls import dispatch
from deployments.fraud.service import FraudService
from deployments.fraud.wiring import (
    MAX_SCORING_BATCH,
    SCORING_BATCH_WAIT_S,
    follow_model,
    follow_model_forever,
    open_fraud_service,
)
from models.failures import Failure
from models.fraud.check import Assessment, ScoringRequest
from models.transactions import MAX_BATCH_TRANSFERS

OPERATIONS: Final = frozenset(
    {
        "analyze",
        "score",
        "create_rule",
        "update_rule",
        "rules",
        "add_to_list",
        "list_entries",
        "remove_from_list",
        "cases",
        "case",
        "resolve",
        "model",
        "models",
        "model_report",
        "promote",
    }
)
POOL_SIZE: Final = 8
# Reads only: scoring counts the movement in its velocity windows.
RETRY_SAFE: Final = frozenset({"rules", "list_entries", "cases", "case", "model", "models", "model_report"})

logger = logging.getLogger("bankflow.fraud")


class ScoringBatching(BaseModel):
    """How concurrent scoring requests are gathered: the Fraud deployment's `user_config`.

    A change in the deploy config reaches the running replicas without a restart;
    `scoring_max_batch_size: 1` turns batching off (each request scored on its own).
    """

    model_config = ConfigDict(extra="forbid")

    scoring_max_batch_size: int = Field(default=MAX_SCORING_BATCH, ge=1, le=1_024)
    scoring_batch_wait_ms: float = Field(default=SCORING_BATCH_WAIT_S * 1000, ge=0, le=100)


@serve.deployment
class Fraud:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("fraud", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._service: FraudService | None = None
        self._lock = asyncio.Lock()
        self._follower: asyncio.Task[None] | None = None

    async def _ready(self) -> FraudService:
        async with self._lock:
            if self._service is None:
                service = await open_fraud_service(self._settings, POOL_SIZE)
                await follow_model(service)
                self._follower = asyncio.get_running_loop().create_task(follow_model_forever(service))
                self._service = service
            return self._service

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        batching = ScoringBatching.model_validate(user_config)
        batcher: Any = self._assess_batch  # @serve.batch adds setters that its declared type does not show
        batcher.set_max_batch_size(batching.scoring_max_batch_size)
        batcher.set_batch_wait_timeout_s(batching.scoring_batch_wait_ms / 1000)
        logger.info(
            "scoring batches of up to %d, gathered for %.1f ms",
            batching.scoring_max_batch_size,
            batching.scoring_batch_wait_ms,
        )

    async def assess(self, request: ScoringRequest, trace: TraceCarrier | None = None) -> Assessment:
        """One movement in the money path; concurrent calls are scored together."""
        with continued_span("Fraud.assess", trace):
            result: Assessment = await self._assess_batch(request)
        return result

    async def assess_many(self, requests: list[ScoringRequest], trace: TraceCarrier | None = None) -> list[Assessment]:
        """A batch transfer's movements (at most MAX_BATCH_TRANSFERS), scored in one call: each
        account's velocity read once, the assessments stored in one statement."""
        assert len(requests) <= MAX_BATCH_TRANSFERS, "a batch transfer is bounded by its route"
        with continued_span("Fraud.assess_many", trace, {"bankflow.movements": len(requests)}):
            return await (await self._ready()).assess_many(requests)

    @serve.batch(max_batch_size=MAX_SCORING_BATCH, batch_wait_timeout_s=SCORING_BATCH_WAIT_S)
    async def _assess_batch(self, requests: list[ScoringRequest]) -> list[Assessment]:
        return await (await self._ready()).assess_many(requests)

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

"""The fraud check in the process that runs the movement: the Fraud deployment's own service
(velocity in Redis, the assessment stored, the registry's serving model followed every
MODEL_POLL_S), called without a Serve hop. A hop cost several milliseconds of CPU on each
side, and queued behind the Fraud replica's other work at load, for every movement.

Concurrent single movements are scored together (up to MAX_SCORING_BATCH, gathered for
SCORING_BATCH_WAIT_S), as the Fraud deployment's @serve.batch gathers them. What is not answered in
time, or fails, follows the stated policy (models/fraud/check.py), as ServeScorer does.
"""

from __future__ import annotations

import asyncio
from typing import Final

from actors.banking.fraud_client import list_timeout_s, unanswered
from actors.gathering import Gatherer
from actors.metrics import fraud_metrics
from actors.settings import Settings
from actors.tracing import continued_span, current_carrier
from deployments.fraud.service import FraudService
from deployments.fraud.wiring import (
    MAX_SCORING_BATCH,
    SCORING_BATCH_WAIT_S,
    follow_model,
    follow_model_forever,
    open_fraud_service,
)
from models.fraud.check import Assessment, ScoringRequest
from models.transactions import MAX_BATCH_TRANSFERS

POOL_SIZE: Final = 4


class LocalScorer:
    def __init__(self, service: FraudService, timeout_ms: int, allow_under_units: int) -> None:
        self._service = service
        self._timeout_s = timeout_ms / 1000
        self._allow_under_units = allow_under_units
        self._gathered: Gatherer[ScoringRequest, Assessment] = Gatherer(
            service.assess_many, MAX_SCORING_BATCH, SCORING_BATCH_WAIT_S
        )
        self._follower: asyncio.Task[None] | None = None
        fraud_metrics()  # the fallback counters exist, at zero, before the first fallback

    @classmethod
    async def open(cls, settings: Settings) -> LocalScorer:
        """A scorer with its own pool and Redis client, the serving model loaded and followed."""
        service = await open_fraud_service(settings, POOL_SIZE)
        await follow_model(service)
        scorer = cls(service, settings.fraud_timeout_ms, settings.fraud_timeout_allow_units)
        scorer._follower = asyncio.get_running_loop().create_task(follow_model_forever(service))
        return scorer

    async def assess(self, request: ScoringRequest) -> Assessment:
        try:
            with continued_span("Fraud.assess", current_carrier()):  # in this process's trace
                return await asyncio.wait_for(self._gathered.submit(request), self._timeout_s)
        except Exception as error:  # noqa: BLE001 -- any failure to score follows the policy
            return unanswered(error, [request], self._allow_under_units)[0]

    async def assess_many(self, requests: list[ScoringRequest]) -> list[Assessment]:
        assert len(requests) <= MAX_BATCH_TRANSFERS, "a batch transfer is bounded by its route"
        timeout_s = list_timeout_s(self._timeout_s, len(requests))
        try:
            return await asyncio.wait_for(self._service.assess_many(requests), timeout_s)
        except Exception as error:  # noqa: BLE001 -- any failure to score follows the policy
            return unanswered(error, requests, self._allow_under_units)

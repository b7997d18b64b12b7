"""The fraud check as the money path calls it: the Fraud Serve deployment by name, within a
time limit, and the stated policy (models/fraud/check.py) when it does not answer in time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from ray import serve

from actors.metrics import fraud_metrics
from actors.tracing import current_carrier
from models.fraud.check import Assessment, ScoringRequest, unavailable_policy

logger = logging.getLogger("bankflow.fraud")

APP_NAME: Final = "bankflow"
DEPLOYMENT_NAME: Final = "Fraud"
MOVEMENTS_PER_TIMEOUT: Final = 200


class ServeScorer:
    def __init__(self, timeout_ms: int, allow_under_units: int, app_name: str = APP_NAME) -> None:
        self._timeout_s = timeout_ms / 1000
        self._allow_under_units = allow_under_units
        self._app_name = app_name
        self._handle: Any = None
        fraud_metrics()  # the fallback counters exist, at zero, before the first fallback

    async def assess(self, request: ScoringRequest) -> Assessment:
        return (await self._call("assess", request, [request]))[0]

    async def assess_many(self, requests: list[ScoringRequest]) -> list[Assessment]:
        return await self._call("assess_many", requests, requests)

    async def _call(self, method: str, argument: Any, requests: list[ScoringRequest]) -> list[Assessment]:
        try:
            if self._handle is None:
                self._handle = serve.get_deployment_handle(DEPLOYMENT_NAME, app_name=self._app_name)
            response = getattr(self._handle, method).remote(argument, current_carrier())
            try:
                result = await asyncio.wait_for(response, list_timeout_s(self._timeout_s, len(requests)))
            except TimeoutError:
                response.cancel()
                raise
            return [result] if method == "assess" else list(result)
        except Exception as error:  # noqa: BLE001 -- any failure to score follows the policy
            return unanswered(error, requests, self._allow_under_units)


def list_timeout_s(timeout_s: float, movements: int) -> float:
    """A list takes longer than one movement: its time limit grows with its size."""
    return timeout_s * max(1, movements / MOVEMENTS_PER_TIMEOUT)


def unanswered(error: Exception, requests: list[ScoringRequest], allow_under_units: int) -> list[Assessment]:
    """What the policy decides for movements the scorer did not answer (counted, and logged
    without their details)."""
    reason = "timeout" if isinstance(error, TimeoutError) else "error"
    fraud_metrics().unanswered.inc(tags={"reason": reason})
    logger.warning("fraud scoring unavailable (%s): policy applies", type(error).__name__)
    return [unavailable_policy(request, allow_under_units) for request in requests]

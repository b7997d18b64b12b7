"""The fraud check as the money path calls it: the Fraud Serve deployment by name, within a
time limit, and the stated policy (models/fraud/check.py) when it does not answer in time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from ray import serve

from models.fraud.check import Assessment, ScoringRequest, unavailable_policy

logger = logging.getLogger("bankflow.fraud")

APP_NAME: Final = "bankflow"
DEPLOYMENT_NAME: Final = "Fraud"


class ServeScorer:
    def __init__(self, timeout_ms: int, allow_under_units: int, app_name: str = APP_NAME) -> None:
        self._timeout_s = timeout_ms / 1000
        self._allow_under_units = allow_under_units
        self._app_name = app_name
        self._handle: Any = None

    async def assess(self, request: ScoringRequest) -> Assessment:
        try:
            if self._handle is None:
                self._handle = serve.get_deployment_handle(DEPLOYMENT_NAME, app_name=self._app_name)
            response = self._handle.assess.remote(request)
            try:
                result: Assessment = await asyncio.wait_for(response, self._timeout_s)
            except TimeoutError:
                response.cancel()
                raise
            return result
        except Exception as error:  # noqa: BLE001 -- any failure to score follows the policy
            logger.warning("fraud scoring unavailable (%s): policy applies", type(error).__name__)
            return unavailable_policy(request, self._allow_under_units)

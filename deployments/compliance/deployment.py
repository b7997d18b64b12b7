"""The compliance service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg
from ray import serve

from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.calls import dispatch
from deployments.compliance.service import ComplianceService
from models.failures import Failure

READS: Final = frozenset(
    {"audit", "audit_csv", "currency_transactions", "suspicious_activity", "kyc_status", "approvals", "approval"}
    | {"approval_policies"}
)
WRITES: Final = frozenset(
    {"file_suspicious_activity", "claim_approval", "finish_approval", "reject_approval", "set_approval_policy"}
    | {"settle_approval"}
)
OPERATIONS: Final = READS | WRITES
# A write tried again after a fault could be refused for its own first attempt (409 already_filed,
# already_decided): only reads are.
RETRY_SAFE: Final = READS


@serve.deployment
class Compliance:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("compliance", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._service: ComplianceService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> ComplianceService:
        async with self._lock:
            if self._service is None:
                pool = await asyncpg.create_pool(self._settings.database_url, min_size=1, max_size=4)
                self._service = ComplianceService(pool, self._settings.business_time_zone, self._settings.ctr_threshold)
            return self._service

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

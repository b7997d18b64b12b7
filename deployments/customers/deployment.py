"""The customers service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg
from ray import serve

from actors.documents import document_store
from actors.keys import SecretBox
from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.calls import dispatch
from deployments.customers.service import CustomerService
from models.failures import Failure

OPERATIONS = frozenset(
    {
        "create",
        "get",
        "update",
        "search",
        "submit_kyc",
        "kyc_status",
        "decide_kyc",
        "upload_document",
        "list_documents",
        "document_content",
    }
)
# Reads only: a write may record its effect before the fault.
RETRY_SAFE: Final = frozenset({"get", "search", "kyc_status", "list_documents", "document_content"})


@serve.deployment
class Customers:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("customers", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._service: CustomerService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> CustomerService:
        async with self._lock:
            if self._service is None:
                settings = self._settings
                pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=8)
                box = SecretBox.from_json(settings.data_keys_json.get_secret_value(), settings.data_key_id)
                self._service = CustomerService(pool, box, document_store(settings.document_store_url))
            return self._service

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

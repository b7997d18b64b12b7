"""The transactions service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from ray import serve

from actors.banking.wiring import Banking, connect_banking
from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.calls import dispatch
from deployments.fraud.local_scorer import LocalScorer
from models.failures import Failure

OPERATIONS = frozenset(
    {
        "move",
        "capture",
        "void",
        "reverse",
        "transfer_batch",
        "get",
        "of_account",
        "external",
        "schedule",
        "schedules",
        "cancel_schedule",
        "search",
        "decide_review",
    }
)
# Every movement carries its transaction id (a retry resumes it, the ledger and the read model
# are idempotent by it); the rest carry their own ids or only read.
RETRY_SAFE: Final = OPERATIONS


class _TransactionOperations:
    """The operations the gateway may call, over the transactions, external and scheduled services."""

    def __init__(self, banking: Banking) -> None:
        service = banking.transactions
        self.move = service.move
        self.capture = service.capture
        self.void = service.void
        self.reverse = service.reverse
        self.transfer_batch = service.transfer_batch
        self.get = service.get
        self.of_account = service.of_account
        self.external = banking.external.request
        self.schedule = banking.schedules.create
        self.schedules = banking.schedules.listing
        self.cancel_schedule = banking.schedules.cancel
        self.search = banking.search.search
        self.decide_review = service.decide_review


@serve.deployment
class Transactions:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("transactions", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._operations: _TransactionOperations | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> _TransactionOperations:
        async with self._lock:
            if self._operations is None:
                # Scored here, not through the Fraud deployment: no Serve hop on the money path.
                scorer = await LocalScorer.open(self._settings)
                self._operations = _TransactionOperations(await connect_banking(self._settings, scorer))
            return self._operations

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

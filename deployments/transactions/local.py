"""The transactions service in the gateway's own replica: the money path runs where the request
arrives, without a Serve hop (which cost several milliseconds of CPU on each side of every
movement, and queued behind the other replica's work at load). Scaling the gateway scales it.

Refusals, retries of transient faults and the `Transactions.<operation>` span are those of a
service deployment (deployments/calls.py `dispatch`); the actors that move money on their own
(scheduler, settlement) run the same TransactionService in their processes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from actors.banking.wiring import Banking, connect_banking
from actors.settings import Settings
from actors.tracing import current_carrier
from deployments.calls import answer_of, dispatch
from deployments.fraud.local_scorer import LocalScorer

SPAN_PREFIX: Final = "Transactions"
OPERATIONS: Final = frozenset(
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
    """The operations the routes may call, over the transactions, external and scheduled services."""

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


class LocalTransactions:
    """Connected on first use (the replica's event loop runs by then), once."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._operations: _TransactionOperations | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> _TransactionOperations:
        if self._operations is not None:
            return self._operations
        async with self._lock:
            if self._operations is None:
                # Scored here too, not through the Fraud deployment: no Serve hop on the money path.
                scorer = await LocalScorer.open(self._settings)
                self._operations = _TransactionOperations(await connect_banking(self._settings, scorer))
            return self._operations

    async def call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        """The operation's result, or the ApiError of its refusal."""
        result = await dispatch(
            self._ready, OPERATIONS, operation, arguments, current_carrier(), RETRY_SAFE, SPAN_PREFIX
        )
        return answer_of(result)

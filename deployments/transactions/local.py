"""The transactions service in the gateway's own replica: the money path runs where the request
arrives, without a Serve hop (which cost several milliseconds of CPU on each side of every
movement, and queued behind the other replica's work at load). Scaling the gateway scales it.

Refusals, retries of transient faults and the `Transactions.<operation>` span are those of a
service deployment (deployments/calls.py `guarded`); the actors that move money on their own
(scheduler, settlement) run the same TransactionService in their processes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from actors.banking.external import ExternalRequest
from actors.banking.scheduler import ScheduleRequest
from actors.banking.search import SearchCriteria
from actors.banking.transactions import Movement
from actors.banking.wiring import Banking, connect_banking
from actors.settings import Settings
from actors.tracing import current_carrier
from deployments.calls import answer_of, guarded
from deployments.fraud.local_scorer import LocalScorer
from models.approvals import Approved
from models.audit import AuditOrigin
from models.identity import Principal

Operation = Callable[[Banking], Awaitable[dict[str, Any]]]


class LocalTransactions:
    """The money path's operations for the routes. Connected on first use (the replica's event
    loop runs by then), once.

    Every operation may be tried again after a transient fault: each movement carries its
    transaction id (a retry resumes it; the ledger and the read model are idempotent by it), and
    the rest carry their own ids or only read."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._banking: Banking | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> Banking:
        if self._banking is not None:
            return self._banking
        async with self._lock:
            if self._banking is None:
                # Scored here too, not through the Fraud deployment: no Serve hop on the money path.
                scorer = await LocalScorer.open(self._settings)
                self._banking = await connect_banking(self._settings, scorer)
            return self._banking

    async def _run(self, name: str, operation: Operation) -> dict[str, Any]:
        """The operation's result, or the ApiError of its refusal."""

        async def attempt() -> dict[str, Any]:
            return await operation(await self._ready())

        return answer_of(await guarded(f"Transactions.{name}", attempt, current_carrier(), retry_safe=True))

    async def move(self, principal: Principal, movement: Movement, transaction_id: uuid.UUID) -> dict[str, Any]:
        return await self._run("move", lambda banking: banking.transactions.move(principal, movement, transaction_id))

    async def capture(
        self, principal: Principal, transaction_id: uuid.UUID, amount_minor: int | None
    ) -> dict[str, Any]:
        return await self._run(
            "capture", lambda banking: banking.transactions.capture(principal, transaction_id, amount_minor)
        )

    async def void(self, principal: Principal, transaction_id: uuid.UUID) -> dict[str, Any]:
        return await self._run("void", lambda banking: banking.transactions.void(principal, transaction_id))

    async def reverse(
        self,
        principal: Principal,
        transaction_id: uuid.UUID,
        reason: str,
        reversal_id: uuid.UUID,
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        return await self._run(
            "reverse",
            lambda banking: banking.transactions.reverse(
                principal, transaction_id, reason, reversal_id, origin, approved
            ),
        )

    async def transfer_batch(
        self, principal: Principal, movements: Sequence[Movement], transaction_ids: Sequence[uuid.UUID]
    ) -> dict[str, Any]:
        return await self._run(
            "transfer_batch",
            lambda banking: banking.transactions.transfer_batch(principal, movements, transaction_ids),
        )

    async def get(self, principal: Principal, transaction_id: uuid.UUID) -> dict[str, Any]:
        return await self._run("get", lambda banking: banking.transactions.get(principal, transaction_id))

    async def of_account(
        self, principal: Principal, account_id: uuid.UUID, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        return await self._run(
            "of_account", lambda banking: banking.transactions.of_account(principal, account_id, limit, cursor)
        )

    async def decide_review(self, principal: Principal, transaction_id: uuid.UUID, approve: bool) -> dict[str, Any]:
        return await self._run(
            "decide_review", lambda banking: banking.transactions.decide_review(principal, transaction_id, approve)
        )

    async def external(
        self, principal: Principal, external: ExternalRequest, transaction_id: uuid.UUID
    ) -> dict[str, Any]:
        return await self._run(
            "external", lambda banking: banking.external.request(principal, external, transaction_id)
        )

    async def schedule(self, principal: Principal, schedule: ScheduleRequest, schedule_id: uuid.UUID) -> dict[str, Any]:
        return await self._run("schedule", lambda banking: banking.schedules.create(principal, schedule, schedule_id))

    async def schedules(
        self,
        principal: Principal,
        limit: int,
        cursor: str | None,
        customer_id: uuid.UUID | None,
        account_id: uuid.UUID | None,
    ) -> dict[str, Any]:
        return await self._run(
            "schedules",
            lambda banking: banking.schedules.listing(principal, limit, cursor, customer_id, account_id),
        )

    async def cancel_schedule(self, principal: Principal, schedule_id: uuid.UUID) -> dict[str, Any]:
        return await self._run("cancel_schedule", lambda banking: banking.schedules.cancel(principal, schedule_id))

    async def search(
        self, principal: Principal, criteria: SearchCriteria, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        return await self._run("search", lambda banking: banking.search.search(principal, criteria, limit, cursor))

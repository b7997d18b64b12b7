"""The accounts service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any, Final

from ray import serve

from actors.banking.statement_pdf import render_statement_pdf
from actors.banking.wiring import Banking, connect_banking
from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.accounts.service import PayeeService
from deployments.calls import dispatch
from models.failures import Failure
from models.identity import Principal
from models.statements import statement_csv, statement_json

OPERATIONS = frozenset(
    {
        "open",
        "get",
        "of_user",
        "balance",
        "change_status",
        "set_limits",
        "statement",
        "lookup",
        "payees",
        "add_payee",
        "rename_payee",
        "remove_payee",
    }
)
# Every other operation carries its own ids or only reads: another attempt resumes the first.
# A removal done before the fault would answer the next attempt "not found".
RETRY_SAFE: Final = OPERATIONS - {"remove_payee"}


class _AccountOperations:
    """The operations the gateway may call; statements are rendered here, off the gateway. Payees
    (saved recipients) live beside the accounts they name."""

    def __init__(self, banking: Banking) -> None:
        self._accounts = banking.accounts
        self.open = self._accounts.open
        self.get = self._accounts.get
        self.of_user = self._accounts.of_user
        self.balance = self._accounts.balance
        self.change_status = self._accounts.change_status
        self.set_limits = self._accounts.set_limits
        self.lookup = self._accounts.lookup
        payees = PayeeService(banking.pool, banking.directory)
        self.payees = payees.listing
        self.add_payee = payees.add
        self.rename_payee = payees.rename
        self.remove_payee = payees.remove

    async def statement(
        self, principal: Principal, account_id: uuid.UUID, start: date, end: date, output: str
    ) -> dict[str, Any]:
        statement = await self._accounts.statement(principal, account_id, start, end)
        name = f"statement-{statement.account_number}-{start.isoformat()}-{end.isoformat()}"
        if output == "csv":
            return {"content": statement_csv(statement).encode(), "media_type": "text/csv", "filename": name + ".csv"}
        if output == "pdf":
            pdf = await asyncio.to_thread(render_statement_pdf, statement)
            return {"content": pdf, "media_type": "application/pdf", "filename": name + ".pdf"}
        return statement_json(statement)


@serve.deployment
class Accounts:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("accounts", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._operations: _AccountOperations | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> _AccountOperations:
        async with self._lock:
            if self._operations is None:
                self._operations = _AccountOperations(await connect_banking(self._settings))
            return self._operations

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

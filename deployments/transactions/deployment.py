"""The transactions service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve

from actors.banking.transactions import TransactionService
from actors.banking.wiring import connect_banking
from actors.log_masking import install_masking
from actors.settings import Settings
from deployments.calls import dispatch
from models.failures import Failure

OPERATIONS = frozenset({"move", "capture", "void", "reverse", "transfer_batch", "get", "of_account"})


@serve.deployment
class Transactions:
    def __init__(self) -> None:
        install_masking()
        self._settings = Settings()
        self._service: TransactionService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> TransactionService:
        async with self._lock:
            if self._service is None:
                self._service = (await connect_banking(self._settings)).transactions
            return self._service

    async def call(self, operation: str, arguments: dict[str, Any]) -> dict[str, Any] | Failure:
        return await dispatch(await self._ready(), OPERATIONS, operation, arguments)

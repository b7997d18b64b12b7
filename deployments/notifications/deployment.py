"""The notifications service as a Ray Serve deployment, called by the gateway through a handle."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg
from ray import serve

from actors.notifications.rendering import Renderer
from actors.settings import Settings
from actors.tracing import TraceCarrier, prepare_process
from deployments.calls import dispatch
from deployments.notifications.service import NotificationService
from models.failures import Failure

OPERATIONS: Final = frozenset({"history", "since", "preferences", "set_preferences", "templates", "send"})
# Reads only: a send delivers.
RETRY_SAFE: Final = frozenset({"history", "since", "preferences", "templates"})


@serve.deployment
class Notifications:
    def __init__(self) -> None:
        self._settings = Settings()
        prepare_process("notifications", self._settings.otlp_traces_endpoint, self._settings.trace_sample_ratio)
        self._service: NotificationService | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> NotificationService:
        async with self._lock:
            if self._service is None:
                database_url = self._settings.database_url
                pool = await asyncpg.create_pool(database_url, min_size=1, max_size=8)
                service = NotificationService(pool, Renderer())
                await service.listen(database_url)
                self._service = service
            return self._service

    async def call(
        self, operation: str, arguments: dict[str, Any], trace: TraceCarrier | None = None
    ) -> dict[str, Any] | Failure:
        return await dispatch(self._ready, OPERATIONS, operation, arguments, trace, RETRY_SAFE)

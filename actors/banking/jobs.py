"""The banking jobs actor: the scheduler, the settlement rails and the read-model projector,
polling PostgreSQL.

Both keep all their state in PostgreSQL and make every step idempotent, so Ray restarting
this actor after a crash (max_restarts=-1) resumes exactly where the database says they
were. They share one actor (one process) because each is a light polling loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import ray

from actors.banking.external import SettlementRails
from actors.banking.projector import ReadModelProjector
from actors.banking.scheduler import Scheduler
from actors.banking.wiring import connect_banking
from actors.settings import Settings
from actors.singletons import singleton_options
from actors.tracing import prepare_process

logger = logging.getLogger("bankflow.jobs")

JOBS_ACTOR_NAME: Final = "banking-jobs"
JOBS_NAMESPACE: Final = "bankflow"


@ray.remote(max_restarts=-1, max_task_retries=0)
class BankingJobs:
    def __init__(self, settings: Settings) -> None:
        prepare_process("banking-jobs", settings.otlp_traces_endpoint, settings.trace_sample_ratio, json_logs=True)
        self._settings = settings
        self._rounds = 0
        self._scheduler: Scheduler | None = None
        self._rails: SettlementRails | None = None
        self._projector: ReadModelProjector | None = None
        self._task = asyncio.get_running_loop().create_task(self._run_forever())

    async def _run_forever(self) -> None:
        banking = None
        while banking is None:
            try:
                banking = await connect_banking(self._settings, pool_size=4)
            except Exception:
                logger.exception("banking jobs cannot reach PostgreSQL yet; retrying")
                await asyncio.sleep(1.0)
        self._scheduler = Scheduler(banking.pool, banking.transactions)
        self._rails = SettlementRails(banking.pool, banking.ledger, banking.transactions)
        self._projector = ReadModelProjector(banking.pool, banking.transactions.records)
        interval_s = self._settings.jobs_poll_interval_ms / 1000
        while True:
            try:
                await self._scheduler.run_once()
                await self._rails.run_once()
                await self._projector.run_once()
            except Exception:
                logger.exception("banking jobs round failed; next round in %.1f s", interval_s)
            self._rounds += 1
            await asyncio.sleep(interval_s)

    async def stats(self) -> dict[str, Any]:
        return {
            "running": not self._task.done(),
            "rounds": self._rounds,
            "occurrences_run": 0 if self._scheduler is None else self._scheduler.occurrences_run,
            "settled": 0 if self._rails is None else self._rails.settled,
            "returned": 0 if self._rails is None else self._rails.returned,
            "projected": 0 if self._projector is None else self._projector.projected,
        }

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def ensure_jobs(settings: Settings, name: str = JOBS_ACTOR_NAME) -> Any:
    """The jobs actor (detached, so it outlives the caller), created if missing."""
    options = singleton_options(name, JOBS_NAMESPACE, settings.ledger_actor_resources)
    return BankingJobs.options(**options).remote(settings)  # type: ignore[attr-defined]

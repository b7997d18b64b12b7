"""The gateway: BankFlow's one HTTP ingress (FastAPI behind Ray Serve).

It owns the cross-cutting concerns (request ids, the error shape, health) and, as the
services land, authentication, roles and rate limits in front of their deployments.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from ray import serve

from actors.probes import ProbeResult, probe_kafka, probe_ledger, probe_postgres, probe_ray, probe_redis
from actors.settings import Settings
from deployments.errors import install_error_handling

API_TITLE = "BankFlow API"
API_VERSION = "1"

api = FastAPI(
    title=API_TITLE,
    version=API_VERSION,
    description="Digital banking on Ray: identity, customers, accounts, transactions, fraud, notifications.",
)
install_error_handling(api)


@serve.deployment
@serve.ingress(api)
class Gateway:
    def __init__(self) -> None:
        self._settings = Settings()

    @api.get("/healthz", tags=["platform"], summary="Liveness: the gateway answers")
    async def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", tags=["platform"], summary="Readiness of PostgreSQL, Kafka, Redis, Ray and the ledger shards")
    async def readyz(self) -> JSONResponse:
        settings = self._settings
        results: list[ProbeResult] = list(
            await asyncio.gather(
                probe_postgres(settings.database_url),
                probe_kafka(settings.kafka_bootstrap),
                probe_redis(settings.redis_url),
                probe_ray(),
                probe_ledger(settings.account_shards),
            )
        )
        ready = all(result.ok for result in results)
        body = {
            "status": "ok" if ready else "failing",
            "components": {result.component: result.as_json() for result in results},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

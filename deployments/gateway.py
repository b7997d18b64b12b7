"""The gateway: BankFlow's one HTTP ingress (FastAPI behind Ray Serve).

It owns the cross-cutting concerns — request ids, the error shape, health, CORS, access
tokens, roles, rate limits — and calls the service deployments through their handles; the
transactions service (the money path) runs in the gateway's replica itself, without a hop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from ray import serve
from ray.serve import context as serve_context
from ray.serve.handle import DeploymentHandle

from actors.keys import JwtKeyRing
from actors.probes import ProbeResult, probe_kafka, probe_ledger, probe_postgres, probe_ray, probe_redis
from actors.redis_client import connect_redis
from actors.settings import Settings, check_metrics_exposure
from actors.tracing import prepare_process
from deployments import (
    routes_accounts,
    routes_approvals,
    routes_auth,
    routes_compliance,
    routes_customers,
    routes_fraud,
    routes_notifications,
    routes_payees,
    routes_reports,
    routes_system,
    routes_transactions,
)
from deployments.errors import install_error_handling
from deployments.observability import RequestTelemetry, metrics_router
from deployments.security import SecurityContext
from deployments.transactions.local import LocalTransactions
from deployments.web import WebApp

API_TITLE = "BankFlow API"
API_VERSION = "1"

api = FastAPI(
    title=API_TITLE,
    version=API_VERSION,
    description="Digital banking on Ray: identity, customers, accounts, transactions, fraud, notifications.",
)
# The web app at `/` (web/dist) sits inside the request-id and error middleware added next.
api.add_middleware(WebApp)
install_error_handling(api)
api.add_middleware(RequestTelemetry)
api.include_router(routes_auth.router)
api.include_router(routes_auth.admin_router)
api.include_router(routes_customers.router)
api.include_router(routes_customers.admin_router)
api.include_router(routes_accounts.router)
api.include_router(routes_payees.router)
api.include_router(routes_transactions.router)
api.include_router(routes_fraud.router)
api.include_router(routes_notifications.router)
api.include_router(routes_compliance.router)
api.include_router(routes_reports.router)
api.include_router(routes_approvals.router)
api.include_router(routes_system.admin_router)
api.include_router(metrics_router)


def _serve_http_host() -> str:
    """The address Serve's HTTP proxies listen on, as the Serve controller has it."""
    client = serve_context._get_global_client()
    assert client is not None  # raises rather than answering None when no controller runs
    host: str | None = client.http_config.host
    return host or ""


@serve.deployment
@serve.ingress(api)
class Gateway:
    def __init__(
        self,
        identity: DeploymentHandle[Any],
        customers: DeploymentHandle[Any],
        accounts: DeploymentHandle[Any],
        fraud: DeploymentHandle[Any],
        notifications: DeploymentHandle[Any],
        compliance: DeploymentHandle[Any],
    ) -> None:
        settings = Settings()
        prepare_process("gateway", settings.otlp_traces_endpoint, settings.trace_sample_ratio)
        self._settings = settings
        # Where Serve's proxies really listen, which is not a setting of the replicas: KubeRay's
        # serve config says 0.0.0.0. Without a token, /metrics is served open on loopback only.
        check_metrics_exposure(_serve_http_host(), settings.metrics_token)
        api.state.metrics_token = settings.metrics_token
        keys = JwtKeyRing.from_pem(
            settings.jwt_private_key_pem.get_secret_value(),
            settings.jwt_key_id,
            json.loads(settings.jwt_previous_public_keys or "{}"),
        )
        api.state.identity = identity
        api.state.customers = customers
        api.state.accounts = accounts
        # The money path runs in this replica (deployments/transactions/local.py).
        api.state.transactions = LocalTransactions(settings)
        api.state.fraud = fraud
        api.state.notifications = notifications
        api.state.compliance = compliance
        api.state.security = SecurityContext(
            keys=keys,
            redis=connect_redis(settings.redis_url),
            user_limit_per_minute=settings.rate_limit_per_minute,
            ip_limit_per_minute=settings.auth_rate_limit_per_minute,
            lookup_limit_per_minute=settings.account_lookup_limit_per_minute,
        )
        if settings.cors_allowed_origins:
            api.add_middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allowed_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
                expose_headers=["X-Request-ID", "Retry-After"],
            )

    @api.get("/healthz", tags=["platform"], summary="Liveness: the gateway answers")
    async def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/.well-known/jwks.json", tags=["identity"], summary="Public keys that verify access tokens")
    async def jwks(self) -> dict[str, Any]:
        security: SecurityContext = api.state.security
        return security.keys.jwks()

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

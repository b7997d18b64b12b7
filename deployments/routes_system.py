"""/api/v1/admin/system: the key figures of the cluster's metrics for the back office's System
page (staff; `GET /metrics` itself wants the metrics token, which a browser does not hold)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from actors.metrics_figures import KeyFigures, key_figures
from actors.metrics_scrape import ScrapeError, scrape_cluster
from deployments.errors import ApiError
from deployments.schemas import ERROR_RESPONSES, ErrorBody, Timestamp
from deployments.security import CurrentPrincipal, require_role
from models.identity import Role

logger = logging.getLogger("bankflow.metrics")

admin_router = APIRouter(prefix="/api/v1/admin/system", tags=["admin"], responses=ERROR_RESPONSES)


class CommitLatency(BaseModel):
    count: int | None = Field(description="batches journaled since the shards started (null: not exported yet)")
    mean: float | None = Field(description="milliseconds (null: no batch yet)")
    p50: float | None = Field(description="milliseconds, interpolated in the histogram's bucket")
    p99: float | None = Field(description="milliseconds, interpolated in the histogram's bucket")


class ApiRequests(BaseModel):
    requests: int | None = Field(description="requests the gateway answered since its replicas started")
    errors_5xx: int | None = Field(description="of which answered with a 5xx status")
    error_rate: float | None = Field(description="errors_5xx / requests, 0 to 1 (null: no request yet)")


class SystemFigures(BaseModel):
    outbox_lag_s: float | None = Field(
        description="age of the oldest event not yet published to Kafka, seconds (null: not exported yet)"
    )
    commit_latency_ms: CommitLatency
    api: ApiRequests
    scraped_at: Timestamp


@admin_router.get(
    "/figures",
    response_model=SystemFigures,
    responses={502: {"model": ErrorBody, "description": "The cluster's metrics could not be read"}},
    summary="Support/admin: outbox lag, journal commit latency and API error rate from the cluster's metrics",
)
async def figures(principal: CurrentPrincipal) -> SystemFigures:
    require_role(principal, Role.SUPPORT, Role.ADMIN)
    try:
        exposition = await scrape_cluster()
        scraped_at = datetime.now(UTC)
        # Parsing a few MB of exposition takes CPU: off the event loop, as the scrape's merge is.
        figures: KeyFigures = await asyncio.to_thread(key_figures, exposition)
    except ScrapeError as error:
        raise ApiError(503, "unavailable", str(error), {"Retry-After": "5"}) from None
    except ValueError:
        logger.exception("the cluster's metrics could not be read")
        raise ApiError(502, "bad_gateway", "the cluster's metrics could not be read") from None
    return SystemFigures(
        outbox_lag_s=figures["outbox_lag_s"],
        commit_latency_ms=CommitLatency(**figures["commit_latency_ms"]),
        api=ApiRequests(**figures["api"]),
        scraped_at=scraped_at.isoformat(),
    )

"""The gateway's view of every request (the root span of its trace; its route, status and
latency as metrics) and the cluster's metrics for Prometheus at `GET /metrics`."""

from __future__ import annotations

import hmac
import logging
import time
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actors.metrics import api_metrics
from actors.metrics_scrape import CONTENT_TYPE, ScrapeError, scrape_cluster
from actors.tracing import tracer
from deployments.errors import ApiError
from deployments.security import bearer_token

logger = logging.getLogger("bankflow.metrics")

# A path no route matched is counted under one label: scanners must not mint a series per path.
UNMATCHED_ROUTE: Final = "unmatched"


def route_template(scope: Scope) -> str:
    """The matched route's template (`/v1/accounts/{account_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestTelemetry:
    """Each request's span (the root of its trace) and its metrics. Pure ASGI, no response
    buffering: a streamed response is measured to its end.

    A client's `traceparent` is not continued: at the bank's edge, outsiders do not get to choose
    which requests are sampled. Every trace starts here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._metrics = api_metrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering
        method = str(scope.get("method", ""))

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with tracer().start_as_current_span(
            f"HTTP {method}", context=otel_context.Context(), kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, send_noting_status)
            finally:
                route = route_template(scope)
                if span.is_recording():
                    span.update_name(f"{method} {route}")
                    span.set_attributes(
                        {"http.request.method": method, "http.route": route, "http.response.status_code": status}
                    )
                    if status >= 500:
                        span.set_status(StatusCode.ERROR)
                self._metrics.requests.inc(tags={"route": route, "method": method, "status": str(status)})
                latency_ms = (time.perf_counter() - began) * 1000
                self._metrics.request_latency_ms.observe(latency_ms, tags={"route": route, "method": method})


metrics_router = APIRouter(tags=["platform"])


def _require_metrics_token(request: Request) -> None:
    token: SecretStr = request.app.state.metrics_token
    expected = token.get_secret_value()
    if not expected:
        return  # open: the gateway starts without a token only when Serve listens on loopback
    if not hmac.compare_digest(bearer_token(request).encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "the metrics token is required", {"WWW-Authenticate": "Bearer"})


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics of the whole Ray cluster (bearer token when BANKFLOW_METRICS_TOKEN is set)",
    response_class=Response,
)
async def metrics(request: Request) -> Response:
    _require_metrics_token(request)
    try:
        exposition = await scrape_cluster()
    except ScrapeError as error:
        raise ApiError(503, "unavailable", str(error), {"Retry-After": "5"}) from None
    except ValueError:
        logger.exception("the nodes' metrics could not be merged")
        raise ApiError(502, "bad_gateway", "the nodes' metrics could not be merged") from None
    return Response(exposition, media_type=CONTENT_TYPE)

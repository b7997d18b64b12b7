"""How the gateway calls a service deployment, and how a service answers: refusals travel
back as `Failure` values (not exceptions), and become the API's error shape at the gateway."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.tracing import TraceCarrier, continued_span, current_carrier
from deployments.errors import ApiError
from models.failures import Failure, ServiceFailure


@cache
def _deployment_name() -> str:
    return serve.get_replica_context().deployment


async def dispatch(
    service: object,
    allowed: Collection[str],
    operation: str,
    arguments: dict[str, Any],
    trace: TraceCarrier | None = None,
) -> dict[str, Any] | Failure:
    """On the service's side: run one allowed operation (in the caller's trace, when it is
    recorded); a ServiceFailure becomes a value."""
    if operation not in allowed:
        return Failure(404, "not_found", f"no operation {operation}")
    with continued_span(f"{_deployment_name()}.{operation}", trace) as span:
        try:
            result: dict[str, Any] = await getattr(service, operation)(**arguments)
        except ServiceFailure as refusal:
            if span is not None:
                span.set_attribute("bankflow.refusal", refusal.failure.code)
            return refusal.failure
        return result


async def call_service(handle: DeploymentHandle[Any], operation: str, **arguments: Any) -> dict[str, Any]:
    """On the gateway's side: the operation's result, or the ApiError of its refusal."""
    result: dict[str, Any] | Failure = await handle.call.remote(operation, arguments, current_carrier())
    if isinstance(result, Failure):
        headers = {"Retry-After": str(result.retry_after_s)} if result.retry_after_s else None
        raise ApiError(result.status, result.code, result.message, headers)
    return result

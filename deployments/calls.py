"""How the gateway calls a service deployment, and how a service answers: refusals travel
back as `Failure` values (not exceptions), and become the API's error shape at the gateway."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ray.serve.handle import DeploymentHandle

from deployments.errors import ApiError
from models.failures import Failure, ServiceFailure


async def dispatch(
    service: object, allowed: Collection[str], operation: str, arguments: dict[str, Any]
) -> dict[str, Any] | Failure:
    """On the service's side: run one allowed operation; a ServiceFailure becomes a value."""
    if operation not in allowed:
        return Failure(404, "not_found", f"no operation {operation}")
    try:
        result: dict[str, Any] = await getattr(service, operation)(**arguments)
    except ServiceFailure as refusal:
        return refusal.failure
    return result


async def call_service(handle: DeploymentHandle[Any], operation: str, **arguments: Any) -> dict[str, Any]:
    """On the gateway's side: the operation's result, or the ApiError of its refusal."""
    result: dict[str, Any] | Failure = await handle.call.remote(operation, arguments)
    if isinstance(result, Failure):
        headers = {"Retry-After": str(result.retry_after_s)} if result.retry_after_s else None
        raise ApiError(result.status, result.code, result.message, headers)
    return result

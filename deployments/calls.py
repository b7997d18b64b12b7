"""How the gateway calls a service deployment, and how a service answers: refusals travel
back as `Failure` values (not exceptions), and become the API's error shape at the gateway."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from functools import cache
from typing import Any, Final

from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.tracing import TraceCarrier, continued_span, current_carrier
from actors.transient import is_transient
from deployments.errors import TEMPORARILY_UNAVAILABLE, ApiError
from models.failures import Failure, ServiceFailure

logger = logging.getLogger("bankflow.calls")
MAX_TRANSIENT_ATTEMPTS: Final = 3
# Between attempts: long enough for a pool to replace a cut connection or a shard to restart
# its call, short enough that the caller still waits less than its own timeout.
TRANSIENT_BACKOFF_MS: Final = (100, 400)


@cache
def _deployment_name() -> str:
    return serve.get_replica_context().deployment


async def dispatch(
    ready: Callable[[], Awaitable[object]],
    allowed: Collection[str],
    operation: str,
    arguments: dict[str, Any],
    trace: TraceCarrier | None = None,
    retry_safe: Collection[str] = frozenset(),
) -> dict[str, Any] | Failure:
    """On the service's side: run one allowed operation on the service `ready` gives, as
    `guarded` runs it (the span named `<the deployment>.<operation>`)."""
    if operation not in allowed:
        return Failure(404, "not_found", f"no operation {operation}")

    async def attempt() -> dict[str, Any]:
        service = await ready()
        result: dict[str, Any] = await getattr(service, operation)(**arguments)
        return result

    return await guarded(f"{_deployment_name()}.{operation}", attempt, trace, operation in retry_safe)


async def guarded(
    span_name: str,
    attempt: Callable[[], Awaitable[dict[str, Any]]],
    trace: TraceCarrier | None,
    retry_safe: bool,
) -> dict[str, Any] | Failure:
    """One service operation (in the caller's trace, when it is recorded, as the span
    `span_name`); a ServiceFailure becomes a value.

    A transient fault of the infrastructure is tried again, up to MAX_TRANSIENT_ATTEMPTS in
    all, when the operation is `retry_safe` (it carries its own ids, so another attempt
    resumes the first and never repeats its effect); otherwise, or when the attempts run out,
    it is answered 503 `temporarily_unavailable`. Anything else is a bug and is raised."""
    attempts = MAX_TRANSIENT_ATTEMPTS if retry_safe else 1
    with continued_span(span_name, trace) as span:
        for attempt_number in range(attempts):
            try:
                return await attempt()
            except ServiceFailure as refusal:
                if span is not None:
                    span.set_attribute("bankflow.refusal", refusal.failure.code)
                return refusal.failure
            except Exception as error:
                if not is_transient(error):
                    raise
                logger.warning(
                    "%s: transient fault on attempt %d of %d: %r", span_name, attempt_number + 1, attempts, error
                )
                if attempt_number + 1 < attempts:
                    await asyncio.sleep(TRANSIENT_BACKOFF_MS[attempt_number] / 1000)
    if span is not None:
        span.set_attribute("bankflow.refusal", TEMPORARILY_UNAVAILABLE.code)
    return TEMPORARILY_UNAVAILABLE


async def call_service(handle: DeploymentHandle[Any], operation: str, **arguments: Any) -> dict[str, Any]:
    """On the gateway's side: the operation's result, or the ApiError of its refusal. A
    transient fault on the way (the replica restarting, the deployment shedding load) is 503."""
    try:
        result: dict[str, Any] | Failure = await handle.call.remote(operation, arguments, current_carrier())
    except Exception as error:
        if not is_transient(error):
            raise
        logger.warning("%s: transient fault calling the service: %r", operation, error)
        result = TEMPORARILY_UNAVAILABLE
    return answer_of(result)


def answer_of(result: dict[str, Any] | Failure) -> dict[str, Any]:
    """A service's answer as the gateway gives it: the result, or the ApiError of its refusal."""
    if isinstance(result, Failure):
        headers = {"Retry-After": str(result.retry_after_s)} if result.retry_after_s else None
        raise ApiError(result.status, result.code, result.message, headers)
    return result

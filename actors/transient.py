"""Which failures are transient faults of the infrastructure (a database connection lost, a
shard restarting, the broker or Redis down) rather than bugs.

A transient fault is retried where that is safe and otherwise answered 503 with Retry-After;
anything else is a bug and stays one (500), so that a client can tell the two apart.
"""

from __future__ import annotations

from typing import Final

import asyncpg
import ray
import redis.exceptions
from aiokafka.errors import KafkaError
from ray import serve

from actors.ledger.shard import LedgerUnavailableError, ShardOverloadedError

_TRANSIENT_TYPES: Final[tuple[type[BaseException], ...]] = (
    # PostgreSQL: the connection lost or refused, the server restarting, a conflict worth retrying.
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    # Sockets and deadlines: a peer that went away or did not answer in time.
    ConnectionError,
    TimeoutError,
    # Ray: an actor or replica restarting, a node lost, a deployment refusing load for a moment.
    ray.exceptions.RayActorError,
    ray.exceptions.GetTimeoutError,
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.NodeDiedError,
    ray.exceptions.OwnerDiedError,
    ray.exceptions.ObjectLostError,
    serve.exceptions.BackPressureError,
    serve.exceptions.DeploymentUnavailableError,
    serve.exceptions.ReplicaUnavailableError,
    # The ledger's own: a shard stopping, restarting or full.
    LedgerUnavailableError,
    ShardOverloadedError,
    # Redis down or slow.
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# asyncpg reports some effects of a connection cut under a client-side error class: these
# messages, and only these, are the cut (the same classes also report programming errors).
_CUT_CONNECTION_MESSAGES: Final = ("connection is closed", "cannot switch to state", "pool is closing")
MAX_CAUSE_DEPTH: Final = 8


def is_transient(error: BaseException) -> bool:
    """True when `error`, or what it wraps (a Ray task error's cause, the error it was raised
    from), is a transient fault of the infrastructure."""
    seen: BaseException | None = error
    for _ in range(MAX_CAUSE_DEPTH):
        if seen is None:
            return False
        if _is_transient_itself(seen):
            return True
        # Only what an error was raised `from` on purpose: an error met while handling another is not it.
        seen = seen.cause if isinstance(seen, ray.exceptions.RayTaskError) else seen.__cause__
    return False


def _is_transient_itself(error: BaseException) -> bool:
    if isinstance(error, _TRANSIENT_TYPES):
        return True
    if isinstance(error, KafkaError):
        return bool(error.retriable)
    if isinstance(error, asyncpg.InterfaceError | asyncpg.InternalClientError):
        return any(message in str(error) for message in _CUT_CONNECTION_MESSAGES)
    return False

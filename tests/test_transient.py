"""Transient faults are told from bugs: a retry-safe operation is tried again, a transient fault
that outlasts the attempts (or hits an operation that is not retry-safe) is 503
`temporarily_unavailable` with Retry-After, and anything else stays an error (a 500)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
import ray
import redis.exceptions
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from actors.ledger.shard import LedgerUnavailableError
from actors.transient import is_transient
from deployments import calls
from deployments.errors import TEMPORARILY_UNAVAILABLE
from models.failures import Failure, ServiceFailure


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        LedgerUnavailableError("shard 1 did not answer"),
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        KafkaConnectionError("no broker"),
        ray.exceptions.ActorUnavailableError("restarting", None),
    ],
)
def test_infrastructure_faults_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        KeyError("a bug"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        TopicAuthorizationFailedError(),  # a configuration fault: retrying does not fix it
    ],
)
def test_bugs_and_lasting_faults_are_not(error: BaseException) -> None:
    assert not is_transient(error)


def test_an_error_raised_from_a_fault_is_transient_and_one_met_while_handling_it_is_not() -> None:
    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError as cut:
            raise RuntimeError("the call failed") from cut
    except RuntimeError as wrapped:
        assert is_transient(wrapped)
    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError:
            raise RuntimeError("a bug in the handler") from None
    except RuntimeError as bug:
        assert not is_transient(bug)


class _Service:
    def __init__(self, faults: list[BaseException]) -> None:
        self.faults = faults
        self.calls = 0

    async def work(self, value: int) -> dict[str, Any]:
        self.calls += 1
        if self.faults:
            raise self.faults.pop(0)
        return {"value": value}

    async def refuse(self) -> dict[str, Any]:
        raise ServiceFailure(409, "conflict", "no")


async def _dispatch(service: _Service, operation: str, retry_safe: frozenset[str]) -> dict[str, Any] | Failure:
    async def ready() -> _Service:
        return service

    arguments = {"value": 7} if operation == "work" else {}
    return await calls.dispatch(ready, {"work", "refuse"}, operation, arguments, None, retry_safe)


@pytest.fixture(autouse=True)
def _outside_a_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls, "_deployment_name", lambda: "test")
    monkeypatch.setattr(calls, "TRANSIENT_BACKOFF_MS", (1, 1))


async def test_a_retry_safe_operation_is_tried_again_through_a_fault() -> None:
    service = _Service([ConnectionResetError("reset"), asyncpg.exceptions.AdminShutdownError("terminating")])
    assert await _dispatch(service, "work", frozenset({"work"})) == {"value": 7}
    assert service.calls == 3


async def test_a_fault_that_outlasts_the_attempts_is_503_with_retry_after() -> None:
    service = _Service([ConnectionResetError("reset")] * calls.MAX_TRANSIENT_ATTEMPTS)
    answer = await _dispatch(service, "work", frozenset({"work"}))
    assert answer == TEMPORARILY_UNAVAILABLE and answer.status == 503 and (answer.retry_after_s or 0) > 0
    assert service.calls == calls.MAX_TRANSIENT_ATTEMPTS


async def test_an_operation_that_is_not_retry_safe_is_tried_once() -> None:
    service = _Service([ConnectionResetError("reset")])
    assert await _dispatch(service, "work", frozenset()) == TEMPORARILY_UNAVAILABLE
    assert service.calls == 1


async def test_a_bug_is_raised_and_a_refusal_answered_as_they_are() -> None:
    with pytest.raises(KeyError):
        await _dispatch(_Service([KeyError("bug")]), "work", frozenset({"work"}))
    assert await _dispatch(_Service([]), "refuse", frozenset({"refuse"})) == Failure(409, "conflict", "no")


async def test_a_service_that_cannot_start_for_a_fault_is_503() -> None:
    async def ready() -> _Service:
        raise ConnectionRefusedError(111, "Connection refused")

    assert await calls.dispatch(ready, {"work"}, "work", {"value": 1}) == TEMPORARILY_UNAVAILABLE

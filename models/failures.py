"""A service's refusal, as a value that crosses process boundaries (Serve handles) intact."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    status: int  # the HTTP status the gateway answers with
    code: str  # stable, machine-readable
    message: str  # for people; never holds a secret
    retry_after_s: int | None = None


class ServiceFailure(Exception):  # noqa: N818 -- it is raised, but it is what the service answers
    """Raised inside a service; its deployment returns `failure` to the caller."""

    def __init__(self, status: int, code: str, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.failure = Failure(status, code, message, retry_after_s)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        failure = self.failure
        return ServiceFailure, (failure.status, failure.code, failure.message, failure.retry_after_s)

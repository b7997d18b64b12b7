"""The one error shape of the API: {"error": {"code", "message", "request_id"}}.

Every failure, including validation errors and unexpected exceptions, leaves as this JSON
with a stable `code`; no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from actors.transient import is_transient
from models.failures import Failure

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ATTRIBUTE = "bankflow.request_id"  # on the request's span: from a request id to its trace
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("bankflow.gateway")

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


# A transient fault of the infrastructure, answered so that a client retries (with the same
# Idempotency-Key) rather than reports a bug.
TEMPORARILY_UNAVAILABLE: Final = Failure(
    503,
    "temporarily_unavailable",
    "a service BankFlow depends on is briefly unavailable; retry shortly (with the same Idempotency-Key)",
    retry_after_s=1,
)


class ApiError(Exception):
    """An error a handler raises on purpose, with its status and stable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "")) or "unknown"


def error_response(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    request_id = request_id_of(request)
    body = {"error": {"code": code, "message": message, "request_id": request_id}}
    return JSONResponse(body, status_code=status, headers=headers)


def _describe_validation(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        parts.append(f"{location}: {item.get('msg', 'invalid')}" if location else str(item.get("msg")))
    return "; ".join(parts) or "invalid request"


async def _on_api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(request, error.status, error.code, error.message, error.headers)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(error.status_code, "error")
    message = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    return error_response(request, error.status_code, code, message, dict(error.headers or {}))


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return error_response(request, 422, "validation_error", _describe_validation(error))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    if is_transient(error):  # e.g. the gateway's own Redis or a handle call outside call_service
        logger.warning("transient fault: %r", error, extra={"request_id": request_id_of(request)})
        failure = TEMPORARILY_UNAVAILABLE
        headers = {"Retry-After": str(failure.retry_after_s)}
        return error_response(request, failure.status, failure.code, failure.message, headers)
    logger.exception("unhandled error", extra={"request_id": request_id_of(request)})
    return error_response(request, 500, "internal_error", "an internal error occurred")


async def _assign_request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    request.state.request_id = offered if _CLIENT_REQUEST_ID.match(offered) else str(uuid.uuid4())
    trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request.state.request_id)
    if "\x00" in request.url.path or "%00" in str(request.url.query):
        # A NUL byte can be stored nowhere; refuse it before any handler sees it.
        return _stamped(request, error_response(request, 422, "validation_error", "NUL characters are not allowed"))
    try:
        response = await call_next(request)
    except Exception as error:  # noqa: BLE001 -- the last line of defence keeps the error shape
        response = await _on_unexpected(request, error)
    return _stamped(request, response)


def _stamped(request: Request, response: Response) -> Response:
    if not _proxy_echoes_request_id():
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
    return response


def _proxy_echoes_request_id() -> bool:
    """Behind Ray Serve's proxy, which already adds X-Request-ID to every response."""
    from ray.serve.context import _get_serve_request_context  # noqa: PLC0415 -- private, pinned Ray

    return bool(_get_serve_request_context().request_id)


def install_error_handling(app: FastAPI) -> None:
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        ApiError: _on_api_error,
        StarletteHTTPException: _on_http_error,
        RequestValidationError: _on_validation_error,
        Exception: _on_unexpected,
    }
    for exception_type, handler in handlers.items():
        app.add_exception_handler(exception_type, handler)
    app.middleware("http")(_assign_request_id)

"""What every request and error body shares: strings a database can store, and the error shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from deployments.errors import ApiError
from models.money import MoneyError, is_known_currency, parse_amount


def storable(value: Any) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogate (not encodable as UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True


class RequestBody(BaseModel):
    """Base of every JSON request body: unknown fields refused, every string storable."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _strings_are_storable(cls, data: Any) -> Any:
        if not storable(data):
            raise ValueError("text must not contain NUL characters or unpaired surrogates")
        return data


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict"),
        (413, "Too large"),
        (415, "Unsupported media type"),
        (422, "Invalid input"),
        (429, "Too many requests"),
        (503, "Unavailable"),
    )
}


def amount_minor(field: str, amount: str, currency: str) -> int:
    """A decimal-string amount in `currency` as minor units, or a 422 naming the field at fault."""
    if not is_known_currency(currency):
        raise ApiError(422, "validation_error", f"currency: {currency!r} is not an ISO 4217 currency code")
    try:
        return parse_amount(amount, currency)
    except MoneyError as error:
        raise ApiError(422, "validation_error", f"{field}: {error}") from None

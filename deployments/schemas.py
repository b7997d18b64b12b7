"""What every request and error body shares: strings a database can store, the error shape,
and the field types the API declares (what an amount, a phone number, a password… looks like)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from deployments.errors import ApiError
from models.external import ACCOUNT_NUMBER_PATTERN, ROUTING_NUMBER_PATTERN
from models.identity import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PHONE_PATTERN
from models.ledger.numbers import NUMBER_LENGTH, NUMBER_PATTERN, number_problem
from models.money import (
    AMOUNT_PATTERN,
    CURRENCY_PATTERN,
    FORMATTED_AMOUNT_PATTERN,
    MoneyError,
    is_known_currency,
    parse_amount,
)
from models.notifications import PHONE_E164_PATTERN

# The patterns are declared for clients and fuzzers (json_schema_extra), not checked by pydantic:
# the domain's validators stay the judges (phone and bank numbers with these very regexes, money
# with parse_amount and the currency list) and say in words what is wrong, which a regex quoted in
# an error message does not. Every value matching a pattern passes its validator's shape check
# (tests/test_openapi_fields.py).
Amount = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        examples=["12.34"],
        description="a positive decimal string with at most as many decimals as the currency has "
        "(2 for USD, 0 for JPY, 3 for KWD)",
        json_schema_extra={"pattern": AMOUNT_PATTERN},
    ),
]
Currency = Annotated[
    str,
    Field(
        min_length=3,
        max_length=3,
        examples=["USD"],
        description="an ISO 4217 currency code",
        json_schema_extra={"pattern": CURRENCY_PATTERN},
    ),
]
Phone = Annotated[
    str,
    Field(
        max_length=16,
        examples=["+14155550123"],
        description="E.164: +, country code and number, 7 to 15 digits",
        json_schema_extra={"pattern": PHONE_PATTERN},
    ),
]
SmsNumber = Annotated[
    str,
    Field(
        min_length=9,
        max_length=16,
        examples=["+14155550123"],
        description="E.164: +, country code and number, 8 to 15 digits",
        json_schema_extra={"pattern": PHONE_E164_PATTERN},
    ),
]
Email = Annotated[str, Field(max_length=254, examples=["ada@example.com"], json_schema_extra={"format": "email"})]
Password = Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH, json_schema_extra={"format": "password"})]
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"at least {MIN_PASSWORD_LENGTH} characters mixing three of: lower-case letters, "
        "upper-case letters, digits, symbols; not a common password, not containing the email",
        json_schema_extra={"format": "password"},
    ),
]
RoutingNumber = Annotated[
    str,
    Field(
        min_length=9,
        max_length=9,
        examples=["021000021"],
        description="an ABA routing number: nine digits whose check digit the server verifies (3-7-1 weights)",
        json_schema_extra={"pattern": ROUTING_NUMBER_PATTERN},
    ),
]
BankAccountNumber = Annotated[
    str,
    Field(
        min_length=4,
        max_length=17,
        examples=["12345678"],
        description="an account number at another bank: 4 to 17 digits",
        json_schema_extra={"pattern": ACCOUNT_NUMBER_PATTERN},
    ),
]
AccountNumber = Annotated[
    str,
    Field(
        min_length=NUMBER_LENGTH,
        max_length=NUMBER_LENGTH,
        examples=["00100000004264"],
        description=f"a BankFlow account number: {NUMBER_LENGTH} digits, the last two ISO 7064 MOD 97-10 "
        "check digits the server verifies",
        json_schema_extra={"pattern": NUMBER_PATTERN},
    ),
]
# In responses.
Id = Annotated[str, Field(json_schema_extra={"format": "uuid"})]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
Money = Annotated[
    str,
    Field(examples=["-12.34"], description="a decimal string", json_schema_extra={"pattern": FORMATTED_AMOUNT_PATTERN}),
]


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


def checked_account_number(field: str, number: str) -> str:
    """A BankFlow account number as sent, or a 422 naming the field when it cannot be one."""
    if problem := number_problem(number):
        raise ApiError(422, "validation_error", f"{field}: {problem}")
    return number


def checked_time_zones(*moments: tuple[str, datetime | None]) -> None:
    """Each (field, time) given carries a zone: a time without one is ambiguous, a 422 naming it."""
    for field, value in moments:
        if value is not None and value.tzinfo is None:
            raise ApiError(422, "validation_error", f"{field}: needs a time zone offset, e.g. 2026-12-01T00:00:00Z")

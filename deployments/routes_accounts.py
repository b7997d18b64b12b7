"""/api/v1/accounts: open, read, balance, statements, freeze/unfreeze, close, limits (API.md)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.errors import ApiError
from deployments.routes_approvals import WAITING_FOR_A_CHECKER, asked_or
from deployments.schemas import (
    ERROR_RESPONSES,
    AccountNumber,
    Currency,
    Day,
    Id,
    Money,
    RequestBody,
    Timestamp,
    amount_minor,
    checked_account_number,
)
from deployments.security import CurrentPrincipal, Origin, audit_origin, limit_lookups
from models.freezes import MAX_FREEZE_NOTE_CHARS, FreezeReason
from models.identity import Principal
from models.money import AMOUNT_PATTERN
from models.transactions import MAX_IDEMPOTENCY_KEY_CHARS, transaction_id_for

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"], responses=ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY_CHARS)
]


# A limit of zero stops all outgoing money; any other limit is an amount.
_NO_OUTGOING = ("0", "0.0", "0.00")
_LIMIT_PATTERN = "|".join([*(f"^{re.escape(zero)}$" for zero in _NO_OUTGOING), AMOUNT_PATTERN])


class AccountOpen(RequestBody):
    account_type: Literal["CHECKING", "SAVINGS"]
    currency: Currency
    customer_id: uuid.UUID | None = Field(default=None, description="admin only: open for this customer")


# The pattern sits on the string itself, so that an optional field's string branch declares it.
LimitAmount = Annotated[str, Field(min_length=1, max_length=32, json_schema_extra={"pattern": _LIMIT_PATTERN})]


class AccountLimits(RequestBody):
    """Either limit or both; a field left out keeps its value."""

    daily_outgoing_limit: LimitAmount | None = Field(
        default=None,
        examples=["2500.00"],
        description="an amount in the account's currency, or 0 to stop outgoing money",
    )
    overdraft_limit: LimitAmount | None = Field(
        default=None,
        examples=["500.00"],
        description=(
            "how far below zero the account may go, in its currency; 0 ends the line. It cannot be "
            "lowered below what the account owes now (409 overdraft_in_use)"
        ),
    )


class Account(BaseModel):
    account_id: Id
    number: str
    customer_id: Id | None
    account_type: str
    currency: Currency
    status: str | None
    balance: Money
    available_balance: Money
    held: Money
    overdraft_limit: Money
    daily_outgoing_limit: Money
    opened_at: Timestamp


class AccountList(BaseModel):
    items: list[Account]


class AccountLookup(BaseModel):
    number: AccountNumber
    holder_name: str = Field(examples=["Jane D."], description="the holder's first name and last initial")
    currency: Currency


class Balance(BaseModel):
    account_id: Id
    currency: Currency
    balance: Money
    available_balance: Money
    held: Money
    status: str
    version: int


class StatementEntry(BaseModel):
    posted_at: Timestamp
    transaction_id: Id | None
    kind: str
    description: str
    amount: Money
    running_balance: Money


class Statement(BaseModel):
    account_id: Id
    account_number: str
    account_type: str
    currency: Currency
    holder: str
    from_: Day = Field(alias="from")
    to: Day
    opening_balance: Money
    money_in: Money
    money_out: Money
    closing_balance: Money
    entries: list[StatementEntry]


async def _accounts(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.accounts, operation, **arguments)


@router.post("", status_code=201, response_model=Account, summary="Open a CHECKING or SAVINGS account (KYC approved)")
async def open_account(
    body: AccountOpen, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    amount_minor("currency", "1", body.currency)  # the currency is a known ISO 4217 code
    return await _accounts(
        request,
        "open",
        principal=principal,
        account_type=body.account_type,
        currency=body.currency,
        command_id=transaction_id_for(principal.user_id, idempotency_key),
        customer_id=body.customer_id,
    )


@router.get("/user/{user_id}", response_model=AccountList, summary="A user's accounts (own, or support/admin)")
async def of_user(user_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _accounts(request, "of_user", principal=principal, user_id=user_id)


@router.get(
    "/lookup",
    response_model=AccountLookup,
    summary="Whom an account number pays: the holder's first name and last initial, and the currency",
    description="For confirming a payee before paying it. Only an account able to receive money is found "
    "(an unknown, closed or frozen number, or one of the bank's own accounts, is 404 `account_not_found`). "
    "Limited per user to `BANKFLOW_ACCOUNT_LOOKUP_LIMIT_PER_MINUTE` (429 `rate_limited` with Retry-After).",
)
async def lookup(
    request: Request, principal: CurrentPrincipal, number: Annotated[AccountNumber, Query()]
) -> dict[str, Any]:
    checked_account_number("number", number)
    await limit_lookups(request, principal)
    return await _accounts(request, "lookup", principal=principal, number=number)


@router.get("/{account_id}", response_model=Account, summary="An account: number, type, balances, status")
async def get_account(account_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _accounts(request, "get", principal=principal, account_id=account_id)


@router.get("/{account_id}/balance", response_model=Balance, summary="Balance and available balance, from its actor")
async def balance(account_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _accounts(request, "balance", principal=principal, account_id=account_id)


@router.get(
    "/{account_id}/statement",
    response_model=Statement,
    summary="Entries with running balance for a date range (json, csv or pdf)",
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
async def statement(
    account_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    from_: Annotated[
        date | None, Query(alias="from", description="first day (UTC); default: the 1st of this month")
    ] = None,
    to: Annotated[date | None, Query(description="last day, inclusive (UTC); default: today")] = None,
    format: Literal["json", "csv", "pdf"] = "json",
) -> Any:
    today = datetime.now(UTC).date()
    end = to or today
    start = from_ or end.replace(day=1)
    result = await _accounts(
        request, "statement", principal=principal, account_id=account_id, start=start, end=end, output=format
    )
    if format == "json":
        return result
    return Response(
        content=result["content"],
        media_type=result["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'},
    )


class FreezeRequest(RequestBody):
    reason: FreezeReason = Field(
        default=FreezeReason.OTHER,
        description="why: a freeze for `fraud` is lifted only with a second admin's approval (four eyes)",
    )
    note: str | None = Field(default=None, max_length=MAX_FREEZE_NOTE_CHARS, description="kept in the audit trail")


async def _change_status(
    request: Request,
    principal: Principal,
    account_id: uuid.UUID,
    action: str,
    idempotency_key: str | None,
    **freeze: str | None,
) -> Any:
    command_id = transaction_id_for(principal.user_id, idempotency_key)
    answer = await _accounts(
        request,
        "change_status",
        principal=principal,
        account_id=account_id,
        action=action,
        command_id=command_id,
        origin=audit_origin(request),
        **freeze,
    )
    return asked_or(answer)


@router.post("/{account_id}/freeze", response_model=Account, summary="Support/admin: freeze an account, saying why")
async def freeze(
    account_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
    body: FreezeRequest | None = None,
) -> Any:
    why = body or FreezeRequest()
    return await _change_status(
        request, principal, account_id, "freeze", idempotency_key, freeze_reason=why.reason.value, note=why.note
    )


@router.post(
    "/{account_id}/unfreeze",
    response_model=Account,
    summary="Support/admin: unfreeze an account, or ask a second admin to",
    description="200 with the account, at once. An account frozen for `fraud` under four eyes (the approval policy "
    "of `account.unfreeze`, on by default) answers 202 with the approval request: it is unfrozen when an admin "
    "other than the maker approves it.",
    responses=WAITING_FOR_A_CHECKER,
)
async def unfreeze(
    account_id: uuid.UUID, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> Any:
    return await _change_status(request, principal, account_id, "unfreeze", idempotency_key)


@router.delete(
    "/{account_id}",
    response_model=Account,
    summary="Close an account (its balance must be zero), or ask a second admin to",
    description="The owner closes their own account at once: 200 with it. An admin closing a customer's account "
    "under four eyes (the approval policy of `account.close`, on by default) gets 202 with the approval request: "
    "the account closes when another admin approves it. A balance or hold that is not zero is refused either way "
    "(409 `balance_not_zero`).",
    responses=WAITING_FOR_A_CHECKER,
)
async def close(
    account_id: uuid.UUID, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> Any:
    return await _change_status(request, principal, account_id, "close", idempotency_key)


def _limit_minor(field: str, text: str | None, currency: str) -> int | None:
    if text is None:
        return None
    return 0 if text.strip() in _NO_OUTGOING else amount_minor(field, text, currency)


@router.put(
    "/{account_id}/limits",
    response_model=Account,
    summary="Admin: set the daily outgoing limit and the overdraft line (or ask a second admin to)",
    description="200 with the account when no second person is needed. Under four eyes (the approval policy of "
    "`account.limits.change`: by default, an amount above 100,000 units of the account's currency) 202 with the "
    "approval request: the limits are set when another admin approves it.",
    responses=WAITING_FOR_A_CHECKER,
)
async def set_limits(
    account_id: uuid.UUID, body: AccountLimits, request: Request, principal: CurrentPrincipal, origin: Origin
) -> Any:
    if body.daily_outgoing_limit is None and body.overdraft_limit is None:
        raise ApiError(422, "validation_error", "limits: give daily_outgoing_limit, overdraft_limit or both")
    account = await _accounts(request, "get", principal=principal, account_id=account_id)
    currency = account["currency"]
    answer = await _accounts(
        request,
        "set_limits",
        principal=principal,
        account_id=account_id,
        daily_limit_minor=_limit_minor("daily_outgoing_limit", body.daily_outgoing_limit, currency),
        overdraft_limit_minor=_limit_minor("overdraft_limit", body.overdraft_limit, currency),
        origin=origin,
    )
    return asked_or(answer)

"""/api/v1/payees: the caller's saved recipients, by account number (served by the accounts service)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.schemas import (
    ERROR_RESPONSES,
    AccountNumber,
    Currency,
    Id,
    RequestBody,
    Timestamp,
    checked_account_number,
)
from deployments.security import CurrentPrincipal, limit_lookups
from models.paging import DEFAULT_LIMIT, MAX_LIMIT
from models.payees import MAX_NICKNAME_CHARS, MAX_PAYEES_PER_CUSTOMER
from models.transactions import MAX_IDEMPOTENCY_KEY_CHARS, transaction_id_for

router = APIRouter(prefix="/api/v1/payees", tags=["payees"], responses=ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_IDEMPOTENCY_KEY_CHARS,
        description="the same key again returns the first result; with another body it is a 409",
    ),
]
Nickname = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NICKNAME_CHARS, examples=["Mum"], description="the caller's name for the payee"),
]


class PayeeCreate(RequestBody):
    nickname: Nickname
    account_number: AccountNumber


class PayeeRename(RequestBody):
    nickname: Nickname


class Payee(BaseModel):
    payee_id: Id
    nickname: str
    account_number: AccountNumber
    holder_name: str = Field(examples=["Jane D."], description="the holder's first name and last initial")
    currency: Currency
    created_at: Timestamp
    updated_at: Timestamp


class PayeePage(BaseModel):
    items: list[Payee]
    next_cursor: str | None


async def _accounts(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.accounts, operation, **arguments)


@router.get("", response_model=PayeePage, summary="The caller's payees, by nickname")
async def payees(
    request: Request,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await _accounts(request, "payees", principal=principal, limit=limit, cursor=cursor)


@router.post(
    "",
    status_code=201,
    response_model=Payee,
    summary="Save a payee by account number (its holder's display name is looked up and kept)",
    description="The number must name another customer's account able to receive money (else 404 "
    "`account_not_found`; one of your own accounts is 422 `own_account`). A number already saved is 409 "
    f"`payee_exists`; at most {MAX_PAYEES_PER_CUSTOMER} payees (409 `payee_limit_reached`). Counts against "
    "the account-lookup rate limit.",
)
async def add_payee(
    body: PayeeCreate, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    number = checked_account_number("account_number", body.account_number)
    await limit_lookups(request, principal)
    return await _accounts(
        request,
        "add_payee",
        principal=principal,
        nickname=body.nickname,
        account_number=number,
        payee_id=transaction_id_for(principal.user_id, idempotency_key),
    )


@router.patch("/{payee_id}", response_model=Payee, summary="Rename a payee (the caller's own)")
async def rename_payee(
    payee_id: uuid.UUID, body: PayeeRename, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    return await _accounts(request, "rename_payee", principal=principal, payee_id=payee_id, nickname=body.nickname)


@router.delete("/{payee_id}", response_model=Payee, summary="Remove a payee (the caller's own); answers what it was")
async def remove_payee(payee_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _accounts(request, "remove_payee", principal=principal, payee_id=payee_id)

"""/api/v1/transactions: transfers (single and batch), deposits, withdrawals, payments with
capture and void, reversals, and reading transactions (API.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from actors.banking.transactions import Movement
from deployments.calls import call_service
from deployments.schemas import ERROR_RESPONSES, RequestBody, amount_minor
from deployments.security import CurrentPrincipal
from models.ledger.types import derived_id
from models.paging import DEFAULT_LIMIT, MAX_LIMIT
from models.transactions import (
    MAX_BATCH_TRANSFERS,
    MAX_DESCRIPTION_CHARS,
    MAX_IDEMPOTENCY_KEY_CHARS,
    TransactionKind,
    transaction_id_for,
)

router = APIRouter(prefix="/api/v1/transactions", tags=["transactions"], responses=ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_IDEMPOTENCY_KEY_CHARS,
        description="the same key again returns the first result; with another body it is a 409",
    ),
]
Amount = Annotated[str, Field(min_length=1, max_length=32, examples=["12.34"], description="a decimal string")]
Currency = Annotated[str, Field(min_length=3, max_length=3, examples=["USD"])]
Description = Annotated[str | None, Field(default=None, max_length=MAX_DESCRIPTION_CHARS)]


class TransferRequest(RequestBody):
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Amount
    currency: Currency
    description: Description = None


class BatchRequest(RequestBody):
    transfers: list[TransferRequest] = Field(min_length=1, max_length=MAX_BATCH_TRANSFERS)


class CashRequest(RequestBody):
    account_id: uuid.UUID
    amount: Amount
    currency: Currency
    description: Description = None


class PaymentRequest(RequestBody):
    account_id: uuid.UUID
    amount: Amount
    currency: Currency
    merchant: str = Field(min_length=1, max_length=200, examples=["Corner Coffee"])
    description: Description = None
    expires_in_s: int | None = Field(
        default=None, ge=1, le=31 * 24 * 3600, description="release the hold after this long; default from settings"
    )


class CaptureRequest(RequestBody):
    amount: Amount | None = Field(default=None, description="capture part of the authorisation; default all of it")


class ReverseRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)


class Fraud(BaseModel):
    verdict: str
    score: int
    reasons: list[str]


class StatusChange(BaseModel):
    status: str
    reason: str | None
    at: str


class Transaction(BaseModel):
    transaction_id: str
    kind: str
    status: str
    failure_reason: str | None
    from_account_id: str | None
    to_account_id: str | None
    amount: str
    captured_amount: str | None
    currency: str
    description: str | None
    counterparty: str | None
    reversal_of: str | None
    fraud: Fraud | None
    created_at: str
    updated_at: str
    status_history: list[StatusChange] | None = None


class TransactionList(BaseModel):
    items: list[Transaction]


class TransactionPage(BaseModel):
    items: list[Transaction]
    next_cursor: str | None


async def _transactions(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.transactions, operation, **arguments)


def _transfer(body: TransferRequest, field_prefix: str = "") -> Movement:
    return Movement(
        TransactionKind.TRANSFER,
        body.from_account_id,
        amount_minor(f"{field_prefix}amount", body.amount, body.currency),
        body.currency,
        counterparty_account_id=body.to_account_id,
        description=body.description,
    )


async def _move(request: Request, principal: Any, movement: Movement, key: str | None) -> dict[str, Any]:
    transaction_id = transaction_id_for(principal.user_id, key)
    return await _transactions(request, "move", principal=principal, movement=movement, transaction_id=transaction_id)


@router.post("/transfer", status_code=201, response_model=Transaction, summary="Transfer between two accounts")
async def transfer(
    body: TransferRequest, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await _move(request, principal, _transfer(body), idempotency_key)


@router.post(
    "/transfer/batch",
    status_code=201,
    response_model=TransactionList,
    summary=f"Up to {MAX_BATCH_TRANSFERS:,} transfers, each with its own result",
)
async def transfer_batch(
    body: BatchRequest, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    movements = [_transfer(item, f"transfers[{position}].") for position, item in enumerate(body.transfers)]
    batch_id = transaction_id_for(principal.user_id, idempotency_key)
    ids = [derived_id(batch_id, position) for position in range(len(movements))]
    return await _transactions(request, "transfer_batch", principal=principal, movements=movements, transaction_ids=ids)


def _cash(kind: TransactionKind, body: CashRequest) -> Movement:
    amount = amount_minor("amount", body.amount, body.currency)
    return Movement(kind, body.account_id, amount, body.currency, description=body.description)


@router.post("/deposit", status_code=201, response_model=Transaction, summary="Money in through the settlement account")
async def deposit(
    body: CashRequest, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await _move(request, principal, _cash(TransactionKind.DEPOSIT, body), idempotency_key)


@router.post("/withdrawal", status_code=201, response_model=Transaction, summary="Money out through settlement")
async def withdrawal(
    body: CashRequest, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await _move(request, principal, _cash(TransactionKind.WITHDRAWAL, body), idempotency_key)


@router.post("/payment", status_code=201, response_model=Transaction, summary="Authorise a payment (funds held)")
async def payment(
    body: PaymentRequest, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    movement = Movement(
        TransactionKind.PAYMENT,
        body.account_id,
        amount_minor("amount", body.amount, body.currency),
        body.currency,
        description=body.description,
        counterparty=body.merchant,
        hold_s=body.expires_in_s,
    )
    return await _move(request, principal, movement, idempotency_key)


@router.post("/{transaction_id}/capture", response_model=Transaction, summary="Capture an authorisation, all or part")
async def capture(
    transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal, body: CaptureRequest | None = None
) -> dict[str, Any]:
    amount = None
    if body is not None and body.amount is not None:
        current = await _transactions(request, "get", principal=principal, transaction_id=transaction_id)
        amount = amount_minor("amount", body.amount, current["currency"])
    return await _transactions(
        request, "capture", principal=principal, transaction_id=transaction_id, amount_minor=amount
    )


@router.post("/{transaction_id}/void", response_model=Transaction, summary="Void an authorisation (funds released)")
async def void(transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _transactions(request, "void", principal=principal, transaction_id=transaction_id)


@router.post(
    "/{transaction_id}/reverse",
    status_code=201,
    response_model=Transaction,
    summary="Admin: reverse a completed transaction with the opposite entry",
)
async def reverse(
    transaction_id: uuid.UUID,
    body: ReverseRequest,
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    reversal_id = transaction_id_for(principal.user_id, idempotency_key)
    return await _transactions(
        request,
        "reverse",
        principal=principal,
        transaction_id=transaction_id,
        reason=body.reason,
        reversal_id=reversal_id,
    )


@router.get("/account/{account_id}", response_model=TransactionPage, summary="An account's transactions, newest first")
async def of_account(
    account_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await _transactions(
        request, "of_account", principal=principal, account_id=account_id, limit=limit, cursor=cursor
    )


@router.get("/{transaction_id}", response_model=Transaction, summary="One transaction with its status history")
async def get_transaction(transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _transactions(request, "get", principal=principal, transaction_id=transaction_id)

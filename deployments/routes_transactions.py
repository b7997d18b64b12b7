"""/api/v1/transactions: transfers (single and batch), deposits, withdrawals, payments with
capture and void, reversals, and reading transactions (API.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field, model_validator

from actors.banking.external import ExternalRequest
from actors.banking.scheduler import ScheduleRequest
from actors.banking.search import MAX_TEXT_CHARS, SearchCriteria
from actors.banking.transactions import Movement
from deployments.errors import ApiError
from deployments.routes_approvals import WAITING_FOR_A_CHECKER, asked_or
from deployments.schemas import (
    ERROR_RESPONSES,
    AccountNumber,
    Amount,
    BankAccountNumber,
    Currency,
    Day,
    Id,
    Money,
    RequestBody,
    RoutingNumber,
    Timestamp,
    amount_minor,
    checked_account_number,
    checked_time_zones,
    storable,
)
from deployments.security import CurrentPrincipal, Origin
from deployments.transactions.local import LocalTransactions
from models.external import Direction, Rail, account_number_problem, routing_number_problem
from models.ledger.types import derived_id
from models.paging import DEFAULT_LIMIT, MAX_LIMIT
from models.schedules import MAX_OCCURRENCES, Frequency
from models.transactions import (
    MAX_BATCH_TRANSFERS,
    MAX_DESCRIPTION_CHARS,
    MAX_IDEMPOTENCY_KEY_CHARS,
    TransactionKind,
    TransactionStatus,
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
Description = Annotated[str | None, Field(default=None, max_length=MAX_DESCRIPTION_CHARS)]


class _ToAccount(RequestBody):
    """The destination of a transfer (single, batched or scheduled): by id, or by account number,
    which the server resolves as a lookup does (404 `account_not_found`). Exactly one of the two."""

    to_account_id: uuid.UUID | None = Field(default=None, description="the destination's id; or to_account_number")
    to_account_number: AccountNumber | None = Field(
        default=None, description="the destination's account number (see GET /api/v1/accounts/lookup); or to_account_id"
    )

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        if (self.to_account_id is None) == (self.to_account_number is None):
            raise ValueError("give exactly one of to_account_id and to_account_number")
        return self

    def destination_number(self, field_prefix: str = "") -> str | None:
        """The account number, checked (422 naming the field), when the destination is given by number."""
        if self.to_account_number is None:
            return None
        return checked_account_number(f"{field_prefix}to_account_number", self.to_account_number)


class TransferRequest(_ToAccount):
    from_account_id: uuid.UUID
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


class ExternalParty(RequestBody):
    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    routing_number: RoutingNumber
    account_number: BankAccountNumber


class ExternalRequestBody(RequestBody):
    direction: Direction
    rail: Rail
    account_id: uuid.UUID = Field(description="the BankFlow account money leaves (OUT) or lands in (IN)")
    amount: Amount
    currency: Currency
    counterparty: ExternalParty
    description: Description = None


class ScheduleBody(_ToAccount):
    from_account_id: uuid.UUID
    amount: Amount
    currency: Currency
    description: Description = None
    frequency: Frequency
    start_at: datetime | None = Field(default=None, description="first run (with a time zone); default now")
    end_date: date | None = Field(default=None, description="no run after this day (UTC)")
    count: int | None = Field(default=None, ge=1, le=MAX_OCCURRENCES, description="stop after this many runs")


class ScheduledRun(BaseModel):
    occurrence: int
    due_at: Timestamp
    transaction_id: Id
    status: str
    reason: str | None


class Schedule(BaseModel):
    schedule_id: Id
    from_account_id: Id
    to_account_id: Id
    amount: Money
    currency: Currency
    description: str | None
    frequency: str
    start_at: Timestamp
    end_date: Day | None
    count: int | None
    status: str
    next_run_at: Timestamp | None
    runs_done: int
    recent_runs: list[ScheduledRun]


class SchedulePage(BaseModel):
    items: list[Schedule]
    next_cursor: str | None


class Fraud(BaseModel):
    verdict: str
    score: int
    reasons: list[str]


class StatusChange(BaseModel):
    status: str
    reason: str | None
    at: Timestamp


class Transaction(BaseModel):
    transaction_id: Id
    kind: str
    status: str
    failure_reason: str | None
    from_account_id: Id | None
    to_account_id: Id | None
    amount: Money
    captured_amount: Money | None
    currency: Currency
    description: str | None
    counterparty: str | None
    reversal_of: Id | None
    fraud: Fraud | None
    created_at: Timestamp
    updated_at: Timestamp
    status_history: list[StatusChange] | None = None


class TransactionList(BaseModel):
    items: list[Transaction]


class TransactionPage(BaseModel):
    items: list[Transaction]
    next_cursor: str | None


def _transactions(request: Request) -> LocalTransactions:
    transactions: LocalTransactions = request.app.state.transactions
    return transactions


def _transfer(body: TransferRequest, field_prefix: str = "") -> Movement:
    return Movement(
        TransactionKind.TRANSFER,
        body.from_account_id,
        amount_minor(f"{field_prefix}amount", body.amount, body.currency),
        body.currency,
        counterparty_account_id=body.to_account_id,
        description=body.description,
        counterparty_account_number=body.destination_number(field_prefix),
    )


async def _move(request: Request, principal: Any, movement: Movement, key: str | None) -> dict[str, Any]:
    transaction_id = transaction_id_for(principal.user_id, key)
    return await _transactions(request).move(principal=principal, movement=movement, transaction_id=transaction_id)


@router.post(
    "/transfer",
    status_code=201,
    response_model=Transaction,
    summary="Transfer between two accounts: the destination by id or by account number",
)
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
    return await _transactions(request).transfer_batch(principal=principal, movements=movements, transaction_ids=ids)


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
        current = await _transactions(request).get(principal=principal, transaction_id=transaction_id)
        amount = amount_minor("amount", body.amount, current["currency"])
    return await _transactions(request).capture(principal=principal, transaction_id=transaction_id, amount_minor=amount)


@router.post("/{transaction_id}/void", response_model=Transaction, summary="Void an authorisation (funds released)")
async def void(transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _transactions(request).void(principal=principal, transaction_id=transaction_id)


@router.post(
    "/{transaction_id}/reverse",
    status_code=201,
    response_model=Transaction,
    summary="Admin: reverse a completed transaction with the opposite entry (or ask a second admin to)",
    description="201 with the reversal when no second person is needed. Under four eyes (the approval policy of "
    "`transaction.reverse`, on by default) 202 with the approval request: the reversal is made when another admin "
    "approves it (`POST /api/v1/admin/approvals/{id}/approve`).",
    responses=WAITING_FOR_A_CHECKER,
)
async def reverse(
    transaction_id: uuid.UUID,
    body: ReverseRequest,
    request: Request,
    principal: CurrentPrincipal,
    origin: Origin,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    reversal_id = transaction_id_for(principal.user_id, idempotency_key)
    answer = await _transactions(request).reverse(
        principal=principal,
        transaction_id=transaction_id,
        reason=body.reason,
        reversal_id=reversal_id,
        origin=origin,
    )
    return asked_or(answer)


@router.post(
    "/external",
    status_code=201,
    response_model=Transaction,
    summary="ACH or wire to/from another bank: PENDING until the rails settle or return it",
)
async def external(
    body: ExternalRequestBody, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    party = body.counterparty
    for field, problem in (
        ("counterparty.routing_number", routing_number_problem(party.routing_number)),
        ("counterparty.account_number", account_number_problem(party.account_number)),
    ):
        if problem is not None:
            raise ApiError(422, "validation_error", f"{field}: {problem}")
    external_request = ExternalRequest(
        body.direction,
        body.rail,
        body.account_id,
        amount_minor("amount", body.amount, body.currency),
        body.currency,
        party.routing_number,
        party.account_number,
        party.name,
        body.description,
    )
    return await _transactions(request).external(
        principal=principal,
        external=external_request,
        transaction_id=transaction_id_for(principal.user_id, idempotency_key),
    )


@router.post("/scheduled", status_code=201, response_model=Schedule, summary="A one-off or recurring transfer")
async def schedule(
    body: ScheduleBody, request: Request, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    schedule_request = ScheduleRequest(
        body.from_account_id,
        body.to_account_id,
        amount_minor("amount", body.amount, body.currency),
        body.currency,
        body.description,
        body.frequency,
        body.start_at,
        body.end_date,
        body.count,
        body.destination_number(),
    )
    return await _transactions(request).schedule(
        principal=principal,
        schedule=schedule_request,
        schedule_id=transaction_id_for(principal.user_id, idempotency_key),
    )


@router.get(
    "/scheduled",
    response_model=SchedulePage,
    summary="Scheduled transfers with recent runs: the caller's, or those paying out of a customer's or account's",
    description="Without a filter, the caller's own schedules, newest first. `customer_id` or `account_id` "
    "(or both) list the schedules paying out of that customer's accounts or that account instead: support "
    "and admin for anyone, a customer for themselves (anyone else's customer or account is a 404).",
)
async def schedules(
    request: Request,
    principal: CurrentPrincipal,
    customer_id: Annotated[uuid.UUID | None, Query(description="those paying out of this customer's accounts")] = None,
    account_id: Annotated[uuid.UUID | None, Query(description="those paying out of this account")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await _transactions(request).schedules(
        principal=principal,
        limit=limit,
        cursor=cursor,
        customer_id=customer_id,
        account_id=account_id,
    )


@router.delete(
    "/scheduled/{schedule_id}",
    response_model=Schedule,
    summary="Cancel a scheduled transfer: the owner's, or any as admin (support: 403)",
)
async def cancel_schedule(schedule_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _transactions(request).cancel_schedule(principal=principal, schedule_id=schedule_id)


@router.get("/search", response_model=TransactionPage, summary="Search transactions, newest first")
async def search(
    request: Request,
    principal: CurrentPrincipal,
    account_id: uuid.UUID | None = None,
    from_: Annotated[datetime | None, Query(alias="from", description="created at or after (RFC 3339)")] = None,
    to: Annotated[datetime | None, Query(description="created before (RFC 3339)")] = None,
    min_amount: Annotated[Amount | None, Query()] = None,
    max_amount: Annotated[Amount | None, Query()] = None,
    currency: Annotated[Currency | None, Query()] = None,
    kind: TransactionKind | None = None,
    status: TransactionStatus | None = None,
    counterparty: Annotated[str | None, Query(min_length=1, max_length=MAX_TEXT_CHARS)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=MAX_TEXT_CHARS, description="text in descriptions")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    checked_time_zones(("from", from_), ("to", to))
    for field, text in (("counterparty", counterparty), ("q", q), ("min_amount", min_amount)):
        if text is not None and not storable(text):
            raise ApiError(422, "validation_error", f"{field}: must not contain NUL characters")
    criteria = SearchCriteria(account_id, from_, to, min_amount, max_amount, currency, kind, status, counterparty, q)
    return await _transactions(request).search(principal=principal, criteria=criteria, limit=limit, cursor=cursor)


@router.get("/account/{account_id}", response_model=TransactionPage, summary="An account's transactions, newest first")
async def of_account(
    account_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await _transactions(request).of_account(
        principal=principal, account_id=account_id, limit=limit, cursor=cursor
    )


@router.get("/{transaction_id}", response_model=Transaction, summary="One transaction with its status history")
async def get_transaction(transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _transactions(request).get(principal=principal, transaction_id=transaction_id)

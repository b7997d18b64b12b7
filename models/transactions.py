"""Transactions as customers see them (API.md › Transactions): kinds, statuses, and how a
ledger outcome becomes a transaction's status. Pure: no I/O.

A transaction is the customer-facing record of one movement of money; its id is the
ledger transfer id of the movement, so the ledger's idempotency protects it too.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Final

from models.ledger.commands import MAX_BATCH_COMMANDS
from models.ledger.types import TransferStatus

# Derives a transaction id from a caller's Idempotency-Key: the same key from the same user
# is the same transaction; the same key from two users is two transactions.
IDEMPOTENCY_NAMESPACE: Final = uuid.UUID("0b7d3a52-6d1e-4f0f-9a51-7472616e7361")
MAX_IDEMPOTENCY_KEY_CHARS: Final = 200
MAX_DESCRIPTION_CHARS: Final = 500
MAX_BATCH_TRANSFERS: Final = MAX_BATCH_COMMANDS  # a batch request is one ledger call
# How long a payment authorisation holds funds when the caller names no time.
DEFAULT_AUTHORISATION_TIMEOUT_S: Final = 7 * 24 * 3600


class TransactionKind(StrEnum):
    TRANSFER = "TRANSFER"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    PAYMENT = "PAYMENT"
    EXTERNAL_OUT = "EXTERNAL_OUT"
    EXTERNAL_IN = "EXTERNAL_IN"
    REVERSAL = "REVERSAL"


class TransactionStatus(StrEnum):
    PENDING = "PENDING"  # authorised (funds held), or waiting for the rails or a saga
    PROCESSING = "PROCESSING"  # recorded, not yet answered by the ledger
    PENDING_REVIEW = "PENDING_REVIEW"  # held by the fraud check for an analyst
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"
    RETURNED = "RETURNED"  # an external transfer sent back by the other bank


FINAL_STATUSES: Final = frozenset(
    {TransactionStatus.COMPLETED, TransactionStatus.FAILED, TransactionStatus.REVERSED, TransactionStatus.RETURNED}
)
# Kinds whose completed movement can be undone by an opposite entry.
REVERSIBLE_KINDS: Final = frozenset(
    {TransactionKind.TRANSFER, TransactionKind.DEPOSIT, TransactionKind.WITHDRAWAL, TransactionKind.PAYMENT}
)
# Statuses whose amount counts against the source account's daily outgoing limit.
OUTGOING_KINDS: Final = frozenset(
    {TransactionKind.TRANSFER, TransactionKind.WITHDRAWAL, TransactionKind.PAYMENT, TransactionKind.EXTERNAL_OUT}
)


def transaction_id_for(user_id: uuid.UUID, idempotency_key: str | None) -> uuid.UUID:
    """The id of a new transaction: derived from the caller's key when given, else fresh."""
    if idempotency_key is None:
        return uuid.uuid4()
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{user_id}:{idempotency_key}")


def status_of_ledger(status: TransferStatus | None, *, held_for_review: bool = False) -> TransactionStatus:
    """A transaction's status from its ledger transfer's status."""
    match status:
        case TransferStatus.COMPLETED:
            return TransactionStatus.COMPLETED
        case TransferStatus.PENDING:
            return TransactionStatus.PENDING_REVIEW if held_for_review else TransactionStatus.PENDING
        case TransferStatus.REVERSED:
            return TransactionStatus.REVERSED
        case TransferStatus.FAILED | TransferStatus.VOIDED | TransferStatus.EXPIRED:
            return TransactionStatus.FAILED
        case None:
            return TransactionStatus.PROCESSING


# Why a movement held for review failed when an analyst rejected it (its hold voided).
REVIEW_REJECTED_REASON: Final = "fraud_confirmed"


def reason_of_ledger(status: TransferStatus | None, reason: str | None) -> str | None:
    """Why a transaction failed: the ledger's reason, or how its hold ended."""
    if reason is not None:
        return reason
    if status is TransferStatus.VOIDED:
        return "voided"
    if status is TransferStatus.EXPIRED:
        return "expired"
    return None


def reason_of_settlement(current: TransactionStatus, status: TransferStatus, reason: str | None) -> str | None:
    """Why a transaction failed, when its read-model row catches up with the ledger transfer. Only
    an analyst's rejection voids a hold under review (its owner cannot meanwhile), so a voided
    review reads as the decision records it, whichever writes first."""
    if current is TransactionStatus.PENDING_REVIEW and status is TransferStatus.VOIDED:
        return REVIEW_REJECTED_REASON
    return reason_of_ledger(status, reason)


def event_of_settlement(target: TransactionStatus, reason: str | None, kind: TransactionKind) -> str | None:
    """The event a row catching up with its ledger transfer writes: the one the service writes for
    the same change (so the same event id, whoever writes first), or None."""
    if reason == REVIEW_REJECTED_REASON:
        return "transaction.failed"
    if target in (TransactionStatus.PENDING, TransactionStatus.PENDING_REVIEW) and kind in OUTGOING_KINDS:
        return "transaction.processing"  # every movement out of an account is scored, and waits on its verdict
    return None

"""The events a ledger batch emits: what happened to transfers and accounts, in the shapes
of API.md › Events. Event ids derive from the facts, so a retried batch emits the same ids.
"""

from __future__ import annotations

import uuid
from typing import Any

from models.events import DomainEvent
from models.ledger.commands import (
    ChangeStatus,
    Command,
    CreditStep,
    Deposit,
    ExpirePending,
    OpenAccount,
    PostPending,
    RefundStep,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.decide import Decision
from models.ledger.entries import EntryKind, JournalEntry, Leg
from models.ledger.state import Account, Hold
from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, TransferStatus, derived_id
from models.money import format_amount
from models.topics import ACCOUNT_EVENTS, TRANSACTION_EVENTS

SOURCE = "bankflow/ledger"

_STATUS_EVENTS = {
    StatusAction.FREEZE: "account.frozen",
    StatusAction.UNFREEZE: "account.unfrozen",
    StatusAction.CLOSE: "account.closed",
}
_TRANSFER_EVENTS = {
    TransferStatus.PENDING: "transaction.initiated",
    TransferStatus.COMPLETED: "transaction.completed",
    TransferStatus.FAILED: "transaction.failed",
    TransferStatus.VOIDED: "transaction.failed",
    TransferStatus.EXPIRED: "transaction.failed",
}


def _event(
    event_type: str,
    topic: str,
    subject: uuid.UUID,
    key: uuid.UUID,
    time_ms: int,
    data: dict[str, Any],
    *id_parts: object,
) -> DomainEvent:
    return DomainEvent(
        event_id=derived_id(subject, event_type, *id_parts),
        event_type=event_type,
        topic=topic,
        source=SOURCE,
        subject=str(subject),
        key=str(key),
        time_ms=time_ms,
        data=data,
    )


def transfer_event(
    *,
    transfer_id: uuid.UUID,
    kind: str,
    debit_account_id: uuid.UUID,
    credit_account_id: uuid.UUID,
    amount_minor: int,
    currency: str,
    status: TransferStatus,
    reason: str | None,
    time_ms: int,
) -> DomainEvent:
    event_type = _TRANSFER_EVENTS[status]
    data = {
        "transfer_id": str(transfer_id),
        "kind": kind,
        "debit_account_id": str(debit_account_id),
        "credit_account_id": str(credit_account_id),
        "amount": format_amount(amount_minor, currency),
        "amount_minor": amount_minor,
        "currency": currency,
        "status": status.value,
        "reason": reason,
    }
    return _event(event_type, TRANSACTION_EVENTS, transfer_id, debit_account_id, time_ms, data, status)


def transfer_parties(
    command: Transfer | Deposit | Withdrawal, settlement_id: uuid.UUID | None
) -> tuple[str, uuid.UUID, uuid.UUID]:
    """(kind, debit account, credit account) of a transfer-like command."""
    if isinstance(command, Deposit):
        assert settlement_id is not None
        return "DEPOSIT", settlement_id, command.account_id
    if isinstance(command, Withdrawal):
        assert settlement_id is not None
        return "WITHDRAWAL", command.account_id, settlement_id
    return (
        ("PENDING" if command.pending_timeout_ms is not None else "TRANSFER"),
        command.debit_account_id,
        command.credit_account_id,
    )


def command_events(
    command: Command, decision: Decision, hold: Hold | None, settlement_id: uuid.UUID | None, time_ms: int
) -> list[DomainEvent]:
    """The events of one decided command (its accounts' balance events come per batch)."""
    events = [opened_event(entry, time_ms) for entry in decision.entries if entry.kind is EntryKind.OPEN]
    match command:
        case Transfer() | Deposit() | Withdrawal():
            kind, debit, credit = transfer_parties(command, settlement_id)
            assert decision.status is not None
            if decision.status is TransferStatus.PENDING and decision.next_step is None and kind != "PENDING":
                return events
            reason = None if decision.reason is None else decision.reason.value
            events.append(
                transfer_event(
                    transfer_id=command.transfer_id,
                    kind=kind,
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount_minor=command.amount_minor,
                    currency=command.currency,
                    status=decision.status,
                    reason=reason,
                    time_ms=time_ms,
                )
            )
        case PostPending() | VoidPending() | ExpirePending() if decision.accepted and hold is not None:
            if decision.status is TransferStatus.PENDING:
                return events  # the credit on the other shard completes it
            posted = _posted_amount(decision.entries, hold)
            events.append(
                transfer_event(
                    transfer_id=hold.pending_id,
                    kind="PENDING",
                    debit_account_id=hold.debit_account_id,
                    credit_account_id=hold.credit_account_id,
                    amount_minor=posted,
                    currency=hold.currency,
                    status=decision.status or TransferStatus.COMPLETED,
                    reason=_release_reason(decision.status),
                    time_ms=time_ms,
                )
            )
        case CreditStep() if decision.accepted:
            events.append(
                transfer_event(
                    transfer_id=command.transfer_id,
                    kind="TRANSFER",
                    debit_account_id=command.debit_account_id,
                    credit_account_id=command.credit_account_id,
                    amount_minor=command.amount_minor,
                    currency=command.currency,
                    status=TransferStatus.COMPLETED,
                    reason=None,
                    time_ms=time_ms,
                )
            )
        case RefundStep():
            events.append(
                transfer_event(
                    transfer_id=command.transfer_id,
                    kind="TRANSFER",
                    debit_account_id=command.debit_account_id,
                    credit_account_id=command.debit_account_id,
                    amount_minor=command.amount_minor,
                    currency=command.currency,
                    status=TransferStatus.FAILED,
                    reason=command.reason,
                    time_ms=time_ms,
                )
            )
        case ChangeStatus() if decision.accepted:
            event_type = _STATUS_EVENTS[command.action]
            data = {"account_id": str(command.account_id), "command_id": str(command.command_id)}
            events.append(
                _event(
                    event_type,
                    ACCOUNT_EVENTS,
                    command.account_id,
                    command.account_id,
                    time_ms,
                    data,
                    command.command_id,
                )
            )
        case OpenAccount():
            pass
    return events


def _posted_amount(entries: tuple[JournalEntry, ...], hold: Hold) -> int:
    debit_legs: list[Leg] = [leg for entry in entries for leg in entry.legs if leg.account_id == hold.debit_account_id]
    return -sum(leg.amount_minor for leg in debit_legs) or hold.amount_minor


def _release_reason(status: TransferStatus | None) -> str | None:
    return {TransferStatus.VOIDED: "voided", TransferStatus.EXPIRED: "expired"}.get(status) if status else None


def opened_event(entry: JournalEntry, time_ms: int) -> DomainEvent:
    opened = entry.opened
    assert opened is not None
    account_id = entry.legs[0].account_id
    data = {
        "account_id": str(account_id),
        "number": opened.number,
        "customer_id": None if opened.customer_id is None else str(opened.customer_id),
        "account_type": opened.account_type.value,
        "currency": opened.currency,
    }
    return _event("account.created", ACCOUNT_EVENTS, account_id, account_id, time_ms, data)


def balance_event(account_id: uuid.UUID, account: Account, time_ms: int) -> DomainEvent | None:
    """account.balance.updated for a customer account (once per batch, with its final state)."""
    if account.account_type not in CUSTOMER_ACCOUNT_TYPES:
        return None
    data = {
        "account_id": str(account_id),
        "balance": format_amount(account.balance_minor, account.currency),
        "available_balance": format_amount(account.available_minor, account.currency),
        "balance_minor": account.balance_minor,
        "available_minor": account.available_minor,
        "currency": account.currency,
        "version": account.version,
    }
    return _event("account.balance.updated", ACCOUNT_EVENTS, account_id, account_id, time_ms, data, account.version)

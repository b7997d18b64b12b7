"""The events of a ledger batch (API.md › Events): transfers initiated, completed, failed;
accounts created, frozen, unfrozen, closed; balances updated.

A batch records its events in a compact form (`LedgerBatchEvents`, lists of plain values)
in the same transaction as its journal rows: building thousands of full CloudEvents there
would cost more than the journal itself. `expand` turns the compact form into the full
events; the relay does it when publishing. Event ids derive from the facts (transfer id and
status, account id and version…), so the same fact always has the same id.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from models.events import DomainEvent
from models.ledger.commands import (
    ChangeStatus,
    Command,
    CreditStep,
    Deposit,
    ExpirePending,
    PostPending,
    RefundStep,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.decide import Decision
from models.ledger.state import Hold
from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, AccountType, TransferStatus
from models.money import format_amount
from models.topics import ACCOUNT_EVENTS, TRANSACTION_EVENTS

SOURCE = "bankflow/ledger"
_CHECKING, _SAVINGS = AccountType.CHECKING, AccountType.SAVINGS
assert frozenset({_CHECKING, _SAVINGS}) == CUSTOMER_ACCOUNT_TYPES
COMPACT_VERSION = 1

_TRANSFER_EVENT_TYPES = {
    TransferStatus.PENDING.value: "transaction.initiated",
    TransferStatus.COMPLETED.value: "transaction.completed",
    TransferStatus.FAILED.value: "transaction.failed",
    TransferStatus.VOIDED.value: "transaction.failed",
    TransferStatus.EXPIRED.value: "transaction.failed",
}


def event_id(subject: str, event_type: str, distinguisher: object) -> uuid.UUID:
    """A stable event id: the same fact (subject, type, distinguisher) always gets the same id."""
    digest = hashlib.blake2b(f"{subject}|{event_type}|{distinguisher}".encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=5)


@functools.lru_cache(maxsize=1024)
def _quoted(text: str) -> str:
    """`text` as a JSON string; the few distinct kinds, currencies and statuses, encoded once."""
    return json.dumps(text)


@dataclass
class LedgerBatchEvents:
    """A batch's events in compact form (see the module docstring), each kept as its JSON text:
    a batch renders one per transfer, where building lists for json.dumps cost twice as much.
    Ids render as their canonical text and amounts as integers; every other text goes
    through json.dumps."""

    time_ms: int
    # [transfer_id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, reason]
    transfers: list[str] = field(default_factory=list)
    # [event_type, account_id, {data}]
    accounts: list[str] = field(default_factory=list)
    # [account_id, balance_minor, available_minor, currency, version]
    balances: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def count(self) -> int:
        return len(self.transfers) + len(self.accounts) + len(self.balances)

    def transfer(
        self,
        transfer_id: uuid.UUID,
        kind: str,
        debit_account_id: uuid.UUID,
        credit_account_id: uuid.UUID,
        amount_minor: int,
        currency: str,
        status: TransferStatus,
        reason: str | None,
    ) -> None:
        assert type(amount_minor) is int
        self.transfers.append(
            f'["{transfer_id}",{_quoted(kind)},"{debit_account_id}","{credit_account_id}",{amount_minor},'
            f"{_quoted(currency)},{_quoted(status.value)},{'null' if reason is None else json.dumps(reason)}]"
        )

    def completed_transfer(
        self,
        transfer_id: uuid.UUID,
        debit_account_id: uuid.UUID,
        credit_account_id: uuid.UUID,
        amount_minor: int,
        currency: str,
    ) -> None:
        """What `transfer` records for a completed TRANSFER, in a third of its time (one per plain
        transfer). The currency is a known code (models.money), three letters: no quoting needed."""
        assert type(amount_minor) is int and len(currency) == 3 and currency.isalpha()
        self.transfers.append(
            f'["{transfer_id}","TRANSFER","{debit_account_id}","{credit_account_id}",{amount_minor},'
            f'"{currency}","COMPLETED",null]'
        )

    def account(self, event_type: str, account_id: uuid.UUID, data: dict[str, Any]) -> None:
        self.accounts.append(json.dumps([event_type, str(account_id), data]))

    def balance(
        self,
        account_id: uuid.UUID,
        account_type: AccountType,
        balance_minor: int,
        available_minor: int,
        currency: str,
        version: int,
    ) -> None:
        if account_type is _CHECKING or account_type is _SAVINGS:  # CUSTOMER_ACCOUNT_TYPES, without hashing
            assert type(balance_minor) is int and type(available_minor) is int and type(version) is int
            self.balances.append(f'["{account_id}",{balance_minor},{available_minor},{_quoted(currency)},{version}]')

    def to_json(self) -> str:
        """The batch's events as one JSON document (what `expand` reads back)."""
        return (
            f'{{"v":{COMPACT_VERSION},"time_ms":{int(self.time_ms)},"transfers":[{",".join(self.transfers)}],'
            f'"accounts":[{",".join(self.accounts)}],"balances":[{",".join(self.balances)}]}}'
        )

    def as_json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.to_json())
        return parsed


def expand(compact: dict[str, Any]) -> list[DomainEvent]:
    """The full events of a batch, in order: accounts, transfers, then balances."""
    assert compact["v"] == COMPACT_VERSION, compact["v"]
    time_ms: int = compact["time_ms"]
    events = []
    for event_type, account_id, data in compact["accounts"]:
        distinguisher = data.get("command_id", "")
        events.append(
            DomainEvent(
                event_id(account_id, event_type, distinguisher),
                event_type,
                ACCOUNT_EVENTS,
                SOURCE,
                account_id,
                account_id,
                time_ms,
                {"account_id": account_id, **data},
            )
        )
    for transfer_id, kind, debit, credit, amount_minor, currency, status, reason in compact["transfers"]:
        event_type = _TRANSFER_EVENT_TYPES[status]
        data = {
            "transfer_id": transfer_id,
            "kind": kind,
            "debit_account_id": debit,
            "credit_account_id": credit,
            "amount": format_amount(amount_minor, currency),
            "amount_minor": amount_minor,
            "currency": currency,
            "status": status,
            "reason": reason,
        }
        events.append(
            DomainEvent(
                event_id(transfer_id, event_type, status),
                event_type,
                TRANSACTION_EVENTS,
                SOURCE,
                transfer_id,
                debit,
                time_ms,
                data,
            )
        )
    for account_id, balance_minor, available_minor, currency, version in compact["balances"]:
        data = {
            "account_id": account_id,
            "balance": format_amount(balance_minor, currency),
            "available_balance": format_amount(available_minor, currency),
            "balance_minor": balance_minor,
            "available_minor": available_minor,
            "currency": currency,
            "version": version,
        }
        event_type = "account.balance.updated"
        events.append(
            DomainEvent(
                event_id(account_id, event_type, version),
                event_type,
                ACCOUNT_EVENTS,
                SOURCE,
                account_id,
                account_id,
                time_ms,
                data,
            )
        )
    return events


_STATUS_EVENT_TYPES = {
    StatusAction.FREEZE: "account.frozen",
    StatusAction.UNFREEZE: "account.unfrozen",
    StatusAction.CLOSE: "account.closed",
}


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
    kind = "PENDING" if command.pending_timeout_ms is not None else "TRANSFER"
    return kind, command.debit_account_id, command.credit_account_id


def record_command_events(
    events: LedgerBatchEvents,
    command: Command,
    decision: Decision,
    hold: Hold | None,
    settlement_id: uuid.UUID | None,
) -> None:
    """Add the events of one decided command (balances are added once per batch)."""
    for entry in decision.entries:
        if entry.opened is not None:
            opened = entry.opened
            events.account(
                "account.created",
                entry.legs[0].account_id,
                {
                    "number": opened.number,
                    "customer_id": None if opened.customer_id is None else str(opened.customer_id),
                    "account_type": opened.account_type.value,
                    "currency": opened.currency,
                },
            )
    reason: str | None = decision.reason
    match command:
        case Transfer() | Deposit() | Withdrawal():
            assert decision.status is not None
            kind, debit, credit = transfer_parties(command, settlement_id)
            events.transfer(
                command.transfer_id,
                kind,
                debit,
                credit,
                command.amount_minor,
                command.currency,
                decision.status,
                reason,
            )
        case PostPending() | VoidPending() | ExpirePending() if decision.accepted and hold is not None:
            if decision.status is TransferStatus.PENDING:
                return  # posted towards another shard: its credit step completes it
            assert decision.status is not None
            posted = hold.amount_minor
            if isinstance(command, PostPending) and command.amount_minor is not None:
                posted = command.amount_minor
            release = {TransferStatus.VOIDED: "voided", TransferStatus.EXPIRED: "expired"}.get(decision.status)
            events.transfer(
                hold.pending_id,
                "PENDING",
                hold.debit_account_id,
                hold.credit_account_id,
                posted,
                hold.currency,
                decision.status,
                release,
            )
        case CreditStep() if decision.accepted:
            events.transfer(
                command.transfer_id,
                "TRANSFER",
                command.debit_account_id,
                command.credit_account_id,
                command.amount_minor,
                command.currency,
                TransferStatus.COMPLETED,
                None,
            )
        case RefundStep():
            events.transfer(
                command.transfer_id,
                "TRANSFER",
                command.debit_account_id,
                command.debit_account_id,
                command.amount_minor,
                command.currency,
                TransferStatus.FAILED,
                command.reason,
            )
        case ChangeStatus() if decision.accepted:
            events.account(
                _STATUS_EVENT_TYPES[command.action], command.account_id, {"command_id": str(command.command_id)}
            )
        case _:
            pass

"""The events of a ledger batch (API.md › Events): transfers initiated, completed, failed;
accounts created, frozen, unfrozen, closed; balances updated.

A batch records its events in a compact form (`LedgerBatchEvents`, lists of plain values)
in the same transaction as its journal rows: building thousands of full CloudEvents there
would cost more than the journal itself. `expand` turns the compact form into the full
events; the relay does it when publishing. Event ids derive from the facts (transfer id and
status, account id and version…), so the same fact always has the same id.

A plain transfer (models/ledger/plain.py: nearly every transfer) is completed by exactly the
two postings it journals in the same transaction, which carry every field of its event. Its
event is therefore recorded as the position of its debit posting in the batch, and `expand`
reads the event's fields off those two postings (`PostedLeg`, which the relay fetches with
the row): the same event, with the same id, for ~6 bytes instead of ~150 in the outbox.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
from models.money import format_amount, is_known_currency
from models.topics import ACCOUNT_EVENTS, TRANSACTION_EVENTS

SOURCE = "bankflow/ledger"
COMPACT_VERSIONS = (1, 2)  # 1: without posted transfers (read still, for rows written before 2)
_CHECKING, _SAVINGS = AccountType.CHECKING, AccountType.SAVINGS
assert frozenset({_CHECKING, _SAVINGS}) == CUSTOMER_ACCOUNT_TYPES
COMPACT_VERSION = 2

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


class PostedLeg(NamedTuple):
    """What a completed plain transfer's event reads off one of its two postings."""

    transfer_id: str
    account_id: str
    amount_minor: int
    currency: str


@dataclass
class LedgerBatchEvents:
    """A batch's events in compact form (see the module docstring), each kept as its JSON text:
    a batch renders one per transfer, where building lists for json.dumps cost twice as much.
    Ids render as their canonical text and amounts as integers; every other text goes
    through json.dumps."""

    time_ms: int
    shard: int = 0  # with `batch`, where the postings of `posted_transfer` are
    batch: int = 0
    # [transfer_id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, reason],
    # or the sequence number in the batch of a posted transfer's debit posting
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

    def posted_transfer(self, debit_posting_seq: int) -> None:
        """The completed plain transfer whose debit and credit postings are this batch's
        `debit_posting_seq` and the one after it (see the module docstring)."""
        assert type(debit_posting_seq) is int and debit_posting_seq >= 0
        self.transfers.append(str(debit_posting_seq))

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
            f'{{"v":{COMPACT_VERSION},"time_ms":{int(self.time_ms)},"shard":{int(self.shard)},'
            f'"batch":{int(self.batch)},"transfers":[{",".join(self.transfers)}],'
            f'"accounts":[{",".join(self.accounts)}],"balances":[{",".join(self.balances)}]}}'
        )

    def as_json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.to_json())
        return parsed


def posted_transfer_seqs(compact: dict[str, Any]) -> list[int]:
    """The postings (by sequence number in the batch) whose legs `expand` needs."""
    debit_seqs = [item for item in compact["transfers"] if type(item) is int]
    return [seq for debit_seq in debit_seqs for seq in (debit_seq, debit_seq + 1)]


def _posted_transfer(debit_seq: int, legs: Mapping[int, PostedLeg]) -> list[Any]:
    """A posted transfer's compact record, from its two postings."""
    debit, credit = legs[debit_seq], legs[debit_seq + 1]
    assert debit.transfer_id == credit.transfer_id, (debit, credit)
    assert debit.amount_minor == -credit.amount_minor < 0 and debit.currency == credit.currency, (debit, credit)
    return [
        debit.transfer_id,
        "TRANSFER",
        debit.account_id,
        credit.account_id,
        credit.amount_minor,
        credit.currency,
        TransferStatus.COMPLETED.value,
        None,
    ]


def expand(compact: dict[str, Any], legs: Mapping[int, PostedLeg] | None = None) -> list[DomainEvent]:
    """The full events of a batch, in order: accounts, transfers, then balances. `legs`: the
    postings of `posted_transfer_seqs(compact)` by sequence number."""
    assert compact["v"] in COMPACT_VERSIONS, compact["v"]
    time_ms: int = compact["time_ms"]
    transfers = [item if type(item) is list else _posted_transfer(item, legs or {}) for item in compact["transfers"]]
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
    for transfer_id, kind, debit, credit, amount_minor, currency, status, reason in transfers:
        event_type = _TRANSFER_EVENT_TYPES[status]
        data = {
            "transfer_id": transfer_id,
            "kind": kind,
            "debit_account_id": debit,
            "credit_account_id": credit,
            # A transfer refused for its unknown currency has a failed event too, but no decimal form.
            "amount": format_amount(amount_minor, currency) if is_known_currency(currency) else None,
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

"""The events of a ledger batch (API.md › Events): transfers initiated, completed, failed;
accounts created, frozen, unfrozen, closed; balances updated.

A batch records its events in a compact form (`LedgerBatchEvents`, lists of plain values)
in the same transaction as its journal rows: building thousands of full CloudEvents there
would cost more than the journal itself. `expand` turns the compact form into the full
events; the relay does it when publishing. Event ids derive from the facts (transfer id and
status, account id and version…), so the same fact always has the same id.

Two kinds of event repeat what the batch's postings, journaled in the same transaction,
already hold, and are recorded as positions of postings in the batch: a plain transfer's
(models/ledger/plain.py: nearly every transfer) completion, by its debit posting (its credit
posting is the next one), and an account's new balance, by the account's last posting in the
batch (every change to an account is a posting). `expand` reads their fields off those
postings (`PostedLeg`, which the relay fetches with the row): the same events, with the same
ids, for a few bytes each instead of ~150 and ~70 in the outbox.
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
    SetDailyLimit,
    SetOverdraft,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.decide import Decision
from models.ledger.state import Hold
from models.ledger.types import TransferStatus
from models.money import format_amount, is_known_currency
from models.topics import ACCOUNT_EVENTS, TRANSACTION_EVENTS

SOURCE = "bankflow/ledger"
COMPACT_VERSIONS = (1, 2)  # 1: without posted transfers (read still, for rows written before 2)
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
    """What an event recorded by position reads off a posting."""

    transfer_id: str
    account_id: str
    amount_minor: int
    currency: str
    account_version: int
    balance_after_minor: int
    held_after_minor: int


@dataclass
class LedgerBatchEvents:
    """A batch's events in compact form (see the module docstring), each kept as its JSON text:
    a batch renders one per transfer, where building lists for json.dumps cost twice as much.
    Ids render as their canonical text and amounts as integers; every other text goes
    through json.dumps."""

    time_ms: int
    shard: int = 0  # with `batch`, where the postings recorded by position are
    batch: int = 0
    # [transfer_id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, reason],
    # or the sequence number in the batch of a posted transfer's debit posting
    transfers: list[str] = field(default_factory=list)
    # [event_type, account_id, {data}]
    accounts: list[str] = field(default_factory=list)
    # the sequence number in the batch of the account's last posting
    # (version 1 rows: [account_id, balance_minor, available_minor, currency, version])
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

    def posted_balance(self, last_posting_seq: int) -> None:
        """A customer account's balance after this batch, which its last posting in the batch,
        number `last_posting_seq`, holds (see the module docstring)."""
        assert type(last_posting_seq) is int and last_posting_seq >= 0
        self.balances.append(str(last_posting_seq))

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


def posting_seqs(compact: dict[str, Any]) -> list[int]:
    """The postings (by sequence number in the batch) whose legs `expand` needs."""
    debit_seqs = [item for item in compact["transfers"] if type(item) is int]
    balance_seqs = [item for item in compact["balances"] if type(item) is int]
    return sorted({*debit_seqs, *(seq + 1 for seq in debit_seqs), *balance_seqs})


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


def _posted_balance(last_seq: int, legs: Mapping[int, PostedLeg]) -> list[Any]:
    """An account's compact balance record, from its last posting in the batch."""
    leg = legs[last_seq]
    available_minor = leg.balance_after_minor - leg.held_after_minor
    return [leg.account_id, leg.balance_after_minor, available_minor, leg.currency, leg.account_version]


def expand(compact: dict[str, Any], legs: Mapping[int, PostedLeg] | None = None) -> list[DomainEvent]:
    """The full events of a batch, in order: accounts, transfers, then balances. `legs`: the
    postings of `posting_seqs(compact)` by sequence number."""
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
    balances = [item if type(item) is list else _posted_balance(item, legs or {}) for item in compact["balances"]]
    for account_id, balance_minor, available_minor, currency, version in balances:
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
        case SetOverdraft() if decision.accepted:
            events.account(
                "account.overdraft.updated",
                command.account_id,
                {"command_id": str(command.command_id), "overdraft_limit_minor": command.overdraft_limit_minor},
            )
        case SetDailyLimit() if decision.accepted:
            events.account(
                "account.daily_limit.updated",
                command.account_id,
                {"command_id": str(command.command_id), "daily_limit_minor": command.daily_limit_minor},
            )
        case _:
            pass

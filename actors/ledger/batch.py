"""Deciding one batch of commands against a shard's state: pure in-memory work that turns
commands into results, journal rows and events, on an overlay the caller merges only once
the rows are committed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

from actors.ledger.codec import SEQ_INDEX, plain_transfer_rows, posting_rows
from actors.ledger.journal import BatchWrite, StoredResult, TransferUpdate
from models.ledger.commands import (
    TRANSFER_COMMANDS,
    ChangeStatus,
    Command,
    CreditStep,
    Deposit,
    ExpirePending,
    OpenAccount,
    PostPending,
    RefundStep,
    SetDailyLimit,
    SetOverdraft,
    Transfer,
    VoidPending,
    Withdrawal,
    fingerprint,
    idempotency_id,
)
from models.ledger.decide import Decision, decide
from models.ledger.entries import apply_entry
from models.ledger.events import LedgerBatchEvents, record_command_events, transfer_parties
from models.ledger.plain import apply_plain_transfer
from models.ledger.results import CommandResult
from models.ledger.routing import internal_account_id
from models.ledger.state import Account, Hold, LedgerState, Overlay
from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, AccountType, RejectReason, TransferStatus, day_of
from models.ledger.view import DailyLimits, ShardView

_COMPLETED = TransferStatus.COMPLETED
_COMPLETED_TEXT = TransferStatus.COMPLETED.value  # rows carry plain text: the driver encodes a str subclass slower
_CHECKING, _SAVINGS = AccountType.CHECKING, AccountType.SAVINGS
assert frozenset({_CHECKING, _SAVINGS}) == CUSTOMER_ACCOUNT_TYPES
CREDIT_PENDING = "CREDIT_PENDING"
REFUND_PENDING = "REFUND_PENDING"


@dataclass
class DecidedBatch:
    """The outcome of deciding a batch, not yet committed."""

    overlay: Overlay
    write: BatchWrite
    results: list[CommandResult]
    sagas: list[tuple[int, CreditStep]] = field(default_factory=list)  # (command index, next step)
    new_holds: list[Hold] = field(default_factory=list)


def _conflict(command_id: uuid.UUID) -> CommandResult:
    return CommandResult(command_id, False, reason=RejectReason.DUPLICATE_ID_CONFLICT.value)


class BatchDecision:
    """Deciding one batch, a slice of its commands at a time (see Pipeline.launch for why)."""

    def __init__(
        self,
        state: LedgerState,
        parent: Overlay | None,
        shard: int,
        shard_count: int,
        batch: int,
        now_ms: int,
        commands: Sequence[Command],
        stored: dict[uuid.UUID, StoredResult],
        limits: DailyLimits | None = None,
    ) -> None:
        self.commands = commands
        self._shard = shard
        self._shard_count = shard_count
        self._stored = stored
        self._overlay = Overlay(state, parent)
        self._view = ShardView(self._overlay, shard, shard_count, now_ms, limits)
        self._day = day_of(now_ms)
        self._write = BatchWrite(batch=batch, events=LedgerBatchEvents(now_ms, shard, batch))
        self._decided = DecidedBatch(self._overlay, self._write, [])
        self._first_seen: dict[uuid.UUID, int] = {}
        self._last_posting: dict[uuid.UUID, int] = {}  # each account's last posting in the batch, by seq
        self._next = 0

    def decide(self, count: int) -> bool:
        """Decide the next `count` commands, in order; True while some are left."""
        shard, shard_count, overlay, write, decided = (
            self._shard, self._shard_count, self._overlay, self._write, self._decided
        )  # fmt: skip
        commands, stored, first_seen, results = self.commands, self._stored, self._first_seen, decided.results
        stop = min(len(commands), self._next + count)
        for index in range(self._next, stop):
            command = commands[index]
            key = command.transfer_id if type(command) is Transfer else idempotency_id(command)
            previous = stored.get(key) if stored else None  # only a retried batch has stored results
            if previous is not None:
                same = previous.body == body_of(command, shard, shard_count)
                results.append(previous.result if same else _conflict(key))
                continue
            first_index = first_seen.setdefault(key, index)
            if first_index != index:
                same = body_of(commands[first_index], shard, shard_count) == body_of(command, shard, shard_count)
                results.append(results[first_index] if same else _conflict(key))
                continue
            if type(command) is Transfer:
                applied = apply_plain_transfer(overlay, command, shard, shard_count, self._day, self._view.limits)
                if applied is not None:
                    results.append(self._record_plain(command, *applied))
                    continue
            hold = _hold_of(self._view, command)
            decision = decide(self._view, command)
            for entry in decision.entries:
                postings = apply_entry(overlay, entry)
                first_seq = len(write.postings)
                write.postings.extend(posting_rows(shard, write.batch, first_seq, entry, postings))
                for seq, posting in enumerate(postings, first_seq):
                    self._last_posting[posting.leg.account_id] = seq
                if entry.opened is not None:
                    opened = entry.opened
                    write.accounts.append(
                        (
                            entry.legs[0].account_id,
                            opened.number,
                            opened.customer_id,
                            opened.account_type.value,
                            opened.currency,
                            shard,
                        )
                    )
                if entry.hold_created is not None:
                    decided.new_holds.append(entry.hold_created)
            settlement = _settlement_id(shard, shard_count, command)
            record_command_events(write.events, command, decision, hold, settlement)
            decided.results.append(_record(write, shard, command, decision, hold, settlement))
            if decision.next_step is not None:
                decided.sagas.append((index, decision.next_step))
        self._next = stop
        return self._next < len(self.commands)

    def _record_plain(self, command: Transfer, debit: Account, credit: Account) -> CommandResult:
        """What _record and record_command_events write for a plain transfer, from its accounts after it."""
        write = self._write
        transfer_id, amount, currency = command.transfer_id, command.amount_minor, command.currency
        debit_id, credit_id = command.debit_account_id, command.credit_account_id
        debit_seq = len(write.postings)
        write.postings.extend(
            plain_transfer_rows(
                self._shard, write.batch, debit_seq, transfer_id, currency, amount,
                debit_id, debit, credit_id, credit,
            )
        )  # fmt: skip
        write.events.posted_transfer(debit_seq)
        last_posting = self._last_posting
        last_posting[debit_id] = debit_seq
        last_posting[credit_id] = debit_seq + 1
        write.new_transfers.append(
            transfer_row(transfer_id, self._shard, "TRANSFER", debit_id, credit_id, amount, currency, _COMPLETED_TEXT)
        )
        return CommandResult(transfer_id, True, _COMPLETED, None)

    def finish(self) -> DecidedBatch:
        """The decided batch, with the balance event of every customer account it changed: the
        position of its last posting (apply_entry and the plain path post every change)."""
        assert self._next == len(self.commands), "every command is decided before the batch is written"
        postings = self._write.postings
        assert not postings or postings[-1][SEQ_INDEX] == len(postings) - 1, "a posting's seq is its position"
        last_posting, posted_balance = self._last_posting, self._write.events.posted_balance
        for account_id, account in self._overlay.changed_accounts():
            if account.account_type is _CHECKING or account.account_type is _SAVINGS:  # CUSTOMER_ACCOUNT_TYPES
                posted_balance(last_posting[account_id])
        return self._decided


def body_of(command: Command, shard: int, shard_count: int) -> object:
    """What a retry must repeat to be the same command: a transfer's recorded fields (compared
    without hashing, on the hot path), or another command's fingerprint."""
    if isinstance(command, TRANSFER_COMMANDS):
        kind, debit, credit = transfer_parties(command, _settlement_id(shard, shard_count, command))
        return (kind, debit, credit, command.amount_minor, command.currency, command.metadata or None)
    return fingerprint(command)


def _hold_of(view: ShardView, command: Command) -> Hold | None:
    if isinstance(command, PostPending | VoidPending | ExpirePending):
        return view.hold(command.pending_id)
    return None


def _settlement_id(shard: int, shard_count: int, command: Command) -> uuid.UUID | None:
    if isinstance(command, Deposit | Withdrawal):
        return internal_account_id(shard, shard_count, AccountType.SETTLEMENT, command.currency)
    return None


def _record(
    write: BatchWrite,
    shard: int,
    command: Command,
    decision: Decision,
    hold: Hold | None,
    settlement: uuid.UUID | None,
) -> CommandResult:
    """Write the command's record rows; return its result."""
    reason: str | None = decision.reason
    if isinstance(command, TRANSFER_COMMANDS):
        assert decision.status is not None
        kind, debit, credit = transfer_parties(command, settlement)
        expires_at = hold_expiry(decision)
        saga_stage = CREDIT_PENDING if decision.next_step is not None else None
        metadata = json.dumps(command.metadata) if command.metadata else None
        write.new_transfers.append(
            transfer_row(
                command.transfer_id,
                shard,
                kind,
                debit,
                credit,
                command.amount_minor,
                command.currency,
                decision.status.value,
                reason,
                saga_stage,
                expires_at,
                metadata,
            )
        )
        return CommandResult(command.transfer_id, decision.accepted, decision.status, reason)
    result = CommandResult(
        command.command_id,
        decision.accepted,
        decision.status
        if isinstance(command, PostPending | VoidPending | ExpirePending | CreditStep | RefundStep)
        else None,
        reason,
        _opened_number(decision) if isinstance(command, OpenAccount) else None,
    )
    body = fingerprint(command)
    write.commands.append((command.command_id, shard, type(command).__name__, body, json.dumps(result.as_json())))
    update = _transfer_update(command, decision, hold)
    if update is not None:
        write.transfer_updates.append(update)
    return result


def transfer_row(
    transfer_id: uuid.UUID,
    shard: int,
    kind: str,
    debit_id: uuid.UUID,
    credit_id: uuid.UUID,
    amount_minor: int,
    currency: str,
    status: str,
    reason: str | None = None,
    saga_stage: str | None = None,
    expires_at_ms: int | None = None,
    metadata: str | None = None,
) -> tuple[Any, ...]:
    """A new transfer's record, in journal.TRANSFER_COLUMNS order (posted_minor: none yet)."""
    return (
        transfer_id, shard, kind, debit_id, credit_id, amount_minor, None, currency,
        status, reason, saga_stage, expires_at_ms, metadata,
    )  # fmt: skip


def hold_expiry(decision: Decision) -> int | None:
    for entry in decision.entries:
        if entry.hold_created is not None:
            return entry.hold_created.expires_at_ms
    return None


def _opened_number(decision: Decision) -> str | None:
    for entry in decision.entries:
        if entry.opened is not None:
            return entry.opened.number
    return None


def _transfer_update(command: Command, decision: Decision, hold: Hold | None) -> TransferUpdate | None:
    """How a non-transfer command changes a transfer's record (holds and saga steps)."""
    reason: str | None = decision.reason
    match command:
        case PostPending() if decision.accepted:
            assert hold is not None and decision.status is not None
            posted = hold.amount_minor if command.amount_minor is None else command.amount_minor
            stage = CREDIT_PENDING if decision.next_step is not None else None
            return TransferUpdate(hold.pending_id, decision.status.value, None, stage, posted)
        case VoidPending() | ExpirePending() if decision.accepted:
            assert hold is not None and decision.status is not None
            release = "voided" if decision.status is TransferStatus.VOIDED else "expired"
            return TransferUpdate(hold.pending_id, decision.status.value, release, None, None)
        case CreditStep():
            if decision.accepted:
                return TransferUpdate(command.transfer_id, TransferStatus.COMPLETED.value, None, None, None)
            return TransferUpdate(command.transfer_id, TransferStatus.PENDING.value, reason, REFUND_PENDING, None)
        case RefundStep():
            return TransferUpdate(command.transfer_id, TransferStatus.FAILED.value, command.reason, None, None)
        case (
            OpenAccount()
            | ChangeStatus()
            | SetOverdraft()
            | SetDailyLimit()
            | PostPending()
            | VoidPending()
            | ExpirePending()
        ):
            return None
        case Transfer() | Deposit() | Withdrawal():
            raise AssertionError("transfer-like commands are recorded as transfers")
    assert_never(command)

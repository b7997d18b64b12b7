"""The ledger's rules: each command is decided against the current state into journal
entries to write, or a rejection with a reason code. Pure functions: no I/O, no clock
(the time comes in through the view), no mutation (the caller applies the entries).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from models.ledger.commands import (
    MAX_PENDING_TIMEOUT_MS,
    MIN_PENDING_TIMEOUT_MS,
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
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.entries import EntryKind, JournalEntry, Leg, OpenedAccount
from models.ledger.numbers import make_account_number
from models.ledger.state import Account, Hold
from models.ledger.types import (
    CUSTOMER_ACCOUNT_TYPES,
    AccountStatus,
    AccountType,
    RejectReason,
    TransferStatus,
    day_of,
    derived_id,
)
from models.ledger.view import DailyLimits
from models.money import MAX_AMOUNT_MINOR, is_known_currency

INTERNAL_DEBIT_LIMIT_MINOR = MAX_AMOUNT_MINOR


class LedgerView(Protocol):
    """What a decision may look at: the shard's (uncommitted-overlay) state and facts about it."""

    shard_index: int
    now_ms: int
    limits: DailyLimits

    @property
    def account_sequence(self) -> int: ...
    def account(self, account_id: uuid.UUID) -> Account | None: ...
    def hold(self, pending_id: uuid.UUID) -> Hold | None: ...
    def is_local(self, account_id: uuid.UUID) -> bool: ...
    def internal_account_id(self, account_type: AccountType, currency: str) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class Decision:
    """Entries to journal (in order) and the outcome; `next_step` continues a cross-shard saga."""

    entries: tuple[JournalEntry, ...] = ()
    status: TransferStatus | None = None
    reason: RejectReason | None = None
    next_step: CreditStep | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


def _rejected(reason: RejectReason) -> Decision:
    return Decision(status=TransferStatus.FAILED, reason=reason)


class _Reject(Exception):  # noqa: N818 -- internal control flow, never escapes this module
    def __init__(self, reason: RejectReason) -> None:
        self.reason = reason


def decide(view: LedgerView, command: Command) -> Decision:
    """Decide any command. Rejections are values, never exceptions."""
    rule = _RULES[type(command)]
    try:
        return rule(view, command)
    except _Reject as rejection:
        return _rejected(rejection.reason)


# --- checks -----------------------------------------------------------------------------


def _check_amount(amount_minor: int, currency: str) -> None:
    if not is_known_currency(currency):
        raise _Reject(RejectReason.UNKNOWN_CURRENCY)
    if not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        raise _Reject(RejectReason.INVALID_AMOUNT)


def _existing(view: LedgerView, account_id: uuid.UUID) -> Account:
    account = view.account(account_id)
    if account is None:
        raise _Reject(RejectReason.UNKNOWN_ACCOUNT)
    return account


def _check_active(account: Account) -> None:
    if account.status is AccountStatus.FROZEN:
        raise _Reject(RejectReason.ACCOUNT_FROZEN)
    if account.status is AccountStatus.CLOSED:
        raise _Reject(RejectReason.ACCOUNT_CLOSED)


def _creditable(view: LedgerView, account_id: uuid.UUID, currency: str) -> Account:
    account = _existing(view, account_id)
    _check_active(account)
    if account.currency != currency:
        raise _Reject(RejectReason.CURRENCY_MISMATCH)
    return account


def _debitable(view: LedgerView, account_id: uuid.UUID, amount_minor: int, currency: str, counted: bool) -> int | None:
    """Refuse unless the account may send the amount now; the day the amount counts on against
    its daily limit (None: it does not count: an internal account, or the bank's own movement)."""
    account = _creditable(view, account_id, currency)
    if amount_minor > account.debit_limit_minor:
        raise _Reject(RejectReason.LIMIT_EXCEEDED)
    day = day_of(view.now_ms) if counted and account.is_customer else None
    if day is not None and account.counted_on(day) + amount_minor > view.limits.of(account):
        raise _Reject(RejectReason.DAILY_LIMIT_EXCEEDED)
    if account.is_customer and account.spendable_minor < amount_minor:
        raise _Reject(RejectReason.INSUFFICIENT_FUNDS)
    return day


def _counted_minor(amount_minor: int, day: int | None) -> int:
    return amount_minor if day is not None else 0


def _given_back_today(view: LedgerView, counted_day: int | None, amount_minor: int) -> tuple[int, int | None]:
    """(the count to give back, its day) when a movement counted on `counted_day` returns
    `amount_minor`: only a count of today is given back; an earlier day's is over."""
    today = day_of(view.now_ms)
    if counted_day != today or amount_minor == 0:
        return 0, None
    return amount_minor, today


def _internal(view: LedgerView, account_type: AccountType, currency: str) -> tuple[uuid.UUID, tuple[JournalEntry, ...]]:
    """The shard's internal account of that type and currency, opened by this decision if new."""
    account_id = view.internal_account_id(account_type, currency)
    if view.account(account_id) is not None:
        return account_id, ()
    sequence = view.account_sequence + 1
    opened = OpenedAccount(
        account_type=account_type,
        currency=currency,
        debit_limit_minor=INTERNAL_DEBIT_LIMIT_MINOR,
        number=make_account_number(view.shard_index, sequence),
        sequence=sequence,
        customer_id=None,
    )
    entry = JournalEntry(derived_id(account_id, "open"), EntryKind.OPEN, currency, (Leg(account_id),), opened=opened)
    return account_id, (entry,)


# --- decisions --------------------------------------------------------------------------


def _decide_open(view: LedgerView, command: OpenAccount) -> Decision:
    if command.account_type not in CUSTOMER_ACCOUNT_TYPES:
        raise _Reject(RejectReason.INTERNAL_ACCOUNT)
    if not is_known_currency(command.currency):
        raise _Reject(RejectReason.UNKNOWN_CURRENCY)
    if not 0 < command.debit_limit_minor <= MAX_AMOUNT_MINOR:
        raise _Reject(RejectReason.INVALID_AMOUNT)
    if view.account(command.account_id) is not None:
        raise _Reject(RejectReason.ACCOUNT_EXISTS)
    sequence = view.account_sequence + 1
    opened = OpenedAccount(
        account_type=command.account_type,
        currency=command.currency,
        debit_limit_minor=command.debit_limit_minor,
        number=make_account_number(view.shard_index, sequence),
        sequence=sequence,
        customer_id=command.customer_id,
    )
    entry = JournalEntry(
        command.command_id, EntryKind.OPEN, command.currency, (Leg(command.account_id),), opened=opened
    )
    return Decision(entries=(entry,))


def _decide_transfer(view: LedgerView, command: Transfer) -> Decision:
    amount, currency = command.amount_minor, command.currency
    _check_amount(amount, currency)
    if command.debit_account_id == command.credit_account_id:
        raise _Reject(RejectReason.SAME_ACCOUNT)
    assert view.is_local(command.debit_account_id), "a transfer is decided on its debit account's shard"
    day = _debitable(view, command.debit_account_id, amount, currency, command.counts_toward_daily_limit)
    credit_is_local = view.is_local(command.credit_account_id)
    opening: tuple[JournalEntry, ...] = ()
    if command.credit_account_id == view.internal_account_id(AccountType.SETTLEMENT, currency):
        # Paying out through the rails (a merchant payment, an outgoing external transfer):
        # the shard's settlement account receives it, opened on first use like a deposit's.
        _, opening = _internal(view, AccountType.SETTLEMENT, currency)
        if not opening:
            _creditable(view, command.credit_account_id, currency)
    elif credit_is_local:
        _creditable(view, command.credit_account_id, currency)
    if command.pending_timeout_ms is not None:
        held = _hold(view, command, day)
        return Decision(entries=(*opening, *held.entries), status=held.status)
    debit_leg = Leg(command.debit_account_id, -amount, counted_minor=_counted_minor(amount, day))
    if credit_is_local:
        legs = (debit_leg, Leg(command.credit_account_id, amount))
        entry = JournalEntry(
            command.transfer_id, EntryKind.TRANSFER, currency, legs, transfer_id=command.transfer_id, counted_day=day
        )
        return Decision(entries=(*opening, entry), status=TransferStatus.COMPLETED)
    clearing_id, opening = _internal(view, AccountType.CLEARING, currency)
    legs = (debit_leg, Leg(clearing_id, amount))
    entry = JournalEntry(
        command.transfer_id, EntryKind.SAGA_DEBIT, currency, legs, transfer_id=command.transfer_id, counted_day=day
    )
    step = CreditStep(command.transfer_id, command.debit_account_id, command.credit_account_id, amount, currency, day)
    return Decision(entries=(*opening, entry), status=TransferStatus.PENDING, next_step=step)


def _hold(view: LedgerView, command: Transfer, day: int | None) -> Decision:
    timeout_ms = command.pending_timeout_ms
    assert timeout_ms is not None
    if not MIN_PENDING_TIMEOUT_MS <= timeout_ms <= MAX_PENDING_TIMEOUT_MS:
        raise _Reject(RejectReason.INVALID_TIMEOUT)
    hold = Hold(
        pending_id=command.transfer_id,
        debit_account_id=command.debit_account_id,
        credit_account_id=command.credit_account_id,
        amount_minor=command.amount_minor,
        currency=command.currency,
        expires_at_ms=view.now_ms + timeout_ms,
        counted_day=day,
    )
    legs = (Leg(command.debit_account_id, 0, command.amount_minor, _counted_minor(command.amount_minor, day)),)
    entry = JournalEntry(
        command.transfer_id,
        EntryKind.HOLD,
        command.currency,
        legs,
        transfer_id=command.transfer_id,
        hold_created=hold,
        counted_day=day,
    )
    return Decision(entries=(entry,), status=TransferStatus.PENDING)


def _decide_settlement(view: LedgerView, command: Deposit | Withdrawal) -> Decision:
    amount, currency = command.amount_minor, command.currency
    _check_amount(amount, currency)
    assert view.is_local(command.account_id)
    day = None
    if isinstance(command, Deposit):
        _creditable(view, command.account_id, currency)
        kind, customer_delta = EntryKind.DEPOSIT, amount
    else:
        day = _debitable(view, command.account_id, amount, currency, command.counts_toward_daily_limit)
        kind, customer_delta = EntryKind.WITHDRAWAL, -amount
    settlement_id, opening = _internal(view, AccountType.SETTLEMENT, currency)
    legs = (
        Leg(command.account_id, customer_delta, counted_minor=_counted_minor(amount, day)),
        Leg(settlement_id, -customer_delta),
    )
    entry = JournalEntry(command.transfer_id, kind, currency, legs, transfer_id=command.transfer_id, counted_day=day)
    return Decision(entries=(*opening, entry), status=TransferStatus.COMPLETED)


def _pending_hold(view: LedgerView, pending_id: uuid.UUID) -> Hold:
    hold = view.hold(pending_id)
    if hold is None:
        raise _Reject(RejectReason.PENDING_NOT_FOUND)
    return hold


def _decide_post(view: LedgerView, command: PostPending) -> Decision:
    hold = _pending_hold(view, command.pending_id)
    if view.now_ms >= hold.expires_at_ms:
        raise _Reject(RejectReason.PENDING_EXPIRED)
    amount = hold.amount_minor if command.amount_minor is None else command.amount_minor
    if amount <= 0:
        raise _Reject(RejectReason.INVALID_AMOUNT)
    if amount > hold.amount_minor:
        raise _Reject(RejectReason.AMOUNT_EXCEEDS_PENDING)
    debit = _existing(view, hold.debit_account_id)
    _check_active(debit)
    currency = hold.currency
    # A capture for less gives the rest of the hold's count back (the hold counted in full).
    given_back, day = _given_back_today(view, hold.counted_day, hold.amount_minor - amount)
    debit_leg = Leg(hold.debit_account_id, -amount, -hold.amount_minor, -given_back)
    entry_id = derived_id(hold.pending_id, "post")
    if view.is_local(hold.credit_account_id):
        _creditable(view, hold.credit_account_id, currency)
        legs = (debit_leg, Leg(hold.credit_account_id, amount))
        entry = JournalEntry(
            entry_id,
            EntryKind.POST,
            currency,
            legs,
            transfer_id=hold.pending_id,
            hold_released=hold.pending_id,
            counted_day=day,
        )
        return Decision(entries=(entry,), status=TransferStatus.COMPLETED)
    clearing_id, opening = _internal(view, AccountType.CLEARING, currency)
    legs = (debit_leg, Leg(clearing_id, amount))
    entry = JournalEntry(
        entry_id,
        EntryKind.POST_DEBIT,
        currency,
        legs,
        transfer_id=hold.pending_id,
        hold_released=hold.pending_id,
        counted_day=day,
    )
    step = CreditStep(
        hold.pending_id, hold.debit_account_id, hold.credit_account_id, amount, currency, hold.counted_day
    )
    return Decision(entries=(*opening, entry), status=TransferStatus.PENDING, next_step=step)


def _decide_release(view: LedgerView, command: VoidPending | ExpirePending) -> Decision:
    hold = _pending_hold(view, command.pending_id)
    expiring = isinstance(command, ExpirePending)
    if expiring and view.now_ms < hold.expires_at_ms:
        raise _Reject(RejectReason.INVALID_STATUS)
    kind, status = (EntryKind.EXPIRE, TransferStatus.EXPIRED) if expiring else (EntryKind.VOID, TransferStatus.VOIDED)
    given_back, day = _given_back_today(view, hold.counted_day, hold.amount_minor)
    legs = (Leg(hold.debit_account_id, 0, -hold.amount_minor, -given_back),)
    entry = JournalEntry(
        derived_id(hold.pending_id, kind),
        kind,
        hold.currency,
        legs,
        transfer_id=hold.pending_id,
        hold_released=hold.pending_id,
        counted_day=day,
    )
    return Decision(entries=(entry,), status=status)


_STATUS_CHANGES = {
    StatusAction.FREEZE: (AccountStatus.ACTIVE, AccountStatus.FROZEN, EntryKind.FREEZE),
    StatusAction.UNFREEZE: (AccountStatus.FROZEN, AccountStatus.ACTIVE, EntryKind.UNFREEZE),
}


def _decide_status(view: LedgerView, command: ChangeStatus) -> Decision:
    account = _existing(view, command.account_id)
    if not account.is_customer:
        raise _Reject(RejectReason.INTERNAL_ACCOUNT)
    if account.status is AccountStatus.CLOSED:
        raise _Reject(RejectReason.ACCOUNT_CLOSED)
    if command.action is StatusAction.CLOSE:
        if account.balance_minor != 0 or account.held_minor != 0:
            raise _Reject(RejectReason.BALANCE_NOT_ZERO)
        after, kind = AccountStatus.CLOSED, EntryKind.CLOSE
    else:
        before, after, kind = _STATUS_CHANGES[command.action]

        if account.status is not before:
            raise _Reject(RejectReason.INVALID_STATUS)
    entry = JournalEntry(command.command_id, kind, account.currency, (Leg(command.account_id),), status_after=after)
    return Decision(entries=(entry,))


def _limit_settable(view: LedgerView, account_id: uuid.UUID, limit_minor: int) -> Account:
    """The customer account, not closed, whose limit or line may become `limit_minor`."""
    account = _existing(view, account_id)
    if not account.is_customer:
        raise _Reject(RejectReason.INTERNAL_ACCOUNT)
    if account.status is AccountStatus.CLOSED:
        raise _Reject(RejectReason.ACCOUNT_CLOSED)
    if not 0 <= limit_minor <= MAX_AMOUNT_MINOR:
        raise _Reject(RejectReason.INVALID_AMOUNT)
    return account


def _decide_overdraft(view: LedgerView, command: SetOverdraft) -> Decision:
    """A line may be raised at any time and lowered down to what the account owes now (its
    balance below zero, and what it holds beyond its balance), never below."""
    account = _limit_settable(view, command.account_id, command.overdraft_limit_minor)
    if account.available_minor + command.overdraft_limit_minor < 0:
        raise _Reject(RejectReason.OVERDRAFT_IN_USE)
    entry = JournalEntry(
        command.command_id,
        EntryKind.OVERDRAFT,
        account.currency,
        (Leg(command.account_id),),
        overdraft_after_minor=command.overdraft_limit_minor,
    )
    return Decision(entries=(entry,))


def _decide_daily_limit(view: LedgerView, command: SetDailyLimit) -> Decision:
    account = _limit_settable(view, command.account_id, command.daily_limit_minor)
    entry = JournalEntry(
        command.command_id,
        EntryKind.DAILY_LIMIT,
        account.currency,
        (Leg(command.account_id),),
        daily_limit_after_minor=command.daily_limit_minor,
    )
    return Decision(entries=(entry,))


def _decide_credit_step(view: LedgerView, command: CreditStep) -> Decision:
    """The destination refuses (so the source is refunded) if it cannot take the money now."""
    _creditable(view, command.credit_account_id, command.currency)
    clearing_id, opening = _internal(view, AccountType.CLEARING, command.currency)
    legs = (Leg(clearing_id, -command.amount_minor), Leg(command.credit_account_id, command.amount_minor))
    entry = JournalEntry(
        command.command_id, EntryKind.SAGA_CREDIT, command.currency, legs, transfer_id=command.transfer_id
    )
    return Decision(entries=(*opening, entry), status=TransferStatus.COMPLETED)


def _decide_refund_step(view: LedgerView, command: RefundStep) -> Decision:
    """Compensation always succeeds: the money goes back whatever the source's status now, and
    with it, on the day it counted, the room it took under the daily limit."""
    _existing(view, command.debit_account_id)
    clearing_id, opening = _internal(view, AccountType.CLEARING, command.currency)
    given_back, day = _given_back_today(view, command.counted_day, command.amount_minor)
    legs = (
        Leg(clearing_id, -command.amount_minor),
        Leg(command.debit_account_id, command.amount_minor, counted_minor=-given_back),
    )
    entry = JournalEntry(
        command.command_id,
        EntryKind.SAGA_REFUND,
        command.currency,
        legs,
        transfer_id=command.transfer_id,
        counted_day=day,
    )
    return Decision(entries=(*opening, entry), status=TransferStatus.FAILED)


_RULES: dict[type, Callable[[LedgerView, Any], Decision]] = {
    Transfer: _decide_transfer,
    Deposit: _decide_settlement,
    Withdrawal: _decide_settlement,
    OpenAccount: _decide_open,
    PostPending: _decide_post,
    VoidPending: _decide_release,
    ExpirePending: _decide_release,
    ChangeStatus: _decide_status,
    SetOverdraft: _decide_overdraft,
    SetDailyLimit: _decide_daily_limit,
    CreditStep: _decide_credit_step,
    RefundStep: _decide_refund_step,
}

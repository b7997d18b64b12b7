"""Journal entries and how they change state.

An entry is the unit of the journal: it touches one or more accounts (its legs), moves
money between them so that the amounts sum to zero, and may open an account, change its
status, its overdraft line or its daily limit, count against that limit, or create or
release a hold. `apply_entry` is the only code that changes ledger state, used alike for
live batches and for replaying the journal after a restart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from models.ledger.state import Account, Hold
from models.ledger.types import AccountStatus, AccountType


class EntryKind(StrEnum):
    OPEN = "OPEN"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    TRANSFER = "TRANSFER"  # both accounts on one shard: one atomic entry
    SAGA_DEBIT = "SAGA_DEBIT"  # cross-shard step 1: source → this shard's clearing account
    SAGA_CREDIT = "SAGA_CREDIT"  # cross-shard step 2: that shard's clearing → destination
    SAGA_REFUND = "SAGA_REFUND"  # compensation: clearing → source, when the destination refused
    HOLD = "HOLD"  # a pending transfer reserves funds
    POST = "POST"  # a pending transfer is posted (both accounts here)
    POST_DEBIT = "POST_DEBIT"  # a pending transfer is posted, destination on another shard
    VOID = "VOID"
    EXPIRE = "EXPIRE"
    FREEZE = "FREEZE"
    UNFREEZE = "UNFREEZE"
    CLOSE = "CLOSE"
    OVERDRAFT = "OVERDRAFT"  # the account's overdraft line changes (no money moves)
    DAILY_LIMIT = "DAILY_LIMIT"  # the account's daily outgoing limit changes (no money moves)


@dataclass(frozen=True, slots=True)
class Leg:
    account_id: uuid.UUID
    amount_minor: int = 0  # signed change of the balance
    hold_delta_minor: int = 0  # signed change of the amount held
    counted_minor: int = 0  # signed change of what counts against the daily limit on the entry's day


@dataclass(frozen=True, slots=True)
class OpenedAccount:
    account_type: AccountType
    currency: str
    debit_limit_minor: int
    number: str
    sequence: int
    customer_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    entry_id: uuid.UUID
    kind: EntryKind
    currency: str
    legs: tuple[Leg, ...]
    transfer_id: uuid.UUID | None = None
    opened: OpenedAccount | None = None
    status_after: AccountStatus | None = None
    hold_created: Hold | None = None
    hold_released: uuid.UUID | None = None
    overdraft_after_minor: int | None = None
    daily_limit_after_minor: int | None = None
    counted_day: int | None = None  # the day its legs' counted_minor count on (set when one does)

    def __post_init__(self) -> None:
        legs = self.legs
        if len(legs) == 2:  # nearly every entry: checked without building generators and sets
            first, second = legs
            assert first.amount_minor + second.amount_minor == 0, f"entry {self.entry_id} does not balance"
            assert first.account_id != second.account_id, "one leg per account"
        else:
            assert legs, "an entry touches at least one account"
            assert sum(leg.amount_minor for leg in legs) == 0, f"entry {self.entry_id} does not balance"
            assert len({leg.account_id for leg in legs}) == len(legs), "one leg per account"
        assert (self.opened is not None) == (self.kind is EntryKind.OPEN)
        assert (self.status_after is not None) == (self.kind in _STATUS_KINDS)
        assert (self.overdraft_after_minor is not None) == (self.kind is EntryKind.OVERDRAFT)
        assert (self.daily_limit_after_minor is not None) == (self.kind is EntryKind.DAILY_LIMIT)
        assert (self.counted_day is not None) == any(leg.counted_minor for leg in legs), "a count has its day"


_STATUS_KINDS = frozenset({EntryKind.FREEZE, EntryKind.UNFREEZE, EntryKind.CLOSE})


class MutableLedger(Protocol):
    """What apply_entry needs: implemented by LedgerState and Overlay."""

    def account(self, account_id: uuid.UUID) -> Account | None: ...
    def account_for_update(self, account_id: uuid.UUID) -> Account: ...
    def add_account(self, account_id: uuid.UUID, account: Account) -> None: ...
    def add_hold(self, hold: Hold) -> None: ...
    def remove_hold(self, pending_id: uuid.UUID) -> None: ...
    def bump_sequence(self, sequence: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg as it lands in the journal, with the account's state right after it."""

    leg: Leg
    account_version: int
    balance_after_minor: int
    held_after_minor: int


def apply_entry(ledger: MutableLedger, entry: JournalEntry) -> list[Posting]:
    """Apply an entry to the ledger; return its postings. Invariants are asserted, not assumed."""
    if entry.opened is not None:
        opened = entry.opened
        ledger.add_account(
            entry.legs[0].account_id,
            Account(opened.account_type, opened.currency, opened.debit_limit_minor),
        )
        ledger.bump_sequence(opened.sequence)
    postings = []
    for leg in entry.legs:
        account = ledger.account_for_update(leg.account_id)
        assert account.currency == entry.currency, "a leg moves the account's own currency"
        account.balance_minor += leg.amount_minor
        account.held_minor += leg.hold_delta_minor
        account.version += 1
        if entry.status_after is not None:
            account.status = entry.status_after
        if entry.overdraft_after_minor is not None:
            account.overdraft_limit_minor = entry.overdraft_after_minor
        if entry.daily_limit_after_minor is not None:
            account.daily_limit_minor = entry.daily_limit_after_minor
        if leg.counted_minor:
            _count(account, leg.counted_minor, entry.counted_day)
        account.check_invariants()
        postings.append(Posting(leg, account.version, account.balance_minor, account.held_minor))
    if entry.hold_created is not None:
        ledger.add_hold(entry.hold_created)
    if entry.hold_released is not None:
        ledger.remove_hold(entry.hold_released)
    return postings


def _count(account: Account, counted_minor: int, day: int | None) -> None:
    """Add to the account's count of `day`: a movement out counts on its day, starting that day
    from zero; a give-back (negative) is only ever made on the day it gives back to."""
    assert day is not None
    if account.counted_day != day:
        assert counted_minor > 0 and day > account.counted_day, "days only grow, and a new one starts with a movement"
        account.counted_day, account.counted_minor = day, 0
    account.counted_minor += counted_minor

"""The state a shard keeps in memory: accounts and pending holds, and a copy-on-write overlay.

A batch is decided against an `Overlay`; only once its journal rows are committed does
the overlay merge into the `LedgerState`, so a failed commit leaves memory untouched and
no read ever sees uncommitted state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, AccountStatus, AccountType


@dataclass(slots=True)
class Account:
    """What the ledger needs of an account to decide; descriptive data lives in the database."""

    account_type: AccountType
    currency: str
    debit_limit_minor: int
    status: AccountStatus = AccountStatus.ACTIVE
    balance_minor: int = 0
    held_minor: int = 0
    version: int = 0
    # How far below zero the bank lets this account go (a credit line an admin sets; 0: none).
    overdraft_limit_minor: int = 0
    # How much may leave the account per UTC day: set by an admin, else (None) the bank's default.
    daily_limit_minor: int | None = None
    # What left (or is held to leave) on `counted_day`; a movement on a later day starts from 0.
    counted_day: int = 0
    counted_minor: int = 0

    def counted_on(self, day: int) -> int:
        """What counts against the daily limit on `day` so far."""
        return self.counted_minor if self.counted_day == day else 0

    @property
    def available_minor(self) -> int:
        return self.balance_minor - self.held_minor

    @property
    def spendable_minor(self) -> int:
        """What a movement may take: the available balance and the overdraft line beyond it."""
        return self.balance_minor - self.held_minor + self.overdraft_limit_minor

    @property
    def is_customer(self) -> bool:
        return self.account_type in CUSTOMER_ACCOUNT_TYPES

    def copy(self) -> Account:
        # Field by field: copy.copy of a slots dataclass goes through __reduce_ex__, several
        # times slower, and an overlay copies every account a batch touches.
        return Account(
            self.account_type,
            self.currency,
            self.debit_limit_minor,
            self.status,
            self.balance_minor,
            self.held_minor,
            self.version,
            self.overdraft_limit_minor,
            self.daily_limit_minor,
            self.counted_day,
            self.counted_minor,
        )

    def check_invariants(self) -> None:
        assert self.held_minor >= 0, "holds never go negative"
        assert self.overdraft_limit_minor >= 0, "an overdraft line is never negative"
        assert self.counted_minor >= 0, "a day's outgoing count never goes negative"
        assert self.daily_limit_minor is None or self.daily_limit_minor >= 0, "a daily limit is never negative"
        if self.is_customer:
            assert self.balance_minor >= -self.overdraft_limit_minor, "never below zero by more than its overdraft line"
            assert self.spendable_minor >= 0, "never holds more than it has and may borrow"
        else:
            assert self.overdraft_limit_minor == 0, "internal accounts have no overdraft line"
            assert self.counted_minor == 0, "internal accounts have no daily limit"


@dataclass(frozen=True, slots=True)
class Hold:
    """A pending (two-phase) transfer's reservation on its debit account."""

    pending_id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    expires_at_ms: int
    # The day the hold's amount was counted against its account's daily limit (None: not counted).
    counted_day: int | None = None


@dataclass
class LedgerState:
    """A shard's committed state."""

    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    holds: dict[uuid.UUID, Hold] = field(default_factory=dict)
    account_sequence: int = 0  # accounts opened on this shard so far: the next number's sequence

    def account(self, account_id: uuid.UUID) -> Account | None:
        return self.accounts.get(account_id)

    def account_for_update(self, account_id: uuid.UUID) -> Account:
        return self.accounts[account_id]

    def add_account(self, account_id: uuid.UUID, account: Account) -> None:
        assert account_id not in self.accounts, account_id
        self.accounts[account_id] = account

    def hold(self, pending_id: uuid.UUID) -> Hold | None:
        return self.holds.get(pending_id)

    def add_hold(self, hold: Hold) -> None:
        assert hold.pending_id not in self.holds, hold.pending_id
        self.holds[hold.pending_id] = hold

    def remove_hold(self, pending_id: uuid.UUID) -> None:
        del self.holds[pending_id]

    def bump_sequence(self, sequence: int) -> None:
        assert sequence > self.account_sequence, "account sequences only grow"
        self.account_sequence = sequence


class Overlay:
    """Uncommitted changes with the same interface as LedgerState.

    An overlay reads through its parent: the committed state, or the overlay of the batch
    before it when batches are pipelined (the next batch is decided while the previous one
    is being written). Overlays merge into the committed state in the order of their
    batches, each only once its batch is committed.
    """

    def __init__(self, root: LedgerState, parent: Overlay | None = None) -> None:
        self._root = root
        self._parent = parent
        self._accounts: dict[uuid.UUID, Account] = {}
        self._holds_added: dict[uuid.UUID, Hold] = {}
        self._holds_removed: set[uuid.UUID] = set()
        self._account_sequence = parent.account_sequence if parent is not None else root.account_sequence

    @property
    def account_sequence(self) -> int:
        return self._account_sequence

    def account(self, account_id: uuid.UUID) -> Account | None:
        changed = self._accounts.get(account_id)
        if changed is not None:
            return changed
        if self._parent is not None:
            return self._parent.account(account_id)
        return self._root.accounts.get(account_id)

    def account_for_update(self, account_id: uuid.UUID) -> Account:
        changed = self._accounts.get(account_id)
        if changed is None:
            current = self.account(account_id)
            assert current is not None, account_id
            changed = current.copy()
            self._accounts[account_id] = changed
        return changed

    def add_account(self, account_id: uuid.UUID, account: Account) -> None:
        assert self.account(account_id) is None, account_id
        self._accounts[account_id] = account

    def hold(self, pending_id: uuid.UUID) -> Hold | None:
        if pending_id in self._holds_removed:
            return None
        added = self._holds_added.get(pending_id)
        if added is not None:
            return added
        if self._parent is not None:
            return self._parent.hold(pending_id)
        return self._root.holds.get(pending_id)

    def add_hold(self, hold: Hold) -> None:
        assert self.hold(hold.pending_id) is None, hold.pending_id
        self._holds_removed.discard(hold.pending_id)
        self._holds_added[hold.pending_id] = hold

    def remove_hold(self, pending_id: uuid.UUID) -> None:
        assert self.hold(pending_id) is not None, pending_id
        if self._holds_added.pop(pending_id, None) is None:
            self._holds_removed.add(pending_id)

    def bump_sequence(self, sequence: int) -> None:
        assert sequence > self._account_sequence, "account sequences only grow"
        self._account_sequence = sequence

    def changed_account_ids(self) -> list[uuid.UUID]:
        return list(self._accounts)

    def changed_accounts(self) -> list[tuple[uuid.UUID, Account]]:
        """Every account this overlay changed, as it is now (one pass: a batch changes thousands)."""
        return list(self._accounts.items())

    def merge(self) -> None:
        """Make the overlay's changes committed state (after its batch's journal commit)."""
        root = self._root
        for account_id, account in self._accounts.items():
            previous = root.accounts.get(account_id)
            assert previous is None or account.version > previous.version, "versions only grow"
            root.accounts[account_id] = account
        for pending_id in self._holds_removed:
            del root.holds[pending_id]
        root.holds.update(self._holds_added)
        assert self._account_sequence >= root.account_sequence, "account sequences only grow"
        root.account_sequence = self._account_sequence
        self._parent = None  # everything it showed is in the root now

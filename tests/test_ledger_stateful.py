"""A hypothesis state machine drives random commands through the ledger model and a plain
dict reference model side by side, checking the invariants after every step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from models.ledger.commands import (
    ChangeStatus,
    Command,
    Deposit,
    ExpirePending,
    OpenAccount,
    PostPending,
    SetOverdraft,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.decide import Decision
from models.ledger.routing import shard_of
from models.ledger.types import AccountStatus, AccountType, RejectReason
from tests.ledger_sim import SimLedger

HOLD_TIMEOUT_MS = 10_000
CURRENCIES = ("USD", "EUR")


@dataclass
class RefAccount:
    currency: str
    status: str = "ACTIVE"
    balance: int = 0
    held: int = 0
    overdraft: int = 0


@dataclass
class RefHold:
    debit: uuid.UUID
    credit: uuid.UUID
    amount: int
    currency: str
    expires_at: int


class LedgerMachine(RuleBasedStateMachine):
    shard_count = 3
    accounts = Bundle("accounts")
    pendings = Bundle("pendings")

    def __init__(self) -> None:
        super().__init__()
        self.ledger = SimLedger(shard_count=self.shard_count)
        self.ref: dict[uuid.UUID, RefAccount] = {}
        self.holds: dict[uuid.UUID, RefHold] = {}
        self._next_id = 0

    def _new_id(self) -> uuid.UUID:
        """Deterministic ids: which shard an account lands on must not vary between runs."""
        self._next_id += 1
        return uuid.uuid5(uuid.NAMESPACE_OID, str(self._next_id))

    # --- the reference model's rules ---------------------------------------------------

    def _reject_debit(self, account_id: uuid.UUID, amount: int, currency: str) -> RejectReason | None:
        return self._reject_credit(account_id, currency) or (
            RejectReason.INSUFFICIENT_FUNDS
            if self.ref[account_id].balance - self.ref[account_id].held + self.ref[account_id].overdraft < amount
            else None
        )

    def _reject_credit(self, account_id: uuid.UUID, currency: str) -> RejectReason | None:
        account = self.ref.get(account_id)
        if account is None:
            return RejectReason.UNKNOWN_ACCOUNT
        if account.status == "FROZEN":
            return RejectReason.ACCOUNT_FROZEN
        if account.status == "CLOSED":
            return RejectReason.ACCOUNT_CLOSED
        if account.currency != currency:
            return RejectReason.CURRENCY_MISMATCH
        return None

    def _local(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        return shard_of(a, self.shard_count) == shard_of(b, self.shard_count)

    def _run(self, command: Command, expected: RejectReason | None) -> Decision:
        decision = self.ledger.execute(command)
        assert decision.reason == expected, (command, decision, expected)
        return decision

    # --- rules -------------------------------------------------------------------------

    @rule(target=accounts, currency=st.sampled_from(CURRENCIES))
    def open_account(self, currency: str) -> uuid.UUID:
        account_id = self._new_id()
        self._run(OpenAccount(self._new_id(), account_id, AccountType.CHECKING, currency), None)
        self.ref[account_id] = RefAccount(currency)
        return account_id

    @rule(account=accounts, amount=st.integers(1, 5_000))
    def deposit(self, account: uuid.UUID, amount: int) -> None:
        currency = self.ref[account].currency
        expected = self._reject_credit(account, currency)
        self._run(Deposit(self._new_id(), account, amount, currency), expected)
        if expected is None:
            self.ref[account].balance += amount

    @rule(account=accounts, amount=st.integers(1, 5_000))
    def withdraw(self, account: uuid.UUID, amount: int) -> None:
        currency = self.ref[account].currency
        expected = self._reject_debit(account, amount, currency)
        self._run(Withdrawal(self._new_id(), account, amount, currency), expected)
        if expected is None:
            self.ref[account].balance -= amount

    @rule(source=accounts, destination=accounts, amount=st.integers(1, 3_000))
    def transfer(self, source: uuid.UUID, destination: uuid.UUID, amount: int) -> None:
        currency = self.ref[source].currency
        if source == destination:
            expected: RejectReason | None = RejectReason.SAME_ACCOUNT
        else:
            expected = self._reject_debit(source, amount, currency) or self._reject_credit(destination, currency)
        self._run(Transfer(self._new_id(), source, destination, amount, currency), expected)
        if expected is None:
            self.ref[source].balance -= amount
            self.ref[destination].balance += amount

    @rule(target=pendings, source=accounts, destination=accounts, amount=st.integers(1, 3_000))
    def hold(self, source: uuid.UUID, destination: uuid.UUID, amount: int) -> uuid.UUID:
        currency = self.ref[source].currency
        pending_id = self._new_id()
        if source == destination:
            expected: RejectReason | None = RejectReason.SAME_ACCOUNT
        else:
            expected = self._reject_debit(source, amount, currency)
            if expected is None and self._local(source, destination):
                expected = self._reject_credit(destination, currency)
        timeout = HOLD_TIMEOUT_MS
        self._run(Transfer(pending_id, source, destination, amount, currency, pending_timeout_ms=timeout), expected)
        if expected is None:
            self.ref[source].held += amount
            self.holds[pending_id] = RefHold(source, destination, amount, currency, self.ledger.now_ms + timeout)
        return pending_id

    def _hold_rejection(self, pending_id: uuid.UUID) -> RejectReason | None:
        hold = self.holds.get(pending_id)
        if hold is None:
            return RejectReason.PENDING_NOT_FOUND
        return None

    @rule(pending_id=consumes(pendings), fraction=st.sampled_from([None, 1, 2, 3]))
    def post(self, pending_id: uuid.UUID, fraction: int | None) -> None:
        hold = self.holds.get(pending_id)
        if hold is None:
            self._run(PostPending(self._new_id(), pending_id, self._new_id()), RejectReason.PENDING_NOT_FOUND)
            return
        amount = None if fraction is None else max(1, hold.amount // fraction)
        posted = hold.amount if amount is None else amount
        source = self.ref[hold.debit]
        upfront: RejectReason | None = None
        if self.ledger.now_ms >= hold.expires_at:
            upfront = RejectReason.PENDING_EXPIRED
        elif source.status == "FROZEN":
            upfront = RejectReason.ACCOUNT_FROZEN
        elif source.status == "CLOSED":
            upfront = RejectReason.ACCOUNT_CLOSED
        refused = self._reject_credit(hold.credit, hold.currency) if upfront is None else None
        if refused is not None and self._local(hold.debit, hold.credit):
            upfront, refused = refused, None
        decision = self.ledger.execute(PostPending(self._new_id(), pending_id, hold.debit, amount))
        assert decision.reason == (upfront or refused), (decision, upfront, refused)
        if upfront is not None:
            return  # rejected before anything moved: the hold stands
        del self.holds[pending_id]
        source.held -= hold.amount
        if refused is None:
            source.balance -= posted
            self.ref[hold.credit].balance += posted
        # else: the remote destination refused after the hold was consumed; the source was refunded

    @rule(pending_id=consumes(pendings))
    def void(self, pending_id: uuid.UUID) -> None:
        hold = self.holds.pop(pending_id, None)
        debit = hold.debit if hold else self._new_id()
        self._run(VoidPending(self._new_id(), pending_id, debit), None if hold else RejectReason.PENDING_NOT_FOUND)
        if hold is not None:
            self.ref[hold.debit].held -= hold.amount

    @rule(milliseconds=st.integers(1, 2 * HOLD_TIMEOUT_MS))
    def time_passes(self, milliseconds: int) -> None:
        self.ledger.now_ms += milliseconds
        for pending_id, hold in list(self.holds.items()):
            if self.ledger.now_ms >= hold.expires_at:
                self._run(ExpirePending(pending_id, hold.debit), None)
                self.ref[hold.debit].held -= hold.amount
                del self.holds[pending_id]

    @rule(account=accounts, action=st.sampled_from(list(StatusAction)))
    def change_status(self, account: uuid.UUID, action: StatusAction) -> None:
        ref = self.ref[account]
        expected: RejectReason | None = None
        if ref.status == "CLOSED":
            expected = RejectReason.ACCOUNT_CLOSED
        elif action is StatusAction.CLOSE:
            expected = RejectReason.BALANCE_NOT_ZERO if ref.balance or ref.held else None
        elif (action is StatusAction.FREEZE) != (ref.status == "ACTIVE"):
            expected = RejectReason.INVALID_STATUS
        self._run(ChangeStatus(self._new_id(), account, action), expected)
        if expected is None:
            ref.status = {StatusAction.FREEZE: "FROZEN", StatusAction.UNFREEZE: "ACTIVE", StatusAction.CLOSE: "CLOSED"}[
                action
            ]

    @rule(account=accounts, line=st.integers(0, 4_000))
    def set_overdraft(self, account: uuid.UUID, line: int) -> None:
        ref = self.ref[account]
        expected: RejectReason | None = None
        if ref.status == "CLOSED":
            expected = RejectReason.ACCOUNT_CLOSED
        elif ref.balance - ref.held + line < 0:
            expected = RejectReason.OVERDRAFT_IN_USE
        self._run(SetOverdraft(self._new_id(), account, line), expected)
        if expected is None:
            ref.overdraft = line

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def balances_sum_to_zero_per_currency(self) -> None:
        totals: dict[str, int] = {}
        for account in self.ledger.all_accounts().values():
            totals[account.currency] = totals.get(account.currency, 0) + account.balance_minor
        assert all(total == 0 for total in totals.values()), totals

    @invariant()
    def customers_match_the_reference_and_never_pass_their_overdraft_line(self) -> None:
        for account_id, ref in self.ref.items():
            account = self.ledger.account(account_id)
            assert account is not None
            assert (account.balance_minor, account.held_minor, account.status, account.overdraft_limit_minor) == (
                ref.balance,
                ref.held,
                AccountStatus(ref.status),
                ref.overdraft,
            ), account_id
            assert account.balance_minor >= -account.overdraft_limit_minor and account.spendable_minor >= 0

    @invariant()
    def versions_count_the_entries_touching_each_account(self) -> None:
        touched: dict[uuid.UUID, int] = {}
        for shard in self.ledger.shards:
            for entry, postings in shard.journal:
                assert sum(leg.amount_minor for leg in entry.legs) == 0
                for posting in postings:
                    touched[posting.leg.account_id] = touched.get(posting.leg.account_id, 0) + 1
        for account_id, account in self.ledger.all_accounts().items():
            assert account.version == touched.get(account_id, 0)


class SingleShardMachine(LedgerMachine):
    shard_count = 1


TestLedgerThreeShards = LedgerMachine.TestCase
TestLedgerThreeShards.settings = hypothesis_settings(max_examples=60, stateful_step_count=40, deadline=None)
TestLedgerOneShard = SingleShardMachine.TestCase
TestLedgerOneShard.settings = hypothesis_settings(max_examples=30, stateful_step_count=40, deadline=None)

"""The overdraft line: part of the ledger's state, decided in the account's turn like any movement."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.ledger.codec import POSTING_COLUMNS, entry_from_rows, posting_rows
from models.ledger.commands import ChangeStatus, Deposit, OpenAccount, SetOverdraft, StatusAction, Transfer, Withdrawal
from models.ledger.entries import EntryKind, apply_entry
from models.ledger.state import LedgerState, Overlay
from models.ledger.types import AccountType, RejectReason, TransferStatus
from tests.ledger_sim import SimLedger


def _open(ledger: SimLedger) -> uuid.UUID:
    account_id = uuid.uuid4()
    assert ledger.execute(
        OpenAccount(uuid.uuid4(), account_id, AccountType.CHECKING, "USD", customer_id=uuid.uuid4())
    ).accepted
    return account_id


def _balance(ledger: SimLedger, account_id: uuid.UUID) -> int:
    account = ledger.account(account_id)
    assert account is not None
    return account.balance_minor


@pytest.fixture(params=[1, 3], ids=["one-shard", "three-shards"])
def ledger(request: pytest.FixtureRequest) -> SimLedger:
    return SimLedger(shard_count=request.param)


def test_an_account_may_go_below_zero_by_its_line_and_no_further(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(Deposit(uuid.uuid4(), alice, 1_000, "USD")).accepted
    refused = ledger.execute(Transfer(uuid.uuid4(), alice, bob, 1_500, "USD"))
    assert refused.reason is RejectReason.INSUFFICIENT_FUNDS
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 500)).accepted
    assert ledger.execute(Transfer(uuid.uuid4(), alice, bob, 1_500, "USD")).status is TransferStatus.COMPLETED
    assert _balance(ledger, alice) == -500
    assert ledger.execute(Withdrawal(uuid.uuid4(), alice, 1, "USD")).reason is RejectReason.INSUFFICIENT_FUNDS
    assert ledger.execute(Deposit(uuid.uuid4(), alice, 200, "USD")).accepted
    assert ledger.execute(Withdrawal(uuid.uuid4(), alice, 200, "USD")).accepted
    assert _balance(ledger, alice) == -500


def test_a_line_cannot_be_lowered_below_what_the_account_owes(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 1_000)).accepted
    assert ledger.execute(Transfer(uuid.uuid4(), alice, bob, 600, "USD")).accepted
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 599)).reason is RejectReason.OVERDRAFT_IN_USE
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 600)).accepted
    # what a hold reserves counts as owed too
    assert ledger.execute(Deposit(uuid.uuid4(), alice, 600, "USD")).accepted
    assert ledger.execute(Transfer(uuid.uuid4(), alice, bob, 300, "USD", pending_timeout_ms=60_000)).accepted
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 299)).reason is RejectReason.OVERDRAFT_IN_USE
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 300)).accepted


def test_an_overdrawn_account_cannot_close_and_internal_accounts_get_no_line(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, 100)).accepted
    assert ledger.execute(Transfer(uuid.uuid4(), alice, bob, 100, "USD")).accepted
    closing = ledger.execute(ChangeStatus(uuid.uuid4(), alice, StatusAction.CLOSE))
    assert closing.reason is RejectReason.BALANCE_NOT_ZERO
    unknown = ledger.execute(SetOverdraft(uuid.uuid4(), uuid.uuid4(), 100))
    assert unknown.reason is RejectReason.UNKNOWN_ACCOUNT


def test_a_negative_line_is_not_a_command() -> None:
    with pytest.raises(ValueError, match="not negative"):
        SetOverdraft(uuid.uuid4(), uuid.uuid4(), -1)


def test_the_line_survives_the_journal() -> None:
    """The entry the shard journals rebuilds, on replay, the state it left."""
    ledger = SimLedger(shard_count=1)
    alice = _open(ledger)
    decision = ledger.execute(SetOverdraft(uuid.uuid4(), alice, 750))
    (entry,) = decision.entries
    assert entry.kind is EntryKind.OVERDRAFT and entry.overdraft_after_minor == 750
    state = LedgerState(account_sequence=1)
    account = ledger.account(alice)
    assert account is not None
    state.accounts[alice] = account.copy()
    state.accounts[alice].overdraft_limit_minor = 0
    overlay = Overlay(state)
    postings = apply_entry(overlay, entry)
    rows = [dict(zip(POSTING_COLUMNS, row, strict=True)) for row in posting_rows(0, 1, 0, entry, postings)]
    assert entry_from_rows(rows) == entry
    replayed = overlay.account(alice)
    assert replayed is not None and replayed.overdraft_limit_minor == 750


@settings(max_examples=150, deadline=None)
@given(
    line=st.integers(0, 5_000),
    deposits=st.lists(st.integers(1, 2_000), max_size=4),
    spends=st.lists(st.integers(1, 3_000), min_size=1, max_size=12),
    lowered=st.lists(st.integers(0, 5_000), max_size=4),
)
def test_no_order_of_movements_and_line_changes_takes_an_account_past_its_line(
    line: int, deposits: list[int], spends: list[int], lowered: list[int]
) -> None:
    ledger = SimLedger(shard_count=2)
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(SetOverdraft(uuid.uuid4(), alice, line)).accepted
    for amount in deposits:
        assert ledger.execute(Deposit(uuid.uuid4(), alice, amount, "USD")).accepted
    changes = list(lowered)
    for amount in spends:
        ledger.execute(Transfer(uuid.uuid4(), alice, bob, amount, "USD"))
        if changes:
            ledger.execute(SetOverdraft(uuid.uuid4(), alice, changes.pop()))
        account = ledger.account(alice)
        assert account is not None
        assert account.balance_minor >= -account.overdraft_limit_minor
    assert sum(a.balance_minor for a in ledger.all_accounts().values()) == 0

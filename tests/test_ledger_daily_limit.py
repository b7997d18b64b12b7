"""The daily outgoing limit: part of the ledger's state, counted and checked in the account's
turn with its funds, given back by whatever ends a movement without its money leaving, and
rebuilt exactly by a replay of the journal."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.ledger.codec import POSTING_COLUMNS, entry_from_rows, posting_rows
from models.ledger.commands import (
    ChangeStatus,
    CreditStep,
    Deposit,
    ExpirePending,
    OpenAccount,
    PostPending,
    SetDailyLimit,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
    fingerprint,
)
from models.ledger.entries import apply_entry
from models.ledger.routing import shard_of
from models.ledger.state import Account, LedgerState
from models.ledger.types import MS_PER_DAY, AccountType, RejectReason, TransferStatus, day_of
from models.ledger.view import DailyLimits
from tests.ledger_sim import SimLedger

DEFAULT_UNITS = 10  # 10.00 a day unless an account has its own limit
HOLD_MS = 60_000


def _open(ledger: SimLedger, funds_minor: int = 100_000) -> uuid.UUID:
    account_id = uuid.uuid4()
    opened = ledger.execute(OpenAccount(uuid.uuid4(), account_id, AccountType.CHECKING, "USD", uuid.uuid4()))
    assert opened.accepted
    if funds_minor:
        assert ledger.execute(Deposit(uuid.uuid4(), account_id, funds_minor, "USD")).accepted
    return account_id


def _account(ledger: SimLedger, account_id: uuid.UUID) -> Account:
    account = ledger.account(account_id)
    assert account is not None
    return account


def _sent_today(ledger: SimLedger, account_id: uuid.UUID) -> int:
    return _account(ledger, account_id).counted_on(day_of(ledger.now_ms))


def _send(ledger: SimLedger, source: uuid.UUID, destination: uuid.UUID, amount_minor: int) -> RejectReason | None:
    return ledger.execute(Transfer(uuid.uuid4(), source, destination, amount_minor, "USD")).reason


@pytest.fixture(params=[1, 3], ids=["one-shard", "three-shards"])
def ledger(request: pytest.FixtureRequest) -> SimLedger:
    return SimLedger(shard_count=request.param, limits=DailyLimits(DEFAULT_UNITS))


def test_a_movement_past_the_days_limit_is_refused_and_counts_nothing(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert _send(ledger, alice, bob, 1_001) is RejectReason.DAILY_LIMIT_EXCEEDED
    assert _sent_today(ledger, alice) == 0
    assert _send(ledger, alice, bob, 600) is None
    assert ledger.execute(Withdrawal(uuid.uuid4(), alice, 300, "USD")).accepted
    assert _send(ledger, alice, bob, 101) is RejectReason.DAILY_LIMIT_EXCEEDED
    assert _send(ledger, alice, bob, 100) is None
    assert _sent_today(ledger, alice) == 1_000
    assert _sent_today(ledger, bob) == 0, "money coming in counts nothing"
    assert ledger.execute(Deposit(uuid.uuid4(), alice, 5_000, "USD")).accepted
    assert _send(ledger, alice, bob, 1) is RejectReason.DAILY_LIMIT_EXCEEDED
    ledger.now_ms += MS_PER_DAY
    assert _sent_today(ledger, alice) == 0, "a new day"
    assert _send(ledger, alice, bob, 1_000) is None


def test_the_limit_is_checked_before_the_funds() -> None:
    """What the API has always answered for a movement both too large for the day and unfunded."""
    ledger = SimLedger(shard_count=1, limits=DailyLimits(DEFAULT_UNITS))
    alice, bob = _open(ledger, funds_minor=500), _open(ledger)
    assert _send(ledger, alice, bob, 1_200) is RejectReason.DAILY_LIMIT_EXCEEDED
    assert _send(ledger, alice, bob, 900) is RejectReason.INSUFFICIENT_FUNDS
    assert _sent_today(ledger, alice) == 0


def test_an_admins_limit_replaces_the_default_and_a_lower_one_keeps_todays_count(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, 50_000)).accepted
    assert _send(ledger, alice, bob, 30_000) is None
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, 20_000)).accepted
    assert _send(ledger, alice, bob, 1) is RejectReason.DAILY_LIMIT_EXCEEDED
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, 0)).accepted
    ledger.now_ms += MS_PER_DAY
    assert _send(ledger, alice, bob, 1) is RejectReason.DAILY_LIMIT_EXCEEDED, "0: nothing may leave"
    assert _account(ledger, alice).daily_limit_minor == 0


def test_a_limit_is_set_on_an_open_customer_account_only(ledger: SimLedger) -> None:
    alice = _open(ledger, funds_minor=0)
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), uuid.uuid4(), 10)).reason is RejectReason.UNKNOWN_ACCOUNT
    assert ledger.execute(ChangeStatus(uuid.uuid4(), alice, StatusAction.CLOSE)).accepted
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, 10)).reason is RejectReason.ACCOUNT_CLOSED
    with pytest.raises(ValueError, match="not negative"):
        SetDailyLimit(uuid.uuid4(), alice, -1)


def test_the_banks_own_movements_neither_count_nor_are_refused(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert _send(ledger, alice, bob, 1_000) is None
    reversal = Transfer(uuid.uuid4(), alice, bob, 5_000, "USD", counts_toward_daily_limit=False)
    assert ledger.execute(reversal).accepted
    assert ledger.execute(Withdrawal(uuid.uuid4(), alice, 5_000, "USD", counts_toward_daily_limit=False)).accepted
    assert _sent_today(ledger, alice) == 1_000


def test_a_hold_counts_and_a_void_an_expiry_or_a_capture_for_less_gives_back_that_day(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    held = [uuid.uuid4() for _ in range(3)]
    for pending_id in held:
        assert ledger.execute(Transfer(pending_id, alice, bob, 300, "USD", HOLD_MS)).status is TransferStatus.PENDING
    assert _sent_today(ledger, alice) == 900
    assert ledger.execute(VoidPending(uuid.uuid4(), held[0], alice)).status is TransferStatus.VOIDED
    assert _sent_today(ledger, alice) == 600
    assert ledger.execute(PostPending(uuid.uuid4(), held[1], alice, 100)).accepted
    assert _sent_today(ledger, alice) == 400, "the 200 not captured"
    ledger.now_ms += HOLD_MS
    assert ledger.execute(ExpirePending(held[2], alice)).status is TransferStatus.EXPIRED
    assert _sent_today(ledger, alice) == 100
    assert _send(ledger, alice, bob, 900) is None


def test_a_hold_ended_on_a_later_day_gives_nothing_back_to_that_day(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    voided, captured = uuid.uuid4(), uuid.uuid4()
    assert ledger.execute(Transfer(voided, alice, bob, 400, "USD", 2 * MS_PER_DAY)).accepted
    assert ledger.execute(Transfer(captured, alice, bob, 400, "USD", 2 * MS_PER_DAY)).accepted
    ledger.now_ms += MS_PER_DAY
    assert _send(ledger, alice, bob, 700) is None
    assert ledger.execute(VoidPending(uuid.uuid4(), voided, alice)).accepted
    assert ledger.execute(PostPending(uuid.uuid4(), captured, alice, 1)).accepted
    assert _sent_today(ledger, alice) == 700, "yesterday's holds counted yesterday"


def test_a_cross_shard_transfer_the_destination_refuses_gives_its_room_back() -> None:
    ledger = SimLedger(shard_count=3, limits=DailyLimits(DEFAULT_UNITS))
    alice = _open(ledger)
    bob = _open(ledger)
    while shard_of(bob, 3) == shard_of(alice, 3):
        bob = _open(ledger)
    assert ledger.execute(ChangeStatus(uuid.uuid4(), bob, StatusAction.FREEZE)).accepted
    assert _send(ledger, alice, bob, 1_000) is RejectReason.ACCOUNT_FROZEN
    assert _sent_today(ledger, alice) == 0
    assert _account(ledger, alice).balance_minor == 100_000
    pending_id = uuid.uuid4()
    assert ledger.execute(Transfer(pending_id, alice, bob, 800, "USD", HOLD_MS)).accepted
    assert ledger.execute(PostPending(uuid.uuid4(), pending_id, alice, 500)).reason is RejectReason.ACCOUNT_FROZEN
    assert _sent_today(ledger, alice) == 0, "the 300 at the capture, the 500 at the refund"


def test_a_saga_step_retried_without_its_day_is_the_same_step() -> None:
    """After a restart the recovery loop retries a step without knowing the day it counted on."""
    transfer_id, source, destination = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = CreditStep(transfer_id, source, destination, 500, "USD", counted_day=20_000)
    assert fingerprint(first) == fingerprint(CreditStep(transfer_id, source, destination, 500, "USD"))


def test_the_journal_rebuilds_the_counts_limits_and_holds(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, 5_000)).accepted
    pending_id = uuid.uuid4()
    assert ledger.execute(Transfer(pending_id, alice, bob, 700, "USD", HOLD_MS)).accepted
    assert _send(ledger, alice, bob, 1_200) is None
    assert ledger.execute(Withdrawal(uuid.uuid4(), bob, 900, "USD")).accepted
    assert ledger.execute(PostPending(uuid.uuid4(), pending_id, alice, 200)).accepted
    ledger.now_ms += MS_PER_DAY
    assert _send(ledger, bob, alice, 50) is None
    for shard in ledger.shards:
        replayed = LedgerState()
        for entry, postings in shard.journal:
            rows = [dict(zip(POSTING_COLUMNS, row, strict=True)) for row in posting_rows(0, 1, 0, entry, postings)]
            stored = entry_from_rows(rows)
            assert stored == entry
            apply_entry(replayed, stored)
        assert replayed.accounts == shard.state.accounts
        assert replayed.holds == shard.state.holds


movements = st.lists(
    st.tuples(
        st.sampled_from(["transfer", "withdrawal", "hold", "void", "capture", "expire", "next_day", "limit"]),
        st.integers(1, 600),
    ),
    min_size=1,
    max_size=40,
)


class CountModel:
    """What the day's count must be, kept beside the ledger: the day's completed movements out,
    what was captured of that day's holds, and the open holds made that day."""

    def __init__(self, ledger: SimLedger, account_id: uuid.UUID) -> None:
        self.ledger, self.account_id = ledger, account_id
        self.limit_minor = DEFAULT_UNITS * 100
        self.sent_minor = 0
        self.day = day_of(ledger.now_ms)
        self.open_holds: dict[uuid.UUID, tuple[int, int, int]] = {}  # id → (amount, day counted, expiry)

    def advance(self, to_ms: int) -> None:
        self.ledger.now_ms = max(self.ledger.now_ms, to_ms)
        if day_of(self.ledger.now_ms) != self.day:
            self.day, self.sent_minor = day_of(self.ledger.now_ms), 0

    @property
    def counted_minor(self) -> int:
        return self.sent_minor + sum(held for held, day, _ in self.open_holds.values() if day == self.day)

    def move_out(self, command: Transfer | Withdrawal) -> None:
        decision = self.ledger.execute(command)
        room = self.limit_minor - self.counted_minor
        assert decision.accepted == (command.amount_minor <= room), (command, room)
        if not decision.accepted:
            return
        if isinstance(command, Transfer) and command.pending_timeout_ms is not None:
            expiry = self.ledger.now_ms + command.pending_timeout_ms
            self.open_holds[command.transfer_id] = (command.amount_minor, self.day, expiry)
        else:
            self.sent_minor += command.amount_minor

    def end_hold(self, action: str, amount_minor: int) -> None:
        live = [pending_id for pending_id, (_, _, expiry) in self.open_holds.items() if expiry > self.ledger.now_ms]
        if not live:
            return
        pending_id = live[0]
        held, day, expiry = self.open_holds.pop(pending_id)
        if action == "void":
            assert self.ledger.execute(VoidPending(uuid.uuid4(), pending_id, self.account_id)).accepted
        elif action == "capture":
            captured = min(amount_minor, held)
            assert self.ledger.execute(PostPending(uuid.uuid4(), pending_id, self.account_id, captured)).accepted
            self.sent_minor += captured if day == self.day else 0
        else:
            self.advance(expiry)
            assert self.ledger.execute(ExpirePending(pending_id, self.account_id)).accepted


@settings(max_examples=200, deadline=None)
@given(steps=movements)
def test_the_days_count_is_what_left_and_what_is_still_held_that_day(steps: list[tuple[str, int]]) -> None:
    """No movement out is accepted that would take the count past the limit in force, and the
    count is always what the model says."""
    ledger = SimLedger(shard_count=1, limits=DailyLimits(DEFAULT_UNITS))
    alice, bob = _open(ledger, funds_minor=10**9), _open(ledger, funds_minor=0)
    model = CountModel(ledger, alice)
    for action, amount in steps:
        if action == "transfer":
            model.move_out(Transfer(uuid.uuid4(), alice, bob, amount, "USD"))
        elif action == "withdrawal":
            model.move_out(Withdrawal(uuid.uuid4(), alice, amount, "USD"))
        elif action == "hold":
            model.move_out(Transfer(uuid.uuid4(), alice, bob, amount, "USD", 2 * MS_PER_DAY))
        elif action in ("void", "capture", "expire"):
            model.end_hold(action, amount)
        elif action == "next_day":
            model.advance(ledger.now_ms + MS_PER_DAY)
        else:
            model.limit_minor = amount * 3
            assert ledger.execute(SetDailyLimit(uuid.uuid4(), alice, model.limit_minor)).accepted
        assert _sent_today(ledger, alice) == model.counted_minor

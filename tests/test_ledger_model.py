"""The ledger's pure rules, one command at a time."""

from __future__ import annotations

import pickle
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.ledger.commands import (
    ChangeStatus,
    Command,
    CommandBatch,
    Deposit,
    OpenAccount,
    PostPending,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
    _batch_from_wire,
    fingerprint,
)
from models.ledger.entries import EntryKind, JournalEntry, Leg
from models.ledger.events import LedgerBatchEvents, PostedLeg, expand, posting_seqs
from models.ledger.numbers import format_account_number, is_valid_account_number, make_account_number
from models.ledger.results import CommandResult, from_wire, to_wire
from models.ledger.routing import internal_account_id, shard_of
from models.ledger.state import LedgerState, Overlay
from models.ledger.types import AccountStatus, AccountType, RejectReason, TransferStatus
from tests.ledger_sim import SimLedger


def _open(ledger: SimLedger, currency: str = "USD", account_type: AccountType = AccountType.CHECKING) -> uuid.UUID:
    account_id = uuid.uuid4()
    decision = ledger.execute(OpenAccount(uuid.uuid4(), account_id, account_type, currency, customer_id=uuid.uuid4()))
    assert decision.accepted, decision
    return account_id


def _deposit(ledger: SimLedger, account_id: uuid.UUID, amount_minor: int, currency: str = "USD") -> None:
    assert ledger.execute(Deposit(uuid.uuid4(), account_id, amount_minor, currency)).accepted


def _total_by_currency(ledger: SimLedger) -> dict[str, int]:
    totals: dict[str, int] = {}
    for account in ledger.all_accounts().values():
        totals[account.currency] = totals.get(account.currency, 0) + account.balance_minor
    return totals


@pytest.fixture(params=[1, 3], ids=["one-shard", "three-shards"])
def ledger(request: pytest.FixtureRequest) -> SimLedger:
    return SimLedger(shard_count=request.param)


def test_account_numbers_carry_valid_check_digits() -> None:
    number = make_account_number(1, 42)
    assert len(number) == 14 and is_valid_account_number(number)
    assert format_account_number(number).startswith("0010 0000 0042")
    mistyped = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    swapped = number[:3] + number[4] + number[3] + number[5:]
    assert not is_valid_account_number(mistyped)
    assert number == swapped or not is_valid_account_number(swapped)


def test_internal_accounts_hash_to_their_shard() -> None:
    for shard in range(7):
        assert shard_of(internal_account_id(shard, 7, AccountType.CLEARING, "EUR"), 7) == shard


def test_an_unbalanced_entry_cannot_exist() -> None:
    with pytest.raises(AssertionError, match="does not balance"):
        JournalEntry(uuid.uuid4(), EntryKind.TRANSFER, "USD", (Leg(uuid.uuid4(), -5), Leg(uuid.uuid4(), 4)))


def test_deposit_transfer_withdraw(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    _deposit(ledger, alice, 10_000)
    assert ledger.execute(Transfer(uuid.uuid4(), alice, bob, 2_500, "USD")).status is TransferStatus.COMPLETED
    assert ledger.execute(Withdrawal(uuid.uuid4(), bob, 1_000, "USD")).accepted
    alice_account, bob_account = ledger.account(alice), ledger.account(bob)
    assert alice_account is not None and bob_account is not None
    assert (alice_account.balance_minor, bob_account.balance_minor) == (7_500, 1_500)
    assert _total_by_currency(ledger) == {"USD": 0}


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("overdraw", RejectReason.INSUFFICIENT_FUNDS),
        ("frozen", RejectReason.ACCOUNT_FROZEN),
        ("closed", RejectReason.ACCOUNT_CLOSED),
        ("currency", RejectReason.CURRENCY_MISMATCH),
        ("unknown", RejectReason.UNKNOWN_ACCOUNT),
        ("same", RejectReason.SAME_ACCOUNT),
        ("zero", RejectReason.INVALID_AMOUNT),
        ("limit", RejectReason.LIMIT_EXCEEDED),
    ],
)
def test_rejections_carry_their_reason_and_move_nothing(ledger: SimLedger, setup: str, reason: RejectReason) -> None:
    source, target = _open(ledger), _open(ledger)
    _deposit(ledger, source, 1_000)
    amount, currency = 500, "USD"
    match setup:
        case "overdraw":
            amount = 1_001
        case "frozen":
            assert ledger.execute(ChangeStatus(uuid.uuid4(), target, StatusAction.FREEZE)).accepted
        case "closed":
            assert ledger.execute(ChangeStatus(uuid.uuid4(), target, StatusAction.CLOSE)).accepted
        case "currency":
            target = _open(ledger, currency="EUR")
        case "unknown":
            target = uuid.uuid4()
        case "same":
            target = source
        case "zero":
            amount = 0
        case "limit":
            limited = uuid.uuid4()
            assert ledger.execute(
                OpenAccount(uuid.uuid4(), limited, AccountType.CHECKING, "USD", debit_limit_minor=100)
            ).accepted
            _deposit(ledger, limited, 1_000)
            source = limited
    before = {key: account.balance_minor for key, account in ledger.all_accounts().items()}
    decision = ledger.execute(Transfer(uuid.uuid4(), source, target, amount, currency))
    assert (decision.status, decision.reason) == (TransferStatus.FAILED, reason)
    after = {key: account.balance_minor for key, account in ledger.all_accounts().items()}
    assert {key: after[key] for key in before} == before
    assert all(after[key] == 0 for key in after.keys() - before.keys()), "only empty clearing accounts may appear"


def test_same_id_returns_the_first_result(ledger: SimLedger) -> None:
    alice, bob = _open(ledger), _open(ledger)
    _deposit(ledger, alice, 1_000)
    transfer = Transfer(uuid.uuid4(), alice, bob, 600, "USD")
    first, again = ledger.execute(transfer), ledger.execute(transfer)
    assert first is again
    account = ledger.account(alice)
    assert account is not None and account.balance_minor == 400


def test_fingerprint_tells_retry_from_conflict() -> None:
    transfer_id, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert fingerprint(Transfer(transfer_id, a, b, 5, "USD")) == fingerprint(Transfer(transfer_id, a, b, 5, "USD"))
    assert fingerprint(Transfer(transfer_id, a, b, 5, "USD")) != fingerprint(Transfer(transfer_id, a, b, 6, "USD"))


def test_hold_then_partial_post_releases_the_rest(ledger: SimLedger) -> None:
    alice, shop = _open(ledger), _open(ledger)
    _deposit(ledger, alice, 10_000)
    pending_id = uuid.uuid4()
    held = ledger.execute(Transfer(pending_id, alice, shop, 4_000, "USD", pending_timeout_ms=60_000))
    assert held.status is TransferStatus.PENDING
    account = ledger.account(alice)
    assert account is not None and (account.balance_minor, account.available_minor) == (10_000, 6_000)
    with_too_much = ledger.execute(Withdrawal(uuid.uuid4(), alice, 6_001, "USD"))
    assert with_too_much.reason is RejectReason.INSUFFICIENT_FUNDS
    posted = ledger.execute(PostPending(uuid.uuid4(), pending_id, alice, 3_000))
    assert posted.status is TransferStatus.COMPLETED
    account, shop_account = ledger.account(alice), ledger.account(shop)
    assert account is not None and shop_account is not None
    assert (account.balance_minor, account.available_minor, shop_account.balance_minor) == (7_000, 7_000, 3_000)
    again = ledger.execute(PostPending(uuid.uuid4(), pending_id, alice))
    assert again.reason is RejectReason.PENDING_NOT_FOUND


def test_void_and_expiry_release_the_hold(ledger: SimLedger) -> None:
    alice, shop = _open(ledger), _open(ledger)
    _deposit(ledger, alice, 1_000)
    voided, expiring = uuid.uuid4(), uuid.uuid4()
    assert ledger.execute(Transfer(voided, alice, shop, 300, "USD", pending_timeout_ms=60_000)).accepted
    assert ledger.execute(Transfer(expiring, alice, shop, 300, "USD", pending_timeout_ms=5_000)).accepted
    assert ledger.execute(VoidPending(uuid.uuid4(), voided, alice)).status is TransferStatus.VOIDED
    ledger.now_ms += 5_000
    assert ledger.execute(PostPending(uuid.uuid4(), expiring, alice)).reason is RejectReason.PENDING_EXPIRED
    from models.ledger.commands import ExpirePending

    assert ledger.execute(ExpirePending(expiring, alice)).status is TransferStatus.EXPIRED
    account = ledger.account(alice)
    assert account is not None and (account.balance_minor, account.available_minor) == (1_000, 1_000)


def test_close_requires_zero_balance_and_freeze_round_trip(ledger: SimLedger) -> None:
    account_id = _open(ledger)
    _deposit(ledger, account_id, 10)
    assert (
        ledger.execute(ChangeStatus(uuid.uuid4(), account_id, StatusAction.CLOSE)).reason
        is RejectReason.BALANCE_NOT_ZERO
    )
    assert ledger.execute(ChangeStatus(uuid.uuid4(), account_id, StatusAction.FREEZE)).accepted
    assert (
        ledger.execute(ChangeStatus(uuid.uuid4(), account_id, StatusAction.FREEZE)).reason
        is RejectReason.INVALID_STATUS
    )
    assert ledger.execute(Withdrawal(uuid.uuid4(), account_id, 10, "USD")).reason is RejectReason.ACCOUNT_FROZEN
    assert ledger.execute(ChangeStatus(uuid.uuid4(), account_id, StatusAction.UNFREEZE)).accepted
    assert ledger.execute(Withdrawal(uuid.uuid4(), account_id, 10, "USD")).accepted
    assert ledger.execute(ChangeStatus(uuid.uuid4(), account_id, StatusAction.CLOSE)).accepted
    account = ledger.account(account_id)
    assert account is not None and account.status is AccountStatus.CLOSED


def test_cross_shard_refusal_refunds_the_source() -> None:
    ledger = SimLedger(shard_count=4)
    alice = _open(ledger)
    bob = _open(ledger)
    while shard_of(bob, 4) == shard_of(alice, 4):
        bob = _open(ledger)
    _deposit(ledger, alice, 1_000)
    assert ledger.execute(ChangeStatus(uuid.uuid4(), bob, StatusAction.FREEZE)).accepted
    decision = ledger.execute(Transfer(uuid.uuid4(), alice, bob, 400, "USD"))
    assert (decision.status, decision.reason) == (TransferStatus.FAILED, RejectReason.ACCOUNT_FROZEN)
    account = ledger.account(alice)
    assert account is not None and account.balance_minor == 1_000
    clearing_balances = [
        a.balance_minor for a in ledger.all_accounts().values() if a.account_type is AccountType.CLEARING
    ]
    assert clearing_balances and all(balance == 0 for balance in clearing_balances)


def test_overlay_changes_are_invisible_until_merged() -> None:
    state = LedgerState()
    account_id = uuid.uuid4()
    ledger = SimLedger(shard_count=1)
    ledger.shards[0].state = state
    assert ledger.execute(OpenAccount(uuid.uuid4(), account_id, AccountType.SAVINGS, "USD")).accepted
    overlay = Overlay(state)
    overlay.account_for_update(account_id).balance_minor = 99
    assert state.accounts[account_id].balance_minor == 0
    overlay.account_for_update(account_id).version += 1
    overlay.merge()
    assert state.accounts[account_id].balance_minor == 99


def test_results_cross_the_wire_unchanged() -> None:
    results = [
        CommandResult(uuid.uuid4(), accepted, status, reason, number)
        for accepted, status, reason, number in [
            (True, TransferStatus.COMPLETED, None, None),
            (True, TransferStatus.PENDING, None, None),
            (False, TransferStatus.FAILED, RejectReason.INSUFFICIENT_FUNDS.value, None),
            (True, None, None, "BF-0001-0000042-7"),
            (False, None, "duplicate_id_conflict", None),
            *[(accepted, status, None, None) for accepted in (True, False) for status in TransferStatus],
        ]
    ]
    wire = pickle.loads(pickle.dumps(to_wire(results)))
    assert from_wire([result.command_id for result in results], wire) == results
    plain = [CommandResult(uuid.uuid4(), True, TransferStatus.COMPLETED) for _ in range(3)]
    assert to_wire(plain)[1:] == ({}, {})
    assert from_wire([result.command_id for result in plain], to_wire(plain)) == plain
    assert from_wire([], to_wire([])) == []


def test_batch_events_render_as_the_json_expand_reads() -> None:
    events = LedgerBatchEvents(1_700_000_000_000)
    debit, credit = uuid.uuid4(), uuid.uuid4()
    transfer_id = uuid.uuid4()
    events.transfer(transfer_id, "TRANSFER", debit, credit, 1234, "USD", TransferStatus.COMPLETED, None)
    events.transfer(uuid.uuid4(), "TRANSFER", debit, credit, 5, "EUR", TransferStatus.FAILED, 'odd "reason"\n')
    events.account("account.frozen", debit, {"command_id": str(uuid.uuid4())})
    events.posted_balance(0)
    compact = events.as_json()
    assert compact["transfers"][0] == [
        str(transfer_id),
        "TRANSFER",
        str(debit),
        str(credit),
        1234,
        "USD",
        "COMPLETED",
        None,
    ]
    assert compact["transfers"][1][-1] == 'odd "reason"\n'
    assert compact["balances"] == [0]
    assert events.count == 4
    legs = {0: PostedLeg(str(uuid.uuid4()), str(debit), -1234, "USD", 3, 10, 3)}
    expanded = expand(compact, legs)
    kinds = [event.event_type for event in expanded]
    assert kinds == ["account.frozen", "transaction.completed", "transaction.failed", "account.balance.updated"]
    assert expanded[-1].subject == str(debit)
    assert {key: expanded[-1].data[key] for key in ("balance_minor", "available_minor", "version")} == {
        "balance_minor": 10,
        "available_minor": 7,
        "version": 3,
    }


def _leg(transfer_id: uuid.UUID, account_id: uuid.UUID, amount_minor: int, currency: str) -> PostedLeg:
    return PostedLeg(str(transfer_id), str(account_id), amount_minor, currency, 1, max(amount_minor, 0), 0)


@given(amount_minor=st.integers(1, 10**15), currency=st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
def test_a_posted_transfer_expands_from_its_postings_to_the_event_the_general_form_gives(
    amount_minor: int, currency: str
) -> None:
    general, posted = LedgerBatchEvents(1), LedgerBatchEvents(1, shard=3, batch=7)
    transfer_id, debit, credit = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    general.transfer(transfer_id, "TRANSFER", debit, credit, amount_minor, currency, TransferStatus.COMPLETED, None)
    posted.posted_transfer(4)
    compact = posted.as_json()
    assert (compact["shard"], compact["batch"]) == (3, 7)
    assert posting_seqs(compact) == [4, 5]
    legs = {4: _leg(transfer_id, debit, -amount_minor, currency), 5: _leg(transfer_id, credit, amount_minor, currency)}
    assert expand(compact, legs) == expand(general.as_json())
    with pytest.raises(AssertionError):  # two postings of different transfers are not one transfer
        expand(compact, {**legs, 5: _leg(uuid.uuid4(), credit, amount_minor, currency)})


def test_a_transfer_refused_for_its_unknown_currency_still_expands_to_its_failed_event() -> None:
    # The relay must never meet an outbox row it cannot expand: it would retry that row forever.
    events = LedgerBatchEvents(1)
    reason = RejectReason.UNKNOWN_CURRENCY.value
    events.transfer(uuid.uuid4(), "TRANSFER", uuid.uuid4(), uuid.uuid4(), 5, "XXX", TransferStatus.FAILED, reason)
    (failed,) = expand(events.as_json())
    assert failed.event_type == "transaction.failed"
    assert failed.data["amount"] is None and failed.data["amount_minor"] == 5 and failed.data["reason"] == reason


def test_an_outbox_row_of_the_first_compact_version_still_expands() -> None:
    transfer_id, debit, credit = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    row = {
        "v": 1,
        "time_ms": 5,
        "transfers": [[str(transfer_id), "TRANSFER", str(debit), str(credit), 250, "USD", "COMPLETED", None]],
        "accounts": [],
        "balances": [[str(debit), 10, 10, "USD", 2]],
    }
    events = expand(row)
    assert [event.event_type for event in events] == ["transaction.completed", "account.balance.updated"]
    assert events[0].data["amount"] == "2.50"


def test_a_command_batch_arrives_as_the_same_commands_in_the_same_order() -> None:
    def ids() -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        return uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    commands: list[Command] = [
        Transfer(*ids(), 1, "USD"),
        OpenAccount(uuid.uuid4(), uuid.uuid4(), AccountType.SAVINGS, "EUR"),
        Transfer(*ids(), 2**62 - 1, "JPY"),
        Transfer(*ids(), 5, "USD", pending_timeout_ms=60_000),
        Transfer(*ids(), 7, "USD", metadata={"note": "rent"}),
        Deposit(uuid.uuid4(), uuid.uuid4(), 9, "USD"),
        Transfer(*ids(), -3, "KWD"),  # malformed for the ledger, not for the wire: decide rejects it
    ]
    arrived = pickle.loads(pickle.dumps(CommandBatch(commands)))
    assert type(arrived) is list
    assert arrived == commands
    assert [type(command) for command in arrived] == [type(command) for command in commands]
    assert [getattr(command, "is_plain", None) for command in arrived] == [
        getattr(command, "is_plain", None) for command in commands
    ]


@pytest.mark.parametrize(
    ("amounts", "currencies", "message"),
    [([1, 2**62], ["USD", "USD"], "amount_minor"), ([1, 2], ["USD", "usd"], "currency")],
)
def test_a_plain_transfer_off_the_wire_is_checked_like_a_constructed_one(
    amounts: list[int], currencies: list[str], message: str
) -> None:
    ids = uuid.uuid4().bytes * 3 * len(amounts)
    with pytest.raises(ValueError, match=message):
        _batch_from_wire(2, ids, amounts, currencies, {})

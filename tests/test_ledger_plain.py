"""The plain-transfer hot path (models/ledger/plain.py) against the general rules: the same
batch decided with and without it must write the same rows and events, answer the same
results and leave the same state, whatever the accounts and commands."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actors.ledger.batch as batch_module
from actors.ledger.batch import BatchDecision, DecidedBatch
from actors.ledger.codec import posted_legs_of
from models.ledger.commands import (
    ChangeStatus,
    Command,
    Deposit,
    OpenAccount,
    PostPending,
    SetDailyLimit,
    SetOverdraft,
    StatusAction,
    Transfer,
    VoidPending,
    Withdrawal,
)
from models.ledger.events import expand, posting_seqs
from models.ledger.plain import apply_plain_transfer
from models.ledger.routing import internal_account_id, shard_of
from models.ledger.state import Account, LedgerState, Overlay
from models.ledger.types import AccountStatus, AccountType, day_of
from models.ledger.view import DailyLimits
from models.money import MAX_AMOUNT_MINOR

SHARD = 0
DailySpec = tuple[int | None, int, int]
NOW_MS = 1_700_000_000_000
ACCOUNT_IDS = [uuid.uuid5(uuid.NAMESPACE_OID, f"plain-{n}") for n in range(8)]
UNKNOWN_ID = uuid.uuid5(uuid.NAMESPACE_OID, "plain-unknown")


def mostly(usual: st.SearchStrategy[int], unusual: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """`usual` nine times in ten (and when shrinking), else `unusual`."""
    return st.integers(0, 9).flatmap(lambda dice: usual if dice < 9 else unusual)


# Weighted towards what the plain path takes (active customer accounts in one currency), so
# that most examples exercise it, with every other kind of account among them.
accounts_strategy = st.lists(
    st.tuples(
        st.sampled_from([AccountType.CHECKING] * 6 + [AccountType.SAVINGS] * 2 + list(AccountType)),
        st.sampled_from([AccountStatus.ACTIVE] * 8 + list(AccountStatus)),
        st.sampled_from(["USD"] * 6 + ["EUR"]),
        mostly(st.integers(5_000, 50_000), st.integers(0, 5_000)),  # balance
        mostly(st.just(0), st.integers(0, 10_000)),  # held (capped at the balance for customer accounts)
        st.one_of(st.just(1_000_000), st.just(1_000_000), st.integers(1, 20_000)),  # debit limit
        mostly(st.just(0), st.integers(0, 20_000)),  # overdraft line (customer accounts only)
        # own daily limit (None: the default), and the day its count is of (0: today, -1: yesterday)
        # with that count (customer accounts only)
        st.tuples(
            st.one_of(st.none(), st.none(), st.none(), st.integers(0, 20_000)),
            st.sampled_from([0, 0, -1]),
            mostly(st.just(0), st.integers(0, 20_000)),
        ),
    ),
    min_size=len(ACCOUNT_IDS),
    max_size=len(ACCOUNT_IDS),
)


def build_state(
    shard_count: int, specs: list[tuple[AccountType, AccountStatus, str, int, int, int, int, DailySpec]]
) -> LedgerState:
    state = LedgerState(account_sequence=len(specs))
    for account_id, spec in zip(ACCOUNT_IDS, specs, strict=True):
        account_type, status, currency, balance, wanted_held, limit, wanted_overdraft, daily = spec
        customer = account_type in (AccountType.CHECKING, AccountType.SAVINGS)
        held = min(wanted_held, balance) if customer else wanted_held
        overdraft = wanted_overdraft if customer else 0
        daily_limit, day_offset, counted = daily if customer else (None, 0, 0)
        state.accounts[account_id] = Account(
            account_type,
            currency,
            limit,
            status,
            balance,
            held,
            version=3,
            overdraft_limit_minor=overdraft,
            daily_limit_minor=daily_limit,
            counted_day=day_of(NOW_MS) + day_offset,
            counted_minor=counted,
        )
    settlement = internal_account_id(SHARD, shard_count, AccountType.SETTLEMENT, "USD")
    state.accounts[settlement] = Account(AccountType.SETTLEMENT, "USD", MAX_AMOUNT_MINOR, version=1)
    return state


def transfers_strategy(shard_count: int) -> st.SearchStrategy[list[Command]]:
    local = [a for a in ACCOUNT_IDS if shard_of(a, shard_count) == SHARD]
    settlement = internal_account_id(SHARD, shard_count, AccountType.SETTLEMENT, "USD")
    transfer = st.builds(
        Transfer,
        st.sampled_from([uuid.uuid5(uuid.NAMESPACE_OID, f"transfer-{n}") for n in range(40)]),
        st.sampled_from(local),
        st.sampled_from([*ACCOUNT_IDS, *ACCOUNT_IDS, UNKNOWN_ID, settlement]),
        mostly(st.integers(1, 3_000), st.sampled_from([0, -5, 12_000, MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR + 1])),
        st.sampled_from(["USD"] * 8 + ["EUR", "XXX"]),
        st.sampled_from([None] * 4 + [60_000]),
        st.sampled_from([{}] * 4 + [{"note": "rent"}]),
        st.sampled_from([True] * 9 + [False]),  # counted against the daily limit
    )
    return st.lists(transfer, min_size=10, max_size=40)


def decide_batch(state: LedgerState, shard_count: int, commands: list[Command]) -> DecidedBatch:
    # a default of 1,000.00: most accounts' limits are their own (up to 200.00) or this one
    decision = BatchDecision(state, None, SHARD, shard_count, 7, NOW_MS, commands, {}, DailyLimits(1_000))
    while decision.decide(4):
        pass
    return decision.finish()


def outcome(decided: DecidedBatch) -> tuple[object, ...]:
    """What a batch decided, with its events as published (a posted transfer read off its postings)."""
    write = decided.write
    events = write.events.as_json()
    accounts = {
        account_id: decided.overlay.account(account_id) for account_id in sorted(decided.overlay.changed_account_ids())
    }
    return (
        decided.results,
        write.postings,
        write.new_transfers,
        write.commands,
        write.accounts,
        expand(events, posted_legs_of(write.postings, posting_seqs(events))),
        accounts,
        decided.sagas,
        decided.new_holds,
    )


def assert_balance_events_are_the_accounts_after_the_batch(decided: DecidedBatch) -> None:
    """Balance events are read off postings: each must be its account as the batch leaves it,
    and every customer account the batch changed must have one."""
    events = decided.write.events.as_json()
    legs = posted_legs_of(decided.write.postings, posting_seqs(events))
    balances = {
        event.subject: event.data for event in expand(events, legs) if event.event_type == "account.balance.updated"
    }
    changed = [
        (account_id, account)
        for account_id in decided.overlay.changed_account_ids()
        if (account := decided.overlay.account(account_id)) is not None and account.is_customer
    ]
    assert set(balances) == {str(account_id) for account_id, _ in changed}
    for account_id, account in changed:
        data = balances[str(account_id)]
        assert (data["balance_minor"], data["available_minor"], data["version"], data["currency"]) == (
            account.balance_minor,
            account.available_minor,
            account.version,
            account.currency,
        )


@pytest.mark.parametrize("shard_count", [1, 2])
def test_a_batch_decides_the_same_with_and_without_the_plain_path(shard_count: int) -> None:
    @settings(max_examples=300, deadline=None)
    @given(specs=accounts_strategy, commands=transfers_strategy(shard_count))
    def check(
        specs: list[tuple[AccountType, AccountStatus, str, int, int, int, int, DailySpec]], commands: list[Command]
    ) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(batch_module, "apply_plain_transfer", counted)
            with_plain = decide_batch(build_state(shard_count, specs), shard_count, commands)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(batch_module, "apply_plain_transfer", lambda *_: None)
            general = decide_batch(build_state(shard_count, specs), shard_count, commands)
        assert outcome(with_plain) == outcome(general)
        assert_balance_events_are_the_accounts_after_the_batch(with_plain)

    taken = 0

    def counted(*args: object) -> object:
        nonlocal taken
        applied = apply_plain_transfer(*args)  # type: ignore[arg-type]
        taken += applied is not None
        return applied

    check()
    # With two shards, about half the destinations are on the other one: no plain path for those.
    assert taken > 100 // shard_count, f"the plain path took only {taken} transfers: the examples do not exercise it"


def test_the_plain_path_takes_an_ordinary_transfer_and_leaves_the_rest_untouched() -> None:
    debit_id, credit_id, frozen_id = ACCOUNT_IDS[:3]
    state = LedgerState(account_sequence=3)
    state.accounts[debit_id] = Account(AccountType.CHECKING, "USD", 1_000, balance_minor=500, held_minor=100)
    state.accounts[credit_id] = Account(AccountType.SAVINGS, "USD", 1_000)
    state.accounts[frozen_id] = Account(AccountType.CHECKING, "USD", 1_000, AccountStatus.FROZEN)
    overlay = Overlay(state)

    today, limits = day_of(NOW_MS), DailyLimits(5)  # 5.00 a day by default
    applied = apply_plain_transfer(
        overlay, Transfer(uuid.uuid4(), debit_id, credit_id, 400, "USD"), SHARD, 1, today, limits
    )
    assert applied is not None
    debit, credit = applied
    assert (debit.balance_minor, debit.held_minor, debit.version) == (100, 100, 1)
    assert (debit.counted_day, debit.counted_minor, credit.counted_minor) == (today, 400, 0)
    assert (credit.balance_minor, credit.version) == (400, 1)
    assert state.accounts[debit_id].balance_minor == 500, "the committed state changes only on merge"

    for refused in (
        Transfer(uuid.uuid4(), debit_id, credit_id, 1, "USD"),  # only 0 available now
        Transfer(uuid.uuid4(), credit_id, frozen_id, 1, "USD"),  # frozen destination
        Transfer(uuid.uuid4(), credit_id, debit_id, 1, "USD", pending_timeout_ms=60_000),  # a hold
        Transfer(uuid.uuid4(), credit_id, debit_id, 1, "USD", metadata={"note": "x"}),
        Transfer(uuid.uuid4(), credit_id, UNKNOWN_ID, 1, "USD"),
        Transfer(uuid.uuid4(), credit_id, debit_id, 1, "USD", counts_toward_daily_limit=False),
    ):
        assert apply_plain_transfer(overlay, refused, SHARD, 1, today, limits) is None
    assert (debit.balance_minor, credit.balance_minor) == (100, 400), "a refused command changes nothing"
    overlay.account_for_update(debit_id).balance_minor = 2_000
    over_the_day = Transfer(uuid.uuid4(), debit_id, credit_id, 101, "USD")  # 400 + 101 > 500 a day
    assert apply_plain_transfer(overlay, over_the_day, SHARD, 1, today, limits) is None
    assert apply_plain_transfer(
        overlay, Transfer(uuid.uuid4(), debit_id, credit_id, 100, "USD"), SHARD, 1, today, limits
    )
    assert apply_plain_transfer(overlay, over_the_day, SHARD, 1, today + 1, limits), "a new day counts from zero"
    assert (debit.counted_day, debit.counted_minor) == (today + 1, 101)


def test_every_kind_of_command_leaves_balance_events_that_are_its_accounts_after_the_batch() -> None:
    """Balance events point at each account's last posting: every kind of change must post."""
    state = build_state(
        1, [(AccountType.CHECKING, AccountStatus.ACTIVE, "USD", 10_000, 0, 1_000_000, 0, (None, 0, 0))] * 8
    )
    first, second, opened = ACCOUNT_IDS[0], ACCOUNT_IDS[1], uuid.uuid4()
    pending_id, voided_id = uuid.uuid4(), uuid.uuid4()
    commands: list[Command] = [
        OpenAccount(uuid.uuid4(), opened, AccountType.SAVINGS, "USD"),
        Deposit(uuid.uuid4(), opened, 700, "USD"),
        Transfer(uuid.uuid4(), first, opened, 300, "USD"),
        Transfer(pending_id, first, second, 1_000, "USD", pending_timeout_ms=60_000),
        Transfer(voided_id, second, first, 50, "USD", pending_timeout_ms=60_000),
        PostPending(uuid.uuid4(), pending_id, first, 400),
        VoidPending(uuid.uuid4(), voided_id, second),
        ChangeStatus(uuid.uuid4(), ACCOUNT_IDS[2], StatusAction.FREEZE),
        ChangeStatus(uuid.uuid4(), ACCOUNT_IDS[3], StatusAction.FREEZE),
        ChangeStatus(uuid.uuid4(), ACCOUNT_IDS[3], StatusAction.UNFREEZE),
        Withdrawal(uuid.uuid4(), ACCOUNT_IDS[4], 10_000, "USD"),
        ChangeStatus(uuid.uuid4(), ACCOUNT_IDS[4], StatusAction.CLOSE),
        SetOverdraft(uuid.uuid4(), ACCOUNT_IDS[7], 5_000),
        Transfer(uuid.uuid4(), ACCOUNT_IDS[7], ACCOUNT_IDS[6], 12_000, "USD"),  # 2,000 of the line used
        SetDailyLimit(uuid.uuid4(), ACCOUNT_IDS[6], 1_000),
        Transfer(uuid.uuid4(), ACCOUNT_IDS[5], ACCOUNT_IDS[6], 20_000, "USD"),  # refused: changes nothing
    ]
    decided = decide_batch(state, 1, commands)
    assert all(result.accepted for result in decided.results[:-1]), decided.results
    assert not decided.results[-1].accepted
    assert_balance_events_are_the_accounts_after_the_batch(decided)

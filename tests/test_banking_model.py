"""The pure banking rules: schedules, the rails' timetable and outcomes, statements, the
default fraud rule, and how ledger outcomes become transaction statuses."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.external import Direction, Rail, due_at, rails_outcome, routing_number_problem
from models.fraud.check import ScoringRequest, Verdict, unavailable_policy
from models.ledger.types import TransferStatus
from models.schedules import Frequency, next_due, occurrence_at, schedule_problem
from models.statements import Statement, StatementLine, statement_csv
from models.transactions import (
    REVIEW_REJECTED_REASON,
    TransactionKind,
    TransactionStatus,
    event_of_settlement,
    reason_of_ledger,
    reason_of_settlement,
    status_of_ledger,
    transaction_id_for,
)

START = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def test_a_monthly_schedule_keeps_its_day_and_clamps_short_months() -> None:
    days = [occurrence_at(START, Frequency.MONTHLY, n).date() for n in range(4)]
    assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    leap = datetime(2028, 1, 31, tzinfo=UTC)
    assert occurrence_at(leap, Frequency.MONTHLY, 1).date() == date(2028, 2, 29)
    assert occurrence_at(START, Frequency.MONTHLY, 12).date() == date(2027, 1, 31)


@given(st.integers(min_value=0, max_value=500))
def test_daily_and_weekly_occurrences_are_evenly_spaced(n: int) -> None:
    assert occurrence_at(START, Frequency.DAILY, n) - START == timedelta(days=n)
    assert occurrence_at(START, Frequency.WEEKLY, n) - START == timedelta(weeks=n)


def test_a_schedule_ends_by_count_end_date_or_being_one_off() -> None:
    assert next_due(START, Frequency.ONCE, 0, None, None) == START
    assert next_due(START, Frequency.ONCE, 1, None, None) is None
    assert next_due(START, Frequency.DAILY, 2, None, 3) is not None
    assert next_due(START, Frequency.DAILY, 3, None, 3) is None
    assert next_due(START, Frequency.DAILY, 1, date(2026, 1, 31), None) is None
    assert next_due(START, Frequency.WEEKLY, 1, date(2026, 2, 7), None) == START + timedelta(weeks=1)


def test_schedule_problems_name_the_field() -> None:
    now = START
    assert schedule_problem(now - timedelta(days=1), Frequency.DAILY, None, None, now) == ("start_at", "is in the past")
    assert schedule_problem(now, Frequency.ONCE, None, 2, now) is not None
    assert schedule_problem(now, Frequency.DAILY, date(2020, 1, 1), None, now)[0] == "end_date"  # type: ignore[index]
    assert schedule_problem(now, Frequency.DAILY, None, 0, now)[0] == "count"  # type: ignore[index]
    assert schedule_problem(now, Frequency.MONTHLY, None, 12, now) is None


def test_routing_numbers_need_their_check_digit() -> None:
    assert routing_number_problem("021000021") is None
    assert routing_number_problem("011000015") is None
    assert routing_number_problem("021000022") == "has a wrong check digit"
    assert routing_number_problem("02100002a") == "must be nine digits"


def test_ach_waits_for_the_end_of_its_window_and_wires_go_at_once() -> None:
    at = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    assert due_at(Rail.ACH, at, 60, 1.0) == datetime(2026, 3, 1, 12, 1, 0, tzinfo=UTC)
    assert due_at(Rail.ACH, at + timedelta(seconds=49), 60, 1.0) == datetime(2026, 3, 1, 12, 1, 0, tzinfo=UTC)
    assert due_at(Rail.WIRE, at, 60, 1.5) == at + timedelta(seconds=1.5)


def test_the_rails_simulator_returns_by_its_published_rules() -> None:
    assert rails_outcome(Direction.OUT, "12345678") is None
    assert rails_outcome(Direction.OUT, "12340000") == "R03"
    assert rails_outcome(Direction.IN, "12340001") == "R01"
    assert rails_outcome(Direction.OUT, "12340001") is None


def _line(amount_minor: int, after_minor: int) -> StatementLine:
    return StatementLine(START, uuid.uuid4(), "TRANSFER", "=HYPERLINK(evil)", amount_minor, after_minor)


def test_a_statement_refuses_running_balances_that_disagree() -> None:
    lines = (_line(1_000, 1_500), _line(-250, 1_250))
    statement = Statement(uuid.uuid4(), "N", "CHECKING", "USD", "A B", START.date(), START.date(), 500, lines, 1_250)
    assert statement.money_in_minor == 1_000 and statement.money_out_minor == 250
    text = statement_csv(statement)
    assert "'=HYPERLINK" in text and text.strip().splitlines()[-1].endswith("12.50,USD")
    with pytest.raises(AssertionError):
        Statement(uuid.uuid4(), "N", "CHECKING", "USD", "A B", START.date(), START.date(), 500, lines[1:], 1_250)


def test_when_scoring_is_unavailable_small_amounts_pass_and_large_ones_wait() -> None:
    def policy(amount_minor: int, currency: str = "USD") -> Verdict:
        request = ScoringRequest(uuid.uuid4(), "TRANSFER", uuid.uuid4(), None, amount_minor, currency, uuid.uuid4())
        return unavailable_policy(request, allow_under_units=100).verdict

    assert policy(9_999) is Verdict.ALLOW
    assert policy(10_000) is Verdict.REVIEW
    assert policy(99, "JPY") is Verdict.ALLOW and policy(100, "JPY") is Verdict.REVIEW


def test_ledger_outcomes_become_transaction_statuses() -> None:
    assert status_of_ledger(TransferStatus.PENDING, held_for_review=True) is TransactionStatus.PENDING_REVIEW
    assert status_of_ledger(TransferStatus.EXPIRED) is TransactionStatus.FAILED
    assert reason_of_ledger(TransferStatus.VOIDED, None) == "voided"
    assert reason_of_ledger(TransferStatus.FAILED, "insufficient_funds") == "insufficient_funds"
    user = uuid.uuid4()
    assert transaction_id_for(user, "k") == transaction_id_for(user, "k") != transaction_id_for(uuid.uuid4(), "k")


def test_a_row_catching_up_with_the_ledger_writes_the_event_the_service_would() -> None:
    rejected = reason_of_settlement(TransactionStatus.PENDING_REVIEW, TransferStatus.VOIDED, None)
    assert rejected == REVIEW_REJECTED_REASON
    assert event_of_settlement(TransactionStatus.FAILED, rejected, TransactionKind.TRANSFER) == "transaction.failed"
    assert event_of_settlement(TransactionStatus.FAILED, "voided", TransactionKind.PAYMENT) is None
    assert event_of_settlement(TransactionStatus.COMPLETED, None, TransactionKind.TRANSFER) is None
    for waiting in (TransactionStatus.PENDING, TransactionStatus.PENDING_REVIEW):
        assert event_of_settlement(waiting, None, TransactionKind.EXTERNAL_OUT) == "transaction.processing"
        assert event_of_settlement(waiting, None, TransactionKind.DEPOSIT) is None

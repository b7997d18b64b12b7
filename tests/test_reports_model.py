"""The regulatory reports' pure rules: which customer-days are currency transaction candidates
(cash in and out apart, strictly above the threshold, days in the bank's zone), the period a
report may cover, the KYC queue by age, and CSV cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.reports import (
    MAX_REPORT_DAYS,
    CashKind,
    CashMovement,
    PendingReview,
    ReportError,
    business_zone,
    checked_filing_reference,
    ctr_candidates,
    ctr_csv,
    ctr_view,
    kyc_report,
    period_bounds,
)

NEW_YORK = business_zone("America/New_York")
THRESHOLD_MINOR = 1_000_000  # 10,000.00 USD


def _movement(
    customer: uuid.UUID, kind: CashKind, amount_minor: int, at: datetime, name: str = "Grace Hopper"
) -> CashMovement:
    return CashMovement(uuid.uuid4(), kind, customer, name, uuid.uuid4(), "00100000004264", amount_minor, "USD", at)


def test_deposits_of_one_day_above_the_threshold_make_a_candidate_with_every_movement() -> None:
    structuring, below = uuid.uuid4(), uuid.uuid4()
    noon = datetime(2026, 3, 2, 17, tzinfo=UTC)  # 12:00 in New York
    movements = [
        _movement(structuring, CashKind.DEPOSIT, 600_000, noon),
        _movement(structuring, CashKind.DEPOSIT, 400_001, noon + timedelta(hours=2)),
        _movement(below, CashKind.DEPOSIT, 600_000, noon),
        _movement(below, CashKind.DEPOSIT, 400_000, noon + timedelta(hours=1)),  # exactly 10,000.00: not above
    ]
    [candidate] = ctr_candidates(movements, THRESHOLD_MINOR, NEW_YORK)
    assert (candidate.customer_id, candidate.business_day) == (structuring, date(2026, 3, 2))
    assert (candidate.cash_in_minor, candidate.cash_out_minor) == (1_000_001, 0)
    assert [movement.amount_minor for movement in candidate.movements] == [600_000, 400_001]
    view = ctr_view(candidate)
    assert (view["cash_in"], view["cash_out"], view["business_day"]) == ("10000.01", "0.00", "2026-03-02")


def test_cash_in_and_cash_out_are_counted_apart() -> None:
    customer = uuid.uuid4()
    noon = datetime(2026, 3, 2, 17, tzinfo=UTC)
    in_and_out = [
        _movement(customer, CashKind.DEPOSIT, 900_000, noon),
        _movement(customer, CashKind.WITHDRAWAL, 900_000, noon + timedelta(minutes=5)),
    ]
    assert ctr_candidates(in_and_out, THRESHOLD_MINOR, NEW_YORK) == []
    withdrawals = [*in_and_out, _movement(customer, CashKind.WITHDRAWAL, 200_000, noon + timedelta(minutes=9))]
    [candidate] = ctr_candidates(withdrawals, THRESHOLD_MINOR, NEW_YORK)
    assert (candidate.cash_in_minor, candidate.cash_out_minor) == (900_000, 1_100_000)
    assert len(candidate.movements) == 3


def test_the_business_day_is_the_banks_not_utcs() -> None:
    customer = uuid.uuid4()
    # 23:30 and 00:30 UTC are one evening in New York (18:30 and 19:30 on 2 March, EST).
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    movements = [
        _movement(customer, CashKind.DEPOSIT, 600_000, late),
        _movement(customer, CashKind.DEPOSIT, 600_000, late + timedelta(hours=1)),
    ]
    [candidate] = ctr_candidates(movements, THRESHOLD_MINOR, NEW_YORK)
    assert candidate.business_day == date(2026, 3, 2)
    assert ctr_candidates(movements, THRESHOLD_MINOR, business_zone("UTC")) == []


@given(
    amounts=st.lists(
        st.tuples(st.sampled_from(list(CashKind)), st.integers(1, 2_000_000), st.integers(0, 3 * 24 * 60)),
        max_size=40,
    ),
    threshold_minor=st.integers(1, 3_000_000),
)
def test_a_candidate_is_exactly_a_day_above_the_threshold_in_or_out(
    amounts: list[tuple[CashKind, int, int]], threshold_minor: int
) -> None:
    customer = uuid.uuid4()
    start = datetime(2026, 6, 1, 4, tzinfo=UTC)  # midnight in New York (EDT)
    movements = [
        _movement(customer, kind, amount, start + timedelta(minutes=minute)) for kind, amount, minute in amounts
    ]
    found = {candidate.business_day: candidate for candidate in ctr_candidates(movements, threshold_minor, NEW_YORK)}
    for day_index in range(4):
        day = date(2026, 6, 1) + timedelta(days=day_index)
        of_day = [movement for movement in movements if movement.at.astimezone(NEW_YORK).date() == day]
        cash_in = sum(movement.amount_minor for movement in of_day if movement.kind is CashKind.DEPOSIT)
        cash_out = sum(movement.amount_minor for movement in of_day if movement.kind is CashKind.WITHDRAWAL)
        assert (day in found) == (cash_in > threshold_minor or cash_out > threshold_minor)
        if day in found:
            assert (found[day].cash_in_minor, found[day].cash_out_minor) == (cash_in, cash_out)
            assert len(found[day].movements) == len(of_day)


def test_a_period_is_whole_days_in_the_zone_and_bounded() -> None:
    # 8 March 2026 is the spring-forward day in New York: 23 hours long.
    since, until = period_bounds(date(2026, 3, 8), date(2026, 3, 8), NEW_YORK)
    assert (since, until) == (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))
    with pytest.raises(ReportError, match="to: must not be before from"):
        period_bounds(date(2026, 3, 8), date(2026, 3, 7), NEW_YORK)
    with pytest.raises(ReportError, match=f"at most {MAX_REPORT_DAYS}"):
        period_bounds(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=MAX_REPORT_DAYS), NEW_YORK)
    with pytest.raises(ReportError, match="not an IANA time zone"):
        business_zone("Mars/Olympus_Mons")


def test_the_csv_has_a_line_per_movement_and_no_cell_a_spreadsheet_would_run() -> None:
    customer = uuid.uuid4()
    noon = datetime(2026, 3, 2, 17, tzinfo=UTC)
    movements = [
        _movement(customer, CashKind.DEPOSIT, 700_000, noon, name="=HYPERLINK(evil)"),
        _movement(customer, CashKind.DEPOSIT, 700_000, noon + timedelta(minutes=1), name="=HYPERLINK(evil)"),
    ]
    [candidate] = ctr_candidates(movements, THRESHOLD_MINOR, NEW_YORK)
    rows = list(csv.DictReader(io.StringIO(ctr_csv([ctr_view(candidate)]))))
    assert [row["amount"] for row in rows] == ["7000.00", "7000.00"]
    assert {row["customer_name"] for row in rows} == {"'=HYPERLINK(evil)"}
    assert {row["cash_in"] for row in rows} == {"14000.00"}


def test_pending_reviews_are_counted_by_how_long_they_have_waited() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    waited_hours = (1, 30, 80, 200, 170)
    pending = [PendingReview(uuid.uuid4(), "Grace Hopper", now - timedelta(hours=hours)) for hours in waited_hours]
    report = kyc_report({"SUBMITTED": 5, "APPROVED": 7, "PENDING": 2}, pending, now)
    assert report["total"] == 14
    assert report["pending_by_age"] == {"under_1_day": 1, "1_to_3_days": 1, "3_to_7_days": 1, "over_7_days": 2}
    assert [review["waiting_hours"] for review in report["pending"]] == [200.0, 170.0, 80.0, 30.0, 1.0]


def test_a_filing_reference_is_short_printable_text() -> None:
    assert checked_filing_reference("  31000123456789 ") == "31000123456789"
    for bad in ("", "   ", "x" * 65, "BSA\n123"):
        with pytest.raises(ReportError, match="reference"):
            checked_filing_reference(bad)

"""The regulatory reports, as pure functions over rows already read: currency transaction
report candidates (cash in or out above a threshold in one business day), suspicious activity
(cases resolved as fraud, accounts flagged for many cases), and the KYC review queue by age.
No I/O: actors/reports.py reads the rows.

A business day is a calendar day in the bank's business time zone. As in the US rule (31 CFR
1010.313), cash in and cash out are aggregated separately: a customer is a candidate on a day
when either total is above the threshold."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.money import format_amount
from models.spreadsheet import csv_safe

CTR_CURRENCY: Final = "USD"
DEFAULT_CTR_THRESHOLD: Final = "10000.00"
MAX_REPORT_DAYS: Final = 92  # a quarter: a longer span is asked for in pieces
# A report is built in memory in one answer; past these, narrow the period.
MAX_CASH_MOVEMENTS: Final = 200_000
MAX_SUSPICIOUS_CASES: Final = 5_000
MAX_PENDING_REVIEWS: Final = 20_000
MAX_FILING_REFERENCE_CHARS: Final = 64
# Pending KYC reviews by how long they have waited: (label, at least this many hours).
KYC_AGE_BUCKETS: Final = (("under_1_day", 0), ("1_to_3_days", 24), ("3_to_7_days", 72), ("over_7_days", 168))


class CashKind(StrEnum):
    DEPOSIT = "DEPOSIT"  # cash in
    WITHDRAWAL = "WITHDRAWAL"  # cash out


class ReportError(ValueError):
    """A report's parameters are not acceptable; the message says which and why."""


def business_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (America/New_York), or ReportError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"time_zone: {name!r} is not an IANA time zone such as America/New_York") from None


def period_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first_day` to the end of `last_day` in `zone`, as UTC instants."""
    if last_day < first_day:
        raise ReportError("to: must not be before from")
    days = (last_day - first_day).days + 1
    if days > MAX_REPORT_DAYS:
        raise ReportError(f"from/to: {days} days asked; a report covers at most {MAX_REPORT_DAYS}")
    since = datetime.combine(first_day, time(), zone).astimezone(UTC)
    until = datetime.combine(last_day + timedelta(days=1), time(), zone).astimezone(UTC)
    return since, until


@dataclass(frozen=True)
class CashMovement:
    """A completed deposit or withdrawal, with the customer whose account it moved."""

    transaction_id: uuid.UUID
    kind: CashKind
    customer_id: uuid.UUID
    customer_name: str
    account_id: uuid.UUID
    account_number: str
    amount_minor: int
    currency: str
    at: datetime


@dataclass(frozen=True)
class CtrCandidate:
    customer_id: uuid.UUID
    customer_name: str
    business_day: date
    cash_in_minor: int
    cash_out_minor: int
    currency: str
    movements: tuple[CashMovement, ...]


def ctr_candidates(movements: Iterable[CashMovement], threshold_minor: int, zone: ZoneInfo) -> list[CtrCandidate]:
    """Each customer and business day whose cash in or cash out is above `threshold_minor`, by
    day then customer, with every movement of that day behind it."""
    assert threshold_minor > 0, "a threshold is positive"
    by_customer_day: dict[tuple[uuid.UUID, date], list[CashMovement]] = defaultdict(list)
    for movement in movements:
        assert movement.currency == CTR_CURRENCY, "the threshold and the movements share one currency"
        by_customer_day[(movement.customer_id, movement.at.astimezone(zone).date())].append(movement)
    candidates = []
    for (customer_id, day), found in by_customer_day.items():
        cash_in = sum(movement.amount_minor for movement in found if movement.kind is CashKind.DEPOSIT)
        cash_out = sum(movement.amount_minor for movement in found if movement.kind is CashKind.WITHDRAWAL)
        assert cash_in + cash_out == sum(movement.amount_minor for movement in found), "every movement is in or out"
        if cash_in > threshold_minor or cash_out > threshold_minor:
            ordered = tuple(sorted(found, key=lambda movement: (movement.at, movement.transaction_id)))
            name = ordered[0].customer_name
            candidates.append(CtrCandidate(customer_id, name, day, cash_in, cash_out, CTR_CURRENCY, ordered))
    return sorted(candidates, key=lambda candidate: (candidate.business_day, candidate.customer_name))


def _movement_view(movement: CashMovement) -> dict[str, Any]:
    return {
        "transaction_id": str(movement.transaction_id),
        "kind": movement.kind.value,
        "account_id": str(movement.account_id),
        "account_number": movement.account_number,
        "amount": format_amount(movement.amount_minor, movement.currency),
        "at": movement.at.isoformat(),
    }


def ctr_view(candidate: CtrCandidate) -> dict[str, Any]:
    return {
        "customer_id": str(candidate.customer_id),
        "customer_name": candidate.customer_name,
        "business_day": candidate.business_day.isoformat(),
        "cash_in": format_amount(candidate.cash_in_minor, candidate.currency),
        "cash_out": format_amount(candidate.cash_out_minor, candidate.currency),
        "currency": candidate.currency,
        "movements": [_movement_view(movement) for movement in candidate.movements],
    }


CTR_CSV_COLUMNS: Final = (
    "business_day",
    "customer_id",
    "customer_name",
    "cash_in",
    "cash_out",
    "currency",
    "transaction_id",
    "kind",
    "account_number",
    "amount",
    "at",
)


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        assert len(row) == len(columns), "every row has a cell for each column"
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def ctr_csv(candidates: Iterable[Mapping[str, Any]]) -> str:
    """The candidates (as ctr_view shows them) with one line per movement, the candidate's
    figures repeated on each."""
    rows = []
    for view in candidates:
        head = [view[column] for column in CTR_CSV_COLUMNS[:6]]
        for movement in view["movements"]:
            rows.append([*head, *(movement[column] for column in CTR_CSV_COLUMNS[6:])])
    return _csv(CTR_CSV_COLUMNS, rows)


# Suspicious activity: the report's rows arrive as dicts already shaped by actors/reports.py
# (case, subject, transaction, assessment, timeline, filing); here they are flattened for CSV.
SAR_CSV_COLUMNS: Final = (
    "case_id",
    "resolved_at",
    "customer_id",
    "customer_name",
    "account_number",
    "transaction_id",
    "kind",
    "amount",
    "currency",
    "score",
    "verdict",
    "reasons",
    "model_version",
    "resolved_by",
    "note",
    "filed",
    "filing_reference",
    "filed_at",
)


def sar_csv(cases: Iterable[Mapping[str, Any]]) -> str:
    """One line per case resolved as fraud; the reasons joined by `;`."""
    rows = []
    for case in cases:
        subject, movement, assessment, filing = case["subject"], case["transaction"], case["assessment"], case["filing"]
        rows.append(
            [
                case["case_id"],
                case["resolved_at"] or "",
                subject["customer_id"] or "",
                subject["name"] or "",
                subject["account_number"] or "",
                movement["transaction_id"],
                movement["kind"] or "",
                movement["amount"] or "",
                movement["currency"] or "",
                str(assessment["score"]),
                assessment["verdict"],
                ";".join(assessment["reasons"]),
                assessment["model_version"] or "",
                case["resolved_by"] or "",
                case["note"] or "",
                "yes" if filing is not None else "no",
                "" if filing is None else filing["reference"],
                "" if filing is None else filing["filed_at"],
            ]
        )
    return _csv(SAR_CSV_COLUMNS, rows)


def checked_filing_reference(reference: str) -> str:
    """A filing's reference as given by the regulator's system (the BSA ID, say): printable, short."""
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_FILING_REFERENCE_CHARS or not cleaned.isprintable():
        raise ReportError(f"reference: 1 to {MAX_FILING_REFERENCE_CHARS} printable characters")
    return cleaned


@dataclass(frozen=True)
class PendingReview:
    """A customer whose KYC file waits for a decision, and since when."""

    customer_id: uuid.UUID
    customer_name: str
    submitted_at: datetime


def age_bucket(waited: timedelta) -> str:
    hours = waited.total_seconds() / 3600
    label = KYC_AGE_BUCKETS[0][0]
    for name, at_least_hours in KYC_AGE_BUCKETS:
        if hours >= at_least_hours:
            label = name
    return label


def kyc_report(by_status: Mapping[str, int], pending: Sequence[PendingReview], now: datetime) -> dict[str, Any]:
    """Customers by KYC status, and the reviews waiting for a decision, longest waiting first,
    counted by age."""
    by_age = dict.fromkeys((name for name, _ in KYC_AGE_BUCKETS), 0)
    waiting = []
    for review in sorted(pending, key=lambda review: (review.submitted_at, review.customer_id)):
        waited = max(now - review.submitted_at, timedelta())
        bucket = age_bucket(waited)
        by_age[bucket] += 1
        waiting.append(
            {
                "customer_id": str(review.customer_id),
                "customer_name": review.customer_name,
                "submitted_at": review.submitted_at.isoformat(),
                "waiting_hours": round(waited.total_seconds() / 3600, 1),
                "age": bucket,
            }
        )
    assert sum(by_age.values()) == len(pending), "every pending review is in one age bucket"
    return {
        "as_of": now.isoformat(),
        "by_status": dict(sorted(by_status.items())),
        "total": sum(by_status.values()),
        "pending_by_age": by_age,
        "pending": waiting,
    }


KYC_CSV_COLUMNS: Final = ("customer_id", "customer_name", "submitted_at", "waiting_hours", "age")


def kyc_csv(report: Mapping[str, Any]) -> str:
    """The pending reviews, one per line, longest waiting first."""
    rows = [[str(review[column]) for column in KYC_CSV_COLUMNS] for review in report["pending"]]
    return _csv(KYC_CSV_COLUMNS, rows)

"""The regulatory reports read from PostgreSQL (the transactions read model, the fraud cases and
assessments, the customers), and a suspicious activity case marked as filed. The API's
Compliance deployment and `bankflow reports` both call these; models/reports.py shapes them."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

import asyncpg

from actors.audit import append
from models.audit import AuditAction, AuditActor, AuditOrigin, done_by
from models.customers import address_of
from models.fraud.rules import SUSPICIOUS_CASES_PER_DAY
from models.money import format_amount, parse_amount
from models.reports import (
    CTR_CURRENCY,
    MAX_CASH_MOVEMENTS,
    MAX_PENDING_REVIEWS,
    MAX_SUSPICIOUS_CASES,
    CashKind,
    CashMovement,
    PendingReview,
    ReportError,
    business_zone,
    checked_filing_reference,
    ctr_candidates,
    ctr_view,
    kyc_report,
    period_bounds,
)

# The account a deposit credits, or a withdrawal debits, and its holder.
_CASH_MOVEMENTS: Final = """
    SELECT t.transaction_id, t.kind, t.amount_minor, t.currency, t.created_at,
           a.account_id, a.number, c.customer_id, c.first_name, c.last_name
    FROM transactions t
    JOIN ledger_accounts a
      ON a.account_id = CASE WHEN t.kind = 'DEPOSIT' THEN t.to_account_id ELSE t.from_account_id END
    JOIN customers c ON c.customer_id = a.customer_id
    WHERE t.kind IN ('DEPOSIT', 'WITHDRAWAL') AND t.status = 'COMPLETED' AND t.currency = $3
      AND t.created_at >= $1 AND t.created_at < $2
    ORDER BY t.created_at, t.transaction_id
    LIMIT $4"""

_FRAUD_CASES: Final = """
    SELECT fc.case_id, fc.transaction_id, fc.account_id, fc.verdict, fc.score, fc.reasons, fc.note,
           fc.resolved_by, fc.opened_at, fc.resolved_at,
           t.kind, t.amount_minor, t.currency, t.created_at AS moved_at, t.counterparty, t.description,
           t.from_account_id, t.to_account_id,
           a.number, c.customer_id, c.first_name, c.last_name, c.date_of_birth, c.ssn_last4,
           c.address_line1, c.address_line2, c.city, c.region, c.postal_code, c.country,
           fa.score AS assessed_score, fa.verdict AS assessed_verdict, fa.reasons AS assessed_reasons,
           fa.model_version, fa.created_at AS assessed_at,
           f.reference, f.filed_by, f.filed_at
    FROM fraud_cases fc
    LEFT JOIN transactions t ON t.transaction_id = fc.transaction_id
    LEFT JOIN ledger_accounts a ON a.account_id = fc.account_id
    LEFT JOIN customers c ON c.customer_id = a.customer_id
    LEFT JOIN fraud_assessments fa ON fa.transaction_id = fc.transaction_id
    LEFT JOIN sar_filings f ON f.case_id = fc.case_id
    WHERE fc.status = 'RESOLVED' AND fc.resolution = 'FRAUD' AND fc.resolved_at >= $1 AND fc.resolved_at < $2
    ORDER BY fc.resolved_at, fc.case_id
    LIMIT $3"""

# Accounts that reached SUSPICIOUS_CASES_PER_DAY cases within 24 hours during the period: the
# same test as the fraud check's `account.suspicious` event, counted again from the cases.
_FLAGGED_ACCOUNTS: Final = """
    WITH counted AS (
        SELECT account_id, opened_at,
               count(*) OVER (PARTITION BY account_id ORDER BY opened_at
                              RANGE BETWEEN interval '1 day' PRECEDING AND CURRENT ROW) AS cases_in_24h
        FROM fraud_cases
        WHERE opened_at >= $1::timestamptz - interval '1 day' AND opened_at < $2
    )
    SELECT counted.account_id, min(counted.opened_at) AS flagged_at, max(cases_in_24h) AS most_cases_in_24h,
           a.number, c.customer_id, c.first_name, c.last_name
    FROM counted
    LEFT JOIN ledger_accounts a ON a.account_id = counted.account_id
    LEFT JOIN customers c ON c.customer_id = a.customer_id
    WHERE cases_in_24h >= $3 AND counted.opened_at >= $1
    GROUP BY counted.account_id, a.number, c.customer_id, c.first_name, c.last_name
    ORDER BY flagged_at, counted.account_id
    LIMIT $4"""

_CASES_OF_ACCOUNTS: Final = """
    SELECT case_id, account_id, transaction_id, verdict, score, reasons, status, resolution, opened_at
    FROM fraud_cases
    WHERE account_id = ANY($1) AND opened_at >= $2::timestamptz - interval '1 day' AND opened_at < $3
    ORDER BY account_id, opened_at, case_id"""


def _name(row: asyncpg.Record) -> str | None:
    if row["first_name"] is None:
        return None
    return f"{row['first_name']} {row['last_name']}"


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class CtrQuery:
    first_day: date
    last_day: date
    time_zone: str
    threshold: str  # decimal USD, "10000.00"

    def threshold_minor(self) -> int:
        try:
            return parse_amount(self.threshold, CTR_CURRENCY)
        except ValueError as error:
            raise ReportError(f"threshold: {error}") from None


async def currency_transactions(pool: asyncpg.Pool, query: CtrQuery) -> dict[str, Any]:
    """Currency transaction report candidates of the business days `first_day`..`last_day`."""
    zone = business_zone(query.time_zone)
    threshold_minor = query.threshold_minor()
    since, until = period_bounds(query.first_day, query.last_day, zone)
    rows = await pool.fetch(_CASH_MOVEMENTS, since, until, CTR_CURRENCY, MAX_CASH_MOVEMENTS + 1)
    if len(rows) > MAX_CASH_MOVEMENTS:
        raise ReportError(f"more than {MAX_CASH_MOVEMENTS:,} cash movements in the period: ask for fewer days")
    movements = [
        CashMovement(
            transaction_id=row["transaction_id"],
            kind=CashKind(row["kind"]),
            customer_id=row["customer_id"],
            customer_name=f"{row['first_name']} {row['last_name']}",
            account_id=row["account_id"],
            account_number=row["number"],
            amount_minor=row["amount_minor"],
            currency=row["currency"].strip(),
            at=row["created_at"],
        )
        for row in rows
    ]
    candidates = ctr_candidates(movements, threshold_minor, zone)
    return {
        "from": query.first_day.isoformat(),
        "to": query.last_day.isoformat(),
        "time_zone": query.time_zone,
        "threshold": format_amount(threshold_minor, CTR_CURRENCY),
        "currency": CTR_CURRENCY,
        "movements_examined": len(movements),
        "items": [ctr_view(candidate) for candidate in candidates],
    }


def _case_view(row: asyncpg.Record, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    currency = None if row["currency"] is None else row["currency"].strip()
    assessed = row["assessed_score"] is not None
    return {
        "case_id": str(row["case_id"]),
        "opened_at": row["opened_at"].isoformat(),
        "resolved_at": _iso(row["resolved_at"]),
        "resolved_by": _id(row["resolved_by"]),
        "note": row["note"],
        "subject": {
            "customer_id": _id(row["customer_id"]),
            "name": _name(row),
            "date_of_birth": None if row["date_of_birth"] is None else row["date_of_birth"].isoformat(),
            "ssn_last4": row["ssn_last4"],
            "address": None if row["address_line1"] is None else address_of(row),
            "account_id": str(row["account_id"]),
            "account_number": row["number"],
        },
        "transaction": {
            "transaction_id": str(row["transaction_id"]),
            "kind": row["kind"],
            "amount": None if currency is None else format_amount(row["amount_minor"], currency),
            "currency": currency,
            "at": _iso(row["moved_at"]),
            "from_account_id": _id(row["from_account_id"]),
            "to_account_id": _id(row["to_account_id"]),
            "counterparty": row["counterparty"],
            "description": row["description"],
        },
        "assessment": {
            "score": row["assessed_score"] if assessed else row["score"],
            "verdict": row["assessed_verdict"] if assessed else row["verdict"],
            "reasons": json.loads(row["assessed_reasons"] if assessed else row["reasons"]),
            "model_version": row["model_version"],
            "at": _iso(row["assessed_at"]),
        },
        "timeline": timeline,
        "filing": None
        if row["reference"] is None
        else {"reference": row["reference"], "filed_by": str(row["filed_by"]), "filed_at": row["filed_at"].isoformat()},
    }


async def suspicious_activity(pool: asyncpg.Pool, first_day: date, last_day: date, time_zone: str) -> dict[str, Any]:
    """Cases resolved as fraud in the period, filing-ready, and the accounts flagged for many
    cases within a day, with those cases."""
    since, until = period_bounds(first_day, last_day, business_zone(time_zone))
    cases = await pool.fetch(_FRAUD_CASES, since, until, MAX_SUSPICIOUS_CASES + 1)
    flagged = await pool.fetch(_FLAGGED_ACCOUNTS, since, until, SUSPICIOUS_CASES_PER_DAY, MAX_SUSPICIOUS_CASES + 1)
    if len(cases) > MAX_SUSPICIOUS_CASES or len(flagged) > MAX_SUSPICIOUS_CASES:
        raise ReportError(f"more than {MAX_SUSPICIOUS_CASES:,} cases or accounts in the period: ask for fewer days")
    history = await pool.fetch(
        """SELECT case_id, seq, action, actor, note, at FROM fraud_case_history
           WHERE case_id = ANY($1) ORDER BY case_id, seq""",
        [row["case_id"] for row in cases],
    )
    timelines: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for step in history:
        timelines[step["case_id"]].append(
            {"action": step["action"], "actor": _id(step["actor"]), "note": step["note"], "at": step["at"].isoformat()}
        )
    account_cases = await pool.fetch(_CASES_OF_ACCOUNTS, [row["account_id"] for row in flagged], since, until)
    cases_by_account: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for case in account_cases:
        cases_by_account[case["account_id"]].append(
            {
                "case_id": str(case["case_id"]),
                "transaction_id": str(case["transaction_id"]),
                "verdict": case["verdict"],
                "score": case["score"],
                "reasons": json.loads(case["reasons"]),
                "status": case["status"],
                "resolution": case["resolution"],
                "opened_at": case["opened_at"].isoformat(),
            }
        )
    return {
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
        "time_zone": time_zone,
        "cases": [_case_view(row, timelines[row["case_id"]]) for row in cases],
        "flagged_accounts": [
            {
                "account_id": str(row["account_id"]),
                "account_number": row["number"],
                "customer_id": _id(row["customer_id"]),
                "customer_name": _name(row),
                "flagged_at": row["flagged_at"].isoformat(),
                "most_cases_in_24h": row["most_cases_in_24h"],
                "cases": cases_by_account[row["account_id"]],
            }
            for row in flagged
        ],
    }


async def kyc_status(pool: asyncpg.Pool) -> dict[str, Any]:
    """Customers by KYC status, and the submitted files waiting for a decision by age."""
    counts = await pool.fetch("SELECT kyc_status, count(*) AS customers FROM customers GROUP BY kyc_status")
    pending = await pool.fetch(
        """SELECT customer_id, first_name, last_name, coalesce(kyc_updated_at, created_at) AS submitted_at
           FROM customers WHERE kyc_status = 'SUBMITTED'
           ORDER BY coalesce(kyc_updated_at, created_at), customer_id LIMIT $1""",
        MAX_PENDING_REVIEWS + 1,
    )
    if len(pending) > MAX_PENDING_REVIEWS:
        raise ReportError(f"more than {MAX_PENDING_REVIEWS:,} reviews are pending: the report would not fit one answer")
    reviews = [
        PendingReview(row["customer_id"], f"{row['first_name']} {row['last_name']}", row["submitted_at"])
        for row in pending
    ]
    return kyc_report({row["kyc_status"]: row["customers"] for row in counts}, reviews, datetime.now(UTC))


class Filing(StrEnum):
    FILED = "filed"
    NO_SUCH_CASE = "no_such_case"
    NOT_FRAUD = "not_fraud"
    ALREADY_FILED = "already_filed"


async def file_case(
    pool: asyncpg.Pool, case_id: uuid.UUID, reference: str, actor: AuditActor, origin: AuditOrigin
) -> tuple[Filing, dict[str, str] | None]:
    """Mark a case resolved as fraud as filed with the regulator under `reference`, once; the
    filing and its audit record commit together. Returns the outcome and the case's filing."""
    assert actor.user_id is not None, "a filing is made by a signed-in member of staff"
    reference = checked_filing_reference(reference)
    async with pool.acquire() as connection, connection.transaction():
        case = await connection.fetchrow(
            "SELECT status, resolution FROM fraud_cases WHERE case_id = $1 FOR UPDATE", case_id
        )
        if case is None:
            return Filing.NO_SUCH_CASE, None
        if case["status"] != "RESOLVED" or case["resolution"] != "FRAUD":
            return Filing.NOT_FRAUD, None
        existing = await connection.fetchrow("SELECT * FROM sar_filings WHERE case_id = $1", case_id)
        if existing is not None:
            return Filing.ALREADY_FILED, _filing_view(existing)
        filed = await connection.fetchrow(
            "INSERT INTO sar_filings (case_id, reference, filed_by) VALUES ($1, $2, $3) RETURNING *",
            case_id,
            reference,
            actor.user_id,
        )
        assert filed is not None, "an INSERT … RETURNING returns its row"
        target = ("fraud_case", str(case_id))
        entry = done_by(
            actor, origin, AuditAction.SAR_FILE, target, {"sar_reference": None}, {"sar_reference": reference}
        )
        await append(connection, entry)
        return Filing.FILED, _filing_view(filed)


def _filing_view(row: asyncpg.Record) -> dict[str, str]:
    return {
        "case_id": str(row["case_id"]),
        "reference": row["reference"],
        "filed_by": str(row["filed_by"]),
        "filed_at": row["filed_at"].isoformat(),
    }

"""Account statements: an opening balance, the entries of a period with their running
balance, and a closing balance — checked against the journal's own balances. Pure."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from models.money import format_amount
from models.spreadsheet import csv_safe

MAX_STATEMENT_LINES: Final = 10_000
MAX_STATEMENT_DAYS: Final = 366


@dataclass(frozen=True)
class StatementLine:
    posted_at: datetime
    transaction_id: uuid.UUID | None
    kind: str
    description: str
    amount_minor: int  # signed: money in is positive
    balance_after_minor: int


@dataclass(frozen=True)
class Statement:
    account_id: uuid.UUID
    account_number: str
    account_type: str
    currency: str
    holder: str
    start: date
    end: date  # inclusive
    opening_minor: int
    lines: tuple[StatementLine, ...]
    closing_minor: int

    def __post_init__(self) -> None:
        # The running balance is recomputed from the entries and must agree with the journal's.
        running = self.opening_minor
        for line in self.lines:
            running += line.amount_minor
            assert running == line.balance_after_minor, f"running balance disagrees at {line.transaction_id}"
        assert running == self.closing_minor

    @property
    def money_in_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines if line.amount_minor > 0)

    @property
    def money_out_minor(self) -> int:
        return -sum(line.amount_minor for line in self.lines if line.amount_minor < 0)

    def amount(self, minor: int) -> str:
        return format_amount(minor, self.currency)


def period_problem(start: date, end: date) -> str | None:
    if end < start:
        return "the end date is before the start date"
    if (end - start).days >= MAX_STATEMENT_DAYS:
        return f"a statement covers at most {MAX_STATEMENT_DAYS} days"
    return None


def statement_json(statement: Statement) -> dict[str, Any]:
    return {
        "account_id": str(statement.account_id),
        "account_number": statement.account_number,
        "account_type": statement.account_type,
        "currency": statement.currency,
        "holder": statement.holder,
        "from": statement.start.isoformat(),
        "to": statement.end.isoformat(),
        "opening_balance": statement.amount(statement.opening_minor),
        "money_in": statement.amount(statement.money_in_minor),
        "money_out": statement.amount(statement.money_out_minor),
        "closing_balance": statement.amount(statement.closing_minor),
        "entries": [
            {
                "posted_at": line.posted_at.isoformat(),
                "transaction_id": None if line.transaction_id is None else str(line.transaction_id),
                "kind": line.kind,
                "description": line.description,
                "amount": statement.amount(line.amount_minor),
                "running_balance": statement.amount(line.balance_after_minor),
            }
            for line in statement.lines
        ],
    }


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["posted_at", "transaction_id", "kind", "description", "amount", "running_balance", "currency"])
    writer.writerow(
        [
            statement.start.isoformat(),
            "",
            "OPENING",
            "Opening balance",
            "",
            statement.amount(statement.opening_minor),
            statement.currency,
        ]
    )
    for line in statement.lines:
        writer.writerow(
            [
                line.posted_at.isoformat(),
                "" if line.transaction_id is None else str(line.transaction_id),
                line.kind,
                csv_safe(line.description),
                statement.amount(line.amount_minor),
                statement.amount(line.balance_after_minor),
                statement.currency,
            ]
        )
    writer.writerow(
        [
            statement.end.isoformat(),
            "",
            "CLOSING",
            "Closing balance",
            "",
            statement.amount(statement.closing_minor),
            statement.currency,
        ]
    )
    return out.getvalue()

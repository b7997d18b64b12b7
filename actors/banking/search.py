"""Searching transactions in the read model: by account, date range, amount range, kind,
status, counterparty and text, newest first, with keyset pagination.

A customer searches only their own accounts (all of them when no account is named); support
and admin search everything. Every filter is a bound parameter; the SQL text is assembled
only from this module's constant fragments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg

from actors.banking.directory import Directory
from actors.banking.records import TRANSACTION_COLUMNS
from actors.banking.transactions import invalid, transaction_view
from actors.ledger.client import LedgerClient
from models.identity import Principal
from models.money import MoneyError, parse_amount
from models.paging import CursorError, decode_time_keyset, encode_time_keyset
from models.transactions import TransactionKind, TransactionStatus

MAX_TEXT_CHARS: Final = 100


@dataclass(frozen=True)
class SearchCriteria:
    account_id: uuid.UUID | None = None
    start: datetime | None = None
    end: datetime | None = None
    min_amount: str | None = None  # decimal strings in `currency` (default: the account's)
    max_amount: str | None = None
    currency: str | None = None
    kind: TransactionKind | None = None
    status: TransactionStatus | None = None
    counterparty: str | None = None
    text: str | None = None


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with the pattern characters taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Query:
    """Conditions joined by AND, each value a bound parameter."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.values: list[Any] = []
        self.account: str | None = None  # the placeholder of the one account searched, if any

    def bind(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def where(self, template: str, *values: Any) -> None:
        """Add a condition; `template`'s {} are replaced by the placeholders of `values`."""
        self.conditions.append(template.format(*(self.bind(value) for value in values)))


def _amount_minor(field: str, text: str, currency: str | None) -> int:
    if currency is None:
        raise invalid("currency", f"is needed with {field} when no account_id is given")
    try:
        return parse_amount(text, currency)
    except MoneyError as error:
        raise invalid(field, str(error)) from None


def _keyset(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        return decode_time_keyset(cursor)
    except CursorError:
        raise invalid("cursor", "is not one this API returned") from None


class TransactionSearch:
    def __init__(self, pool: asyncpg.Pool, ledger: LedgerClient, directory: Directory) -> None:
        self._pool = pool
        self._ledger = ledger
        self._directory = directory

    async def search(
        self, principal: Principal, criteria: SearchCriteria, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        query = _Query()
        currency = await self._scope(principal, criteria, query)
        self._filter(criteria, currency, query)
        if cursor is not None:
            query.where("(created_at, transaction_id) < ({}, {})", *_keyset(cursor))
        where = " AND ".join(query.conditions) or "TRUE"
        newest = f"ORDER BY created_at DESC, transaction_id DESC LIMIT {query.bind(limit + 1)}"
        if query.account is None:
            sql = f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE {where} {newest}"  # nosec B608
        else:
            # One account: each side walks its own (account, created_at) index newest first and
            # stops at the page size; an OR of the sides would sort every match of a busy account.
            side = "SELECT {columns} FROM transactions WHERE {column} = {account} AND {where} {newest}"
            sides = [
                side.format(
                    columns=TRANSACTION_COLUMNS, column=column, account=query.account, where=where, newest=newest
                )
                for column in ("from_account_id", "to_account_id")
            ]
            sql = f"SELECT * FROM (({sides[0]}) UNION ({sides[1]})) AS sides {newest}"  # nosec B608
        rows = await self._pool.fetch(sql, *query.values)
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_time_keyset(last["created_at"], last["transaction_id"])
        return {"items": [transaction_view(row) for row in rows[:limit]], "next_cursor": next_cursor}

    async def _scope(self, principal: Principal, criteria: SearchCriteria, query: _Query) -> str | None:
        """Which accounts the search may see; the currency amounts are in."""
        if criteria.account_id is not None:
            record = await self._directory.readable_account(principal, criteria.account_id)
            query.account = query.bind(criteria.account_id)
            return criteria.currency or record.currency
        if not principal.is_staff:
            customer_id = await self._directory.customer_of(principal)
            owned = [] if customer_id is None else await self._ledger.accounts_of_customer(customer_id)
            query.where(
                "(from_account_id = ANY({}::uuid[]) OR to_account_id = ANY({}::uuid[]))",
                *([[record.account_id for record in owned]] * 2),
            )
        if criteria.currency is not None:
            query.where("currency = {}", criteria.currency)
        return criteria.currency

    @staticmethod
    def _filter(criteria: SearchCriteria, currency: str | None, query: _Query) -> None:
        if criteria.start is not None:
            query.where("created_at >= {}", criteria.start)
        if criteria.end is not None:
            query.where("created_at < {}", criteria.end)
        if criteria.min_amount is not None:
            query.where("amount_minor >= {}", _amount_minor("min_amount", criteria.min_amount, currency))
        if criteria.max_amount is not None:
            query.where("amount_minor <= {}", _amount_minor("max_amount", criteria.max_amount, currency))
        if criteria.kind is not None:
            query.where("kind = {}", criteria.kind.value)
        if criteria.status is not None:
            query.where("status = {}", criteria.status.value)
        if criteria.counterparty is not None:
            query.where("counterparty ILIKE {}", _like(criteria.counterparty))
        if criteria.text is not None:
            query.where(
                "(coalesce(description, '') || ' ' || coalesce(counterparty, '')) ILIKE {}", _like(criteria.text)
            )

"""Who owns what: the customer behind a user, and the access rule every account path obeys.

A customer reaches only accounts of their own customer id; anyone else's account is "not
found" (404, not 403), so account ids cannot be probed. Support reads every account; admin
reads and acts on every account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

import asyncpg

from actors.ledger.client import AccountRecord, LedgerClient
from models.customers import display_name
from models.failures import ServiceFailure
from models.identity import Principal, Role
from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, AccountStatus

ACCOUNT_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such account")
# A number that names no account able to receive money: unknown, closed, frozen, or the bank's own.
NUMBER_NOT_FOUND: Final = ServiceFailure(404, "account_not_found", "no account that can receive money has this number")
# A user's customer id never changes once the profile exists: safe to remember.
MAX_REMEMBERED_CUSTOMERS: Final = 100_000


@dataclass(frozen=True)
class Payable:
    """An account found by its number, as much of it as another customer may learn."""

    record: AccountRecord
    holder_name: str  # first name and last initial


@dataclass(frozen=True)
class CustomerStanding:
    customer_id: uuid.UUID
    kyc_status: str


class Directory:
    def __init__(self, pool: asyncpg.Pool, ledger: LedgerClient) -> None:
        self._pool = pool
        self._ledger = ledger
        self._customer_of_user: dict[uuid.UUID, uuid.UUID] = {}

    async def standing(self, user_id: uuid.UUID) -> CustomerStanding | None:
        """The user's customer profile and its KYC status, read fresh."""
        row = await self._pool.fetchrow("SELECT customer_id, kyc_status FROM customers WHERE user_id = $1", user_id)
        if row is None:
            return None
        self._remember(user_id, row["customer_id"])
        return CustomerStanding(row["customer_id"], row["kyc_status"])

    async def standing_of_customer(self, customer_id: uuid.UUID) -> CustomerStanding | None:
        row = await self._pool.fetchrow(
            "SELECT customer_id, kyc_status FROM customers WHERE customer_id = $1", customer_id
        )
        return None if row is None else CustomerStanding(row["customer_id"], row["kyc_status"])

    async def holder_name(self, customer_id: uuid.UUID | None) -> str:
        row = None
        if customer_id is not None:
            row = await self._pool.fetchrow(
                "SELECT first_name, last_name FROM customers WHERE customer_id = $1", customer_id
            )
        return "BankFlow" if row is None else f"{row['first_name']} {row['last_name']}"

    async def payable(self, number: str) -> Payable:
        """The customer account with this number, if it can receive money now (active); else 404
        `account_not_found`. The one way a number becomes an account: lookups, transfers, payees."""
        record = await self._ledger.account_record_by_number(number)
        if record is None or record.account_type not in CUSTOMER_ACCOUNT_TYPES or record.customer_id is None:
            raise NUMBER_NOT_FOUND
        balance = await self._ledger.balance(record.account_id)
        if balance is None or balance.status is not AccountStatus.ACTIVE:
            raise NUMBER_NOT_FOUND
        row = await self._pool.fetchrow(
            "SELECT first_name, last_name FROM customers WHERE customer_id = $1", record.customer_id
        )
        if row is None:
            raise NUMBER_NOT_FOUND
        return Payable(record, display_name(row["first_name"], row["last_name"]))

    async def customer_of(self, principal: Principal) -> uuid.UUID | None:
        if principal.customer_id is not None:
            return principal.customer_id
        known = self._customer_of_user.get(principal.user_id)
        if known is not None:
            return known
        standing = await self.standing(principal.user_id)
        return None if standing is None else standing.customer_id

    def _remember(self, user_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        if len(self._customer_of_user) >= MAX_REMEMBERED_CUSTOMERS:
            self._customer_of_user.clear()
        self._customer_of_user[user_id] = customer_id

    async def readable_account(self, principal: Principal, account_id: uuid.UUID) -> AccountRecord:
        """The account, if the principal may read it (own, or staff); else 404."""
        record = await self._ledger.account_record(account_id)
        if record is None or record.account_type not in CUSTOMER_ACCOUNT_TYPES:
            raise ACCOUNT_NOT_FOUND
        if principal.is_staff:
            return record
        if record.customer_id is None or record.customer_id != await self.customer_of(principal):
            raise ACCOUNT_NOT_FOUND
        return record

    async def owned_account(self, principal: Principal, account_id: uuid.UUID) -> AccountRecord:
        """The account, if the principal may move its money (owner, or admin); else 404/403."""
        record = await self.readable_account(principal, account_id)
        if principal.has_role(Role.ADMIN):
            return record
        if principal.has_role(Role.SUPPORT) and record.customer_id != await self.customer_of(principal):
            raise ServiceFailure(403, "forbidden", "support may read accounts, not move their money")
        return record

    async def customer_account(self, account_id: uuid.UUID) -> AccountRecord:
        """A destination account: any customer account that exists (its owner is not the caller)."""
        record = await self._ledger.account_record(account_id)
        if record is None or record.account_type not in CUSTOMER_ACCOUNT_TYPES:
            raise ServiceFailure(404, "not_found", "no such destination account")
        return record

"""Who an event concerns: the users behind the user, customer or accounts it names (or the
admins), with where and how to reach them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from models.notifications import Audience, Preferences

# What a customer's country says of how they read amounts; others get the neutral form.
LOCALE_OF_COUNTRY: Final = {"US": "en-US", "GB": "en-GB", "DE": "de-DE", "FR": "fr-FR"}
# Keys of an event's data that name accounts whose owners hear of it.
_ACCOUNT_KEYS: Final = ("account_id", "from_account_id", "to_account_id")
MAX_ADMINS_NOTIFIED: Final = 50


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str
    phone: str | None
    locale: str | None
    preferences: Preferences
    push_token: str | None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _accounts_named(data: Mapping[str, Any]) -> list[uuid.UUID]:
    return [account for key in _ACCOUNT_KEYS if (account := _uuid(data.get(key))) is not None]


async def people_of_many(
    connection: asyncpg.Connection | Any, wanted: Sequence[tuple[Audience, Mapping[str, Any]]]
) -> list[list[Person]]:
    """For each (audience, event data), the people it means; a handful of queries for the lot."""
    customers, accounts = set(), set()
    for audience, data in wanted:
        if audience is Audience.CUSTOMER and (customer := _uuid(data.get("customer_id"))) is not None:
            customers.add(customer)
        elif audience is Audience.ACCOUNT_OWNERS:
            accounts.update(_accounts_named(data))
    user_of_customer: dict[uuid.UUID, uuid.UUID] = {}
    if customers:
        rows = await connection.fetch(
            "SELECT customer_id, user_id FROM customers WHERE customer_id = ANY($1::uuid[])", list(customers)
        )
        user_of_customer = {row["customer_id"]: row["user_id"] for row in rows}
    owner_of_account: dict[uuid.UUID, uuid.UUID] = {}
    if accounts:
        rows = await connection.fetch(
            """SELECT a.account_id, c.user_id FROM ledger_accounts a JOIN customers c USING (customer_id)
               WHERE a.account_id = ANY($1::uuid[])""",
            list(accounts),
        )
        owner_of_account = {row["account_id"]: row["user_id"] for row in rows}
    admins: list[uuid.UUID] = []
    if any(audience is Audience.ADMINS for audience, _ in wanted):
        rows = await connection.fetch(
            "SELECT user_id FROM users WHERE 'admin' = ANY(roles) ORDER BY created_at LIMIT $1", MAX_ADMINS_NOTIFIED
        )
        admins = [row["user_id"] for row in rows]
    user_lists: list[list[uuid.UUID]] = []
    for audience, data in wanted:
        if audience is Audience.USER:
            user = _uuid(data.get("user_id"))
            user_lists.append([] if user is None else [user])
        elif audience is Audience.CUSTOMER:
            user = user_of_customer.get(_uuid(data.get("customer_id")) or uuid.UUID(int=0))
            user_lists.append([] if user is None else [user])
        elif audience is Audience.ACCOUNT_OWNERS:
            owners = [owner_of_account[a] for a in _accounts_named(data) if a in owner_of_account]
            user_lists.append(list(dict.fromkeys(owners)))
        else:
            assert audience is Audience.ADMINS, audience
            user_lists.append(admins)
    known = await _people_by_id(connection, {user for users in user_lists for user in users})
    return [[known[user] for user in users if user in known] for users in user_lists]


async def _people_by_id(connection: asyncpg.Connection | Any, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, Person]:
    if not user_ids:
        return {}
    rows = await connection.fetch(
        """SELECT u.user_id, u.email, u.phone, c.country, p.channels, p.push_token
           FROM users u
           LEFT JOIN customers c ON c.user_id = u.user_id
           LEFT JOIN notification_preferences p ON p.user_id = u.user_id
           WHERE u.user_id = ANY($1::uuid[])""",
        list(user_ids),
    )
    return {
        row["user_id"]: Person(
            row["user_id"],
            row["email"],
            row["phone"],
            LOCALE_OF_COUNTRY.get((row["country"] or "").strip()),
            preferences_of(row["channels"], has_phone=row["phone"] is not None),
            row["push_token"],
        )
        for row in rows
    }


def preferences_of(stored: str | None, *, has_phone: bool) -> Preferences:
    """A user's stored preferences, or the defaults."""
    if stored is None:
        return Preferences.defaults(has_phone=has_phone)
    return Preferences.from_json(json.loads(stored))

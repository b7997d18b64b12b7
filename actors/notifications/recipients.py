"""Who an event concerns: the users behind the user, customer or accounts it names (or the
admins), with where and how to reach them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
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


async def _user_ids(connection: Any, audience: Audience, data: Mapping[str, Any]) -> list[uuid.UUID]:
    if audience is Audience.USER:
        user = _uuid(data.get("user_id"))
        return [] if user is None else [user]
    if audience is Audience.CUSTOMER:
        customer = _uuid(data.get("customer_id"))
        found = await connection.fetchval("SELECT user_id FROM customers WHERE customer_id = $1", customer)
        return [] if found is None else [found]
    if audience is Audience.ACCOUNT_OWNERS:
        accounts = [account for key in _ACCOUNT_KEYS if (account := _uuid(data.get(key))) is not None]
        rows = await connection.fetch(
            """SELECT DISTINCT c.user_id FROM ledger_accounts a JOIN customers c USING (customer_id)
               WHERE a.account_id = ANY($1::uuid[])""",
            accounts,
        )
        return [row["user_id"] for row in rows]
    assert audience is Audience.ADMINS, audience
    rows = await connection.fetch(
        "SELECT user_id FROM users WHERE 'admin' = ANY(roles) ORDER BY created_at LIMIT $1", MAX_ADMINS_NOTIFIED
    )
    return [row["user_id"] for row in rows]


async def people(connection: asyncpg.Connection | Any, audience: Audience, data: Mapping[str, Any]) -> list[Person]:
    """The people `audience` means for an event with this data (none when it names nobody we know)."""
    user_ids = await _user_ids(connection, audience, data)
    if not user_ids:
        return []
    rows = await connection.fetch(
        """SELECT u.user_id, u.email, u.phone, c.country, p.channels, p.push_token
           FROM users u
           LEFT JOIN customers c ON c.user_id = u.user_id
           LEFT JOIN notification_preferences p ON p.user_id = u.user_id
           WHERE u.user_id = ANY($1::uuid[]) ORDER BY u.user_id""",
        user_ids,
    )
    return [
        Person(
            row["user_id"],
            row["email"],
            row["phone"],
            LOCALE_OF_COUNTRY.get((row["country"] or "").strip()),
            preferences_of(row["channels"], has_phone=row["phone"] is not None),
            row["push_token"],
        )
        for row in rows
    ]


def preferences_of(stored: str | None, *, has_phone: bool) -> Preferences:
    """A user's stored preferences, or the defaults."""
    if stored is None:
        return Preferences.defaults(has_phone=has_phone)
    return Preferences.from_json(json.loads(stored))

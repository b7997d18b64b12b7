"""Customer notifications, the pure part: which events notify whom about what, on which
channels each person wants them, how long to wait before trying a send again, what a
reachable address looks like, and how an amount reads in the recipient's locale.

No I/O and no template engine here: actors/notifications/ feeds events in and sends what
comes out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from models.money import MoneyError, minor_units

MAX_DELIVERY_ATTEMPTS: Final = 5
# What providers accept: Twilio concatenates at most 1,600 characters, FCM shows about this much.
SMS_BODY_MAX_CHARS: Final = 1_600
PUSH_TITLE_MAX_CHARS: Final = 100
PUSH_BODY_MAX_CHARS: Final = 1_000
EMAIL_SUBJECT_MAX_CHARS: Final = 200
EMAIL_BODY_MAX_CHARS: Final = 100_000
EMAIL_ADDRESS_MAX_CHARS: Final = 254  # RFC 5321 path limit
EMAIL_LOCAL_PART_MAX_CHARS: Final = 64
PHONE_MIN_DIGITS: Final = 8
PHONE_MAX_DIGITS: Final = 15  # E.164
PUSH_TOKEN_MAX_CHARS: Final = 4_096


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


class Category(StrEnum):
    SECURITY = "SECURITY"  # verification codes, password resets, fraud alerts, frozen accounts
    ACCOUNT = "ACCOUNT"  # welcome, account opened or closed
    TRANSACTIONS = "TRANSACTIONS"  # completed, failed, reversed
    KYC = "KYC"  # identity check approved or rejected


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # no provider configured for the channel: nothing pretends to have sent


class Audience(StrEnum):
    USER = "USER"  # the user the event names (data.user_id)
    ACCOUNT_OWNERS = "ACCOUNT_OWNERS"  # the owners of every account it names: both sides of a transfer
    CUSTOMER = "CUSTOMER"  # the user behind the customer it names (data.customer_id)
    ADMINS = "ADMINS"


class UnknownEventError(ValueError):
    """An event type BankFlow never publishes: a poison message, not a quiet one."""


class PreferenceError(ValueError):
    """A preference that cannot be stored; the message says which and why."""


@dataclass(frozen=True)
class Route:
    category: Category
    audience: Audience
    template: str


# Every event type BankFlow publishes (API.md › Events, plus the ones services added since).
KNOWN_EVENT_TYPES: Final = frozenset(
    {
        "user.registered", "user.logged_in", "user.verified", "user.verification_requested",
        "user.password_reset_requested",
        "customer.created", "customer.updated", "kyc.submitted", "kyc.approved", "kyc.rejected",
        "account.created", "account.balance.updated", "account.frozen", "account.unfrozen", "account.closed",
        "account.overdraft.updated", "account.daily_limit.updated",
        "transaction.initiated", "transaction.processing", "transaction.completed", "transaction.failed",
        "transaction.reversed",
        "fraud.detected", "fraud.high_risk", "account.suspicious",
        "notification.sent", "notification.failed",
    }
)  # fmt: skip

_S, _A, _T, _K = Category.SECURITY, Category.ACCOUNT, Category.TRANSACTIONS, Category.KYC
# The events people hear of; every other known event is plumbing or interim state.
ROUTES: Final[Mapping[str, Route]] = MappingProxyType(
    {
        "user.registered": Route(_A, Audience.USER, "welcome"),
        "user.verification_requested": Route(_S, Audience.USER, "verification_code"),
        "user.password_reset_requested": Route(_S, Audience.USER, "password_reset"),
        # The customer, not the ledger's owners: a system account names no customer and notifies nobody.
        "account.created": Route(_A, Audience.CUSTOMER, "account_created"),
        "account.frozen": Route(_S, Audience.ACCOUNT_OWNERS, "account_frozen"),
        "account.closed": Route(_A, Audience.ACCOUNT_OWNERS, "account_closed"),
        "transaction.completed": Route(_T, Audience.ACCOUNT_OWNERS, "transaction_completed"),
        "transaction.failed": Route(_T, Audience.ACCOUNT_OWNERS, "transaction_failed"),
        "transaction.reversed": Route(_T, Audience.ACCOUNT_OWNERS, "transaction_reversed"),
        "kyc.approved": Route(_K, Audience.CUSTOMER, "kyc_approved"),
        "kyc.rejected": Route(_K, Audience.CUSTOMER, "kyc_rejected"),
        # Every case warns the account's owners; the high-risk ones (published too) page the admins.
        "fraud.detected": Route(_S, Audience.ACCOUNT_OWNERS, "fraud_alert"),
        "fraud.high_risk": Route(_S, Audience.ADMINS, "fraud_high_risk"),
    }
)
assert ROUTES.keys() <= KNOWN_EVENT_TYPES, ROUTES.keys() - KNOWN_EVENT_TYPES


def route_of(event_type: str) -> Route | None:
    """The route of an event type (without the com.bankflow. prefix); None when it notifies nobody."""
    if event_type not in KNOWN_EVENT_TYPES:
        raise UnknownEventError(f"unknown event type {event_type!r}")
    return ROUTES.get(event_type)


# --- preferences ---------------------------------------------------------------------------------

# Codes and fraud alerts must reach the person whatever they chose: email is the one channel
# every user has.
ALWAYS_ON: Final = frozenset({(Category.SECURITY, Channel.EMAIL)})


@dataclass(frozen=True)
class Preferences:
    enabled: frozenset[tuple[Category, Channel]]

    def __post_init__(self) -> None:
        for category, channel in sorted(ALWAYS_ON - self.enabled):
            raise PreferenceError(
                f"{category.value} messages cannot be switched off on {channel.value}: "
                "codes, resets and fraud alerts must always reach you"
            )

    @classmethod
    def defaults(cls, *, has_phone: bool) -> Preferences:
        """Everything by email; codes and alerts by SMS too when there is a phone to send them to."""
        enabled = {(category, Channel.EMAIL) for category in Category}
        if has_phone:
            enabled.add((Category.SECURITY, Channel.SMS))
        return cls(frozenset(enabled))

    def allows(self, category: Category, channel: Channel) -> bool:
        return (category, channel) in self.enabled

    def with_changes(self, changes: Mapping[tuple[Category, Channel], bool]) -> Preferences:
        enabled = set(self.enabled)
        for (category_name, channel_name), on in changes.items():
            key = (_category(category_name), _channel(channel_name))
            if not isinstance(on, bool):
                raise PreferenceError(f"{key[0].value}/{key[1].value} must be true or false, not {on!r}")
            if on:
                enabled.add(key)
            else:
                enabled.discard(key)
        return Preferences(frozenset(enabled))

    def as_json(self) -> dict[str, dict[str, bool]]:
        """The full matrix, so that a stored copy never depends on defaults that may change."""
        return {
            category.value: {channel.value: self.allows(category, channel) for channel in Channel}
            for category in Category
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any], *, has_phone: bool = False) -> Preferences:
        """What `as_json` wrote; a pair it does not mention keeps its default."""
        if not isinstance(stored, Mapping):
            raise PreferenceError("preferences must be an object of categories")
        changes: dict[tuple[Category, Channel], bool] = {}
        for category_name, by_channel in stored.items():
            if not isinstance(by_channel, Mapping):
                raise PreferenceError(f"{category_name}: must be an object of channels")
            for channel_name, on in by_channel.items():
                changes[(_category(category_name), _channel(channel_name))] = on
        return cls.defaults(has_phone=has_phone).with_changes(changes)


def _category(name: str) -> Category:
    try:
        return Category(name)
    except ValueError:
        raise PreferenceError(f"unknown category {name!r}") from None


def _channel(name: str) -> Channel:
    try:
        return Channel(name)
    except ValueError:
        raise PreferenceError(f"unknown channel {name!r}") from None


# --- delivery ------------------------------------------------------------------------------------


def delivery_delay_ms(attempt: int, base_ms: int, cap_ms: int, rng: random.Random) -> int:
    """How long to wait before retry `attempt` (0 for the first retry): AWS "full jitter",
    uniform in [0, min(cap, base·2^attempt)], so that senders failing together do not retry together."""
    assert attempt >= 0, attempt
    assert base_ms >= 0 and cap_ms >= 0, (base_ms, cap_ms)
    # Past the cap's bit length the cap wins anyway: a runaway attempt count costs no huge integer.
    growth_ms = base_ms << min(attempt, cap_ms.bit_length())
    return rng.randint(0, min(cap_ms, growth_ms))


_EMAIL: Final = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
# [0-9], not \d: \d also matches other scripts' digits, which no carrier dials. The API declares it too.
PHONE_E164_PATTERN: Final = rf"^\+[1-9][0-9]{{{PHONE_MIN_DIGITS - 1},{PHONE_MAX_DIGITS - 1}}}$"
_PHONE_E164: Final = re.compile(PHONE_E164_PATTERN)
_PUSH_TOKEN: Final = re.compile(rf"[A-Za-z0-9:_-]{{1,{PUSH_TOKEN_MAX_CHARS}}}")


# fullmatch throughout: `$` would let a trailing newline through, and with it a header injection.
def valid_email(text: str) -> bool:
    if len(text) > EMAIL_ADDRESS_MAX_CHARS or _EMAIL.fullmatch(text) is None:
        return False
    return len(text.rsplit("@", 1)[0]) <= EMAIL_LOCAL_PART_MAX_CHARS


def valid_phone_e164(text: str) -> bool:
    return _PHONE_E164.fullmatch(text) is not None


def valid_push_token(text: str) -> bool:
    return _PUSH_TOKEN.fullmatch(text) is not None


# --- amounts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AmountStyle:
    group: str
    decimal: str
    sign_first: bool  # "$1.00" rather than "1,00 €"
    signs: Mapping[str, str]  # currencies with a local sign; the others show their ISO code


_STYLES: Final[Mapping[str, _AmountStyle]] = {
    "en-us": _AmountStyle(",", ".", True, {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}),
    "en-gb": _AmountStyle(",", ".", True, {"GBP": "£", "USD": "US$", "EUR": "€", "JPY": "JP¥"}),
    "de-de": _AmountStyle(".", ",", False, {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}),
    # A narrow no-break space groups digits (CLDR): a line never breaks inside an amount.
    "fr-fr": _AmountStyle("\u202f", ",", False, {"EUR": "€", "USD": "$US", "GBP": "£GB"}),
}
# Readable in any language and never mistaken for another dollar.
_NEUTRAL: Final = _AmountStyle(",", ".", False, {})


def display_amount(amount: str, currency: str, locale: str | None) -> str:
    """The API's decimal string as the recipient reads it: ("1234.50", "USD", "en-US") → "$1,234.50"."""
    currency = currency.strip().upper()
    decimals = minor_units(currency)
    text = amount.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"amount {amount!r} is not a decimal number") from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or "e" in text.lower() or not isinstance(exponent, int):
        raise MoneyError(f"amount {amount!r} is not a plain decimal number")
    if -exponent > decimals:
        raise MoneyError(f"amount {amount!r} has more than {decimals} decimals for {currency}")
    amount_minor = int(value.scaleb(decimals))
    style = _STYLES.get((locale or "").replace("_", "-").lower(), _NEUTRAL)
    whole, fraction = divmod(abs(amount_minor), 10**decimals)
    number = f"{whole:,}".replace(",", style.group)
    if decimals:
        number += f"{style.decimal}{fraction:0{decimals}d}"
    sign = style.signs.get(currency)
    if sign is None:
        shown = f"{currency} {number}" if style.sign_first else f"{number} {currency}"
    else:
        shown = f"{sign}{number}" if style.sign_first else f"{number} {sign}"
    return f"-{shown}" if amount_minor < 0 else shown

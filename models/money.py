"""Money: integer minor units inside, decimal strings at the edge, ISO 4217 currencies.

Never float: an amount is parsed from its decimal text, checked against the currency's
number of decimals, and kept as an int of minor units (cents).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

# ISO 4217 active codes and their minor units (decimals).
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
    "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR "
    "MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR "
    "SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG"
)
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_MINOR_UNITS: Final[dict[str, int]] = {
    code: decimals
    for codes, decimals in (
        (_TWO_DECIMALS, 2),
        (_ZERO_DECIMALS, 0),
        (_THREE_DECIMALS, 3),
        (_FOUR_DECIMALS, 4),
    )
    for code in codes.split()
}

# The largest amount of one movement, far below the int64 columns of the journal.
MAX_AMOUNT_MINOR: Final = 10**15

# What clients are told an amount looks like (JSON Schema patterns, valid in ECMA 262, Rust and
# Python regex alike): a plain positive decimal with at most four decimals (the most any currency
# has) and at most eleven whole digits, so that every match fits MAX_AMOUNT_MINOR in every
# currency. parse_amount accepts every match, within the decimals of its currency.
AMOUNT_PATTERN: Final = (
    r"^(?:[1-9][0-9]{0,10}(?:\.[0-9]{1,4})?|0\.(?:[1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))$"
)
# What format_amount writes: signed, with the currency's decimals (none to four).
FORMATTED_AMOUNT_PATTERN: Final = r"^-?[0-9]+(?:\.[0-9]{1,4})?$"
CURRENCY_PATTERN: Final = r"^[A-Z]{3}$"


class MoneyError(ValueError):
    """An amount or currency is not acceptable; the message says why."""


def is_known_currency(code: str) -> bool:
    return code in _MINOR_UNITS


def minor_units(currency: str) -> int:
    """Decimals of `currency` (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        return _MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}: not an ISO 4217 code") from None


def parse_amount(text: str, currency: str) -> int:
    """A positive decimal string in `currency` → minor units; refuses floats, excess decimals, ≤ 0."""
    if not isinstance(text, str):
        raise MoneyError('amount must be a decimal string such as "12.34", not a number')
    decimals = minor_units(currency)
    stripped = text.strip()
    if not stripped:
        raise MoneyError(f"amount {text!r} is not a decimal number")
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        raise MoneyError(f"amount {text!r} is not a decimal number") from None
    if not value.is_finite() or "e" in stripped.lower():
        raise MoneyError(f"amount {text!r} is not a plain decimal number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > decimals:
        raise MoneyError(f"amount {text!r} has more than {decimals} decimals for {currency}")
    if value <= 0:
        raise MoneyError(f"amount {text!r} must be greater than zero")
    amount_minor = int(value.scaleb(decimals))
    if amount_minor > MAX_AMOUNT_MINOR:
        raise MoneyError(f"amount {text!r} is larger than the largest allowed movement")
    return amount_minor


def format_amount(amount_minor: int, currency: str) -> str:
    """Minor units → the decimal string of the API ("12.34", "-0.50", "1000" for JPY)."""
    decimals = minor_units(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**decimals)
    if decimals == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{decimals}d}"

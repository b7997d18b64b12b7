"""Customers and KYC: what a profile must satisfy, and how a KYC review may move. Pure."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, Final, Protocol

ADULT_AGE_YEARS: Final = 18
MAX_AGE_YEARS: Final = 130
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '.-])*$")
_SSN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class KycStatus(StrEnum):
    PENDING = "PENDING"  # profile created, nothing submitted yet
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


# Which review steps may follow which state: resubmission is allowed after a rejection.
_TRANSITIONS: Final = {
    KycStatus.PENDING: {KycStatus.SUBMITTED},
    KycStatus.SUBMITTED: {KycStatus.APPROVED, KycStatus.REJECTED},
    KycStatus.REJECTED: {KycStatus.SUBMITTED},
    KycStatus.APPROVED: set(),
}


def kyc_can_move(current: KycStatus, target: KycStatus) -> bool:
    return target in _TRANSITIONS[current]


def name_problem(name: str) -> str | None:
    if not 1 <= len(name) <= 100:
        return "must be 1 to 100 characters"
    if not _NAME.match(name):
        return "may hold letters, spaces, apostrophes, dots and hyphens, starting with a letter"
    return None


def birth_date_problem(born: date, today: date) -> str | None:
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born > today or age > MAX_AGE_YEARS:
        return "is not a plausible date of birth"
    if age < ADULT_AGE_YEARS:
        return f"the customer must be at least {ADULT_AGE_YEARS} years old"
    return None


def normalize_ssn(ssn: str) -> str | None:
    """A US SSN as ###-##-####, or None if it cannot be one (area 000, 666, 9xx; group 00; serial 0000)."""
    match = _SSN.match(ssn.strip())
    if match is None:
        return None
    area, group, serial = match.groups()
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        return None
    return f"{area}-{group}-{serial}"


def postal_code_problem(postal_code: str) -> str | None:
    return None if _POSTAL.match(postal_code) else "must be 2 to 10 letters, digits, spaces or hyphens"


def country_problem(country: str) -> str | None:
    return None if _COUNTRY.match(country) else "must be an ISO 3166-1 alpha-2 code such as US"


class DocumentKind(StrEnum):
    PASSPORT = "passport"
    DRIVER_LICENCE = "driver_licence"
    NATIONAL_ID = "national_id"
    UTILITY_BILL = "utility_bill"
    BANK_STATEMENT = "bank_statement"


MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
_SIGNATURES: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_content_type(head: bytes) -> str | None:
    """The type a document's first bytes show (PDF, PNG, JPEG), whatever its name claims."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def display_name(first_name: str, last_name: str) -> str:
    """What another customer may see of a holder's name: the first name and the last initial ("Jane D.")."""
    initial = last_name.strip()[:1].upper()
    return f"{first_name.strip()} {initial}." if initial else first_name.strip()


ADDRESS_FIELDS: Final = ("line1", "line2", "city", "region", "postal_code", "country")


class Row(Protocol):
    """A row read by name: a database record, a dict."""

    def __getitem__(self, name: str) -> Any: ...


def address_of(row: Row) -> dict[str, Any]:
    """A customer's address as the API shows it, from a row with `address_<field>` columns
    (`address_line1`, …, `city`, `region`, `postal_code`, `country` as stored)."""
    stored = {"line1": "address_line1", "line2": "address_line2"}
    return {name: row[stored.get(name, name)] for name in ADDRESS_FIELDS}

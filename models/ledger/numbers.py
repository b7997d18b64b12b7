"""Account numbers: human-readable, unique by construction, with ISO 7064 MOD 97-10 check digits.

A number is the shard (3 digits), the shard's account sequence (9 digits) and two check
digits computed as for an IBAN, so a mistyped digit or swapped pair is caught.
"""

from __future__ import annotations

import re
from typing import Final

SHARD_DIGITS: Final = 3
SEQUENCE_DIGITS: Final = 9
NUMBER_LENGTH: Final = SHARD_DIGITS + SEQUENCE_DIGITS + 2
# What a number looks like at the API (ASCII digits only: str.isdigit() takes other scripts' too).
NUMBER_PATTERN: Final = f"^[0-9]{{{NUMBER_LENGTH}}}$"
_NUMBER: Final = re.compile(NUMBER_PATTERN)


def _check_digits(body: str) -> str:
    return f"{98 - (int(body) * 100) % 97:02d}"


def make_account_number(shard: int, sequence: int) -> str:
    assert 0 <= shard < 10**SHARD_DIGITS, shard
    assert 0 < sequence < 10**SEQUENCE_DIGITS, sequence
    body = f"{shard:0{SHARD_DIGITS}d}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + _check_digits(body)


def is_valid_account_number(number: str) -> bool:
    if len(number) != NUMBER_LENGTH or not number.isdigit():
        return False
    return int(number) % 97 == 1


def number_problem(number: str) -> str | None:
    """What is wrong with a BankFlow account number as typed, or None (whether it exists is another matter)."""
    if not _NUMBER.fullmatch(number):
        return f"must be {NUMBER_LENGTH} digits"
    if not is_valid_account_number(number):
        return "has wrong check digits"
    return None


def format_account_number(number: str) -> str:
    """Groups of four for people: 0010 0000 0042 17."""
    return " ".join(number[index : index + 4] for index in range(0, len(number), 4))

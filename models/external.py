"""External transfers (ACH and wire) and the rails simulator's rules. Pure.

The simulator stands in for the other banks: it answers every transfer on the rails'
timetable — wires after a short delay, ACH at the close of its batching window — and
returns some, by rules a tester can aim at:
  - an external account number ending in 0000: R03, no account (either direction);
  - an incoming pull from an external account number ending in 0001: R01, insufficient
    funds at the other bank.
Everything else settles.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

# Also the patterns the API declares; [0-9], not isdigit(): that also takes other scripts' digits,
# and superscripts, which int() then refuses.
ROUTING_NUMBER_PATTERN: Final = r"^[0-9]{9}$"
ACCOUNT_NUMBER_PATTERN: Final = r"^[0-9]{4,17}$"
_ROUTING_NUMBER: Final = re.compile(ROUTING_NUMBER_PATTERN)
_ACCOUNT_NUMBER: Final = re.compile(ACCOUNT_NUMBER_PATTERN)
RETURN_NO_ACCOUNT: Final = "R03"
RETURN_INSUFFICIENT_FUNDS: Final = "R01"


class Rail(StrEnum):
    ACH = "ACH"
    WIRE = "WIRE"


class Direction(StrEnum):
    OUT = "OUT"  # from a BankFlow account to another bank
    IN = "IN"  # from another bank into a BankFlow account


class ExternalStatus(StrEnum):
    PENDING = "PENDING"
    SETTLED = "SETTLED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"  # the movement never left (refused by the ledger, limits or fraud)
    REFUND_BLOCKED = "REFUND_BLOCKED"  # returned, but the account refuses the refund: for an operator


def routing_number_problem(routing: str) -> str | None:
    """ABA routing numbers: nine digits with a weighted check digit (3-7-1)."""
    if not _ROUTING_NUMBER.fullmatch(routing):
        return "must be nine digits"
    digits = [int(c) for c in routing]
    total = sum(weight * digit for weight, digit in zip((3, 7, 1) * 3, digits, strict=True))
    if total % 10 != 0:
        return "has a wrong check digit"
    return None


def account_number_problem(number: str) -> str | None:
    if not _ACCOUNT_NUMBER.fullmatch(number):
        return "must be 4 to 17 digits"
    return None


def due_at(rail: Rail, requested_at: datetime, ach_window_s: int, wire_delay_s: float) -> datetime:
    """When the rails answer: wires after their delay, ACH at the end of the window it joined."""
    if rail is Rail.WIRE:
        return requested_at + timedelta(seconds=wire_delay_s)
    epoch_s = requested_at.timestamp()
    window_end_s = math.floor(epoch_s / ach_window_s) * ach_window_s + ach_window_s
    return requested_at + timedelta(seconds=window_end_s - epoch_s)


def rails_outcome(direction: Direction, external_account: str) -> str | None:
    """The return code the other bank answers with, or None when it settles."""
    if external_account.endswith("0000"):
        return RETURN_NO_ACCOUNT
    if direction is Direction.IN and external_account.endswith("0001"):
        return RETURN_INSUFFICIENT_FUNDS
    return None


def masked(account_number: str) -> str:
    return "****" + account_number[-4:]

"""Ledger vocabulary: account types and statuses, transfer statuses, reason codes, ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Final


class AccountType(StrEnum):
    CHECKING = "CHECKING"
    SAVINGS = "SAVINGS"
    SETTLEMENT = "SETTLEMENT"  # money entering and leaving the bank (teller, card and payment rails)
    CLEARING = "CLEARING"  # money in flight between shards during a cross-shard transfer
    FEES = "FEES"


CUSTOMER_ACCOUNT_TYPES: Final = frozenset({AccountType.CHECKING, AccountType.SAVINGS})
INTERNAL_ACCOUNT_TYPES: Final = frozenset({AccountType.SETTLEMENT, AccountType.CLEARING, AccountType.FEES})


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


class TransferStatus(StrEnum):
    PENDING = "PENDING"  # a hold, or a cross-shard transfer between its steps
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"
    REVERSED = "REVERSED"


FINAL_TRANSFER_STATUSES: Final = frozenset(
    {TransferStatus.COMPLETED, TransferStatus.FAILED, TransferStatus.VOIDED, TransferStatus.EXPIRED}
)


class RejectReason(StrEnum):
    INSUFFICIENT_FUNDS = "insufficient_funds"
    ACCOUNT_FROZEN = "account_frozen"
    ACCOUNT_CLOSED = "account_closed"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNKNOWN_ACCOUNT = "unknown_account"
    LIMIT_EXCEEDED = "limit_exceeded"  # above the account's largest single debit
    DAILY_LIMIT_EXCEEDED = "daily_limit_exceeded"  # above what the account may still send today
    DUPLICATE_ID_CONFLICT = "duplicate_id_conflict"
    INVALID_AMOUNT = "invalid_amount"
    UNKNOWN_CURRENCY = "unknown_currency"
    SAME_ACCOUNT = "same_account"
    ACCOUNT_EXISTS = "account_exists"
    BALANCE_NOT_ZERO = "balance_not_zero"
    INVALID_STATUS = "invalid_status"
    INTERNAL_ACCOUNT = "internal_account"
    PENDING_NOT_FOUND = "pending_not_found"
    PENDING_ALREADY_FINAL = "pending_already_final"
    PENDING_EXPIRED = "pending_expired"
    AMOUNT_EXCEEDS_PENDING = "amount_exceeds_pending"
    INVALID_TIMEOUT = "invalid_timeout"
    OVERDRAFT_IN_USE = "overdraft_in_use"  # the new overdraft line is below what the account owes


MS_PER_DAY: Final = 86_400_000


def day_of(time_ms: int) -> int:
    """The UTC day (days since 1970-01-01) of a time in milliseconds: what a daily limit counts in."""
    return time_ms // MS_PER_DAY


# Namespace of the ids BankFlow derives deterministically (saga steps, internal accounts).
LEDGER_NAMESPACE: Final = uuid.UUID("5f0c4b0e-8a57-4c1e-9b4e-6b616e6b666c")


def derived_id(*parts: object) -> uuid.UUID:
    """A stable id for a derived thing (e.g. the credit step of transfer T)."""
    return uuid.uuid5(LEDGER_NAMESPACE, ":".join(str(part) for part in parts))


_new_object = object.__new__
_set_attribute = object.__setattr__
_SAFETY_UNKNOWN = uuid.SafeUUID.unknown  # an enum member's lookup costs a descriptor call each time


def _plain_uuid_from_bytes(raw: bytes) -> uuid.UUID:
    """uuid.UUID(bytes=raw), at a third of the cost: what UUID.__init__ does for 16 bytes,
    without its argument parsing."""
    value = _new_object(uuid.UUID)
    _set_attribute(value, "int", int.from_bytes(raw, "big"))
    _set_attribute(value, "is_safe", _SAFETY_UNKNOWN)
    return value


_decode_id: Callable[[bytes], uuid.UUID] = _plain_uuid_from_bytes


def id_decoder() -> Callable[[bytes], uuid.UUID]:
    """What `uuid_from_bytes` calls, for a loop over many ids to call directly."""
    return _decode_id


def uuid_from_bytes(raw: bytes) -> uuid.UUID:
    """The id of 16 bytes, as the process's id type (see `use_id_type`)."""
    return _decode_id(raw)


def use_id_type(from_bytes: Callable[[bytes], uuid.UUID]) -> None:
    """Decode ids with `from_bytes` in this process from now on.

    A shard hashes, compares and prints millions of ids; uuid.UUID does each in Python. A
    process may swap in a compiled UUID subclass (the shard uses the one its database driver
    returns), provided it is the same value to every reader: equal both ways, same hash, same text.
    """
    global _decode_id  # noqa: PLW0603 -- one choice per process, made as it starts
    sample = uuid.uuid4()
    fast = from_bytes(sample.bytes)
    assert isinstance(fast, uuid.UUID), "ids stay uuid.UUID instances"
    assert fast == sample and sample == fast and hash(fast) == hash(sample), "the same value to dicts and sets"
    assert str(fast) == str(sample) and fast.bytes == sample.bytes, "the same value on the wire and in text"
    _decode_id = from_bytes

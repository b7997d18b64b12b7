"""Ledger commands: what callers ask of the ledger, each carrying its idempotency id.

Transfer-like commands (transfer, deposit, withdrawal, pending transfer) are identified by
their transfer id; the others by a command id. The cross-shard saga steps derive their ids
from the transfer id, so a retried step is recognised as the same step.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from models.ledger.types import AccountType, derived_id, id_decoder, uuid_from_bytes

# A customer account's default largest single debit (10 million in a two-decimal currency).
DEFAULT_DEBIT_LIMIT_MINOR: Final = 1_000_000_000
MIN_PENDING_TIMEOUT_MS: Final = 1_000
MAX_PENDING_TIMEOUT_MS: Final = 31 * 24 * 3600 * 1000
MAX_METADATA_CHARS: Final = 2_000
# The most commands one call to a shard (and so one batch endpoint request) carries: a shard
# batch holds these and the internal accounts they may open, and the journal writes it as one
# set of array parameters, so every path that sends commands is bounded by this one figure.
MAX_BATCH_COMMANDS: Final = 8_190
# Bounds a command must respect to be sent at all (the journal's columns are int64);
# amounts inside them but not acceptable (zero, negative, too large) are rejected by decide.
_AMOUNT_BOUND: Final = 2**62


def _check_shape(amount_minor: int | None, currency: str | None, metadata: dict[str, str] | None = None) -> None:
    """Refuse a malformed command at construction: a programming error, not a business rejection."""
    if amount_minor is not None and (not isinstance(amount_minor, int) or abs(amount_minor) >= _AMOUNT_BOUND):
        raise ValueError(f"amount_minor must be an int of magnitude below 2**62, got {amount_minor!r}")
    if currency is not None and not (len(currency) == 3 and currency.isascii() and currency.isupper()):
        raise ValueError(f"currency must be three uppercase letters, got {currency!r}")
    if metadata:  # checked on every construction, unpickling included: no JSON round here
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in metadata.items()):
            raise ValueError("metadata maps strings to strings")
        if sum(len(key) + len(value) for key, value in metadata.items()) > MAX_METADATA_CHARS:
            raise ValueError(f"metadata is longer than {MAX_METADATA_CHARS} characters")


class StatusAction(StrEnum):
    FREEZE = "FREEZE"
    UNFREEZE = "UNFREEZE"
    CLOSE = "CLOSE"


class _IdsAsBytes:
    """Pickles a command with its ids as 16 bytes each, decoded as the receiving process's id
    type (types.use_id_type): commands cross from clients to shards by the million."""

    __slots__ = ()

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        fields = getattr(self, "__dataclass_fields__")  # noqa: B009 -- set on every subclass by @dataclass
        values = tuple(
            value.bytes if isinstance(value, uuid.UUID) else value for value in (getattr(self, name) for name in fields)
        )
        return _command_from_wire, (type(self), values)


def _command_from_wire(kind: type[_IdsAsBytes], values: tuple[object, ...]) -> _IdsAsBytes:
    # No command field holds bytes but an id.
    return kind(*(uuid_from_bytes(value) if type(value) is bytes else value for value in values))


@dataclass(frozen=True, slots=True)
class OpenAccount(_IdsAsBytes):
    command_id: uuid.UUID
    account_id: uuid.UUID
    account_type: AccountType
    currency: str
    customer_id: uuid.UUID | None = None
    debit_limit_minor: int = DEFAULT_DEBIT_LIMIT_MINOR

    def __post_init__(self) -> None:
        _check_shape(self.debit_limit_minor, self.currency)

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class Transfer(_IdsAsBytes):
    """Money from one account to another; with `pending_timeout_ms`, a hold to post or void later."""

    transfer_id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    pending_timeout_ms: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # False for the bank's own movements out of a customer account (a reversal): they neither
    # count against its daily limit nor are refused by it.
    counts_toward_daily_limit: bool = True

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, self.currency, self.metadata)

    @property
    def is_plain(self) -> bool:
        """No hold, no metadata, counted as usual: what the hot paths (models/ledger/plain.py,
        CommandBatch) take."""
        return self.pending_timeout_ms is None and not self.metadata and self.counts_toward_daily_limit

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.debit_account_id


@dataclass(frozen=True, slots=True)
class Deposit(_IdsAsBytes):
    """Money into an account from the bank's settlement account (teller, card and payment rails)."""

    transfer_id: uuid.UUID
    account_id: uuid.UUID
    amount_minor: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, self.currency, self.metadata)

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class Withdrawal(_IdsAsBytes):
    """Money out of an account to the bank's settlement account."""

    transfer_id: uuid.UUID
    account_id: uuid.UUID
    amount_minor: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)
    counts_toward_daily_limit: bool = True  # as Transfer's

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, self.currency, self.metadata)

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class PostPending(_IdsAsBytes):
    """Post a pending transfer, in full or (with `amount_minor`) in part; the rest is released."""

    command_id: uuid.UUID
    pending_id: uuid.UUID
    debit_account_id: uuid.UUID
    amount_minor: int | None = None

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, None)

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.debit_account_id


@dataclass(frozen=True, slots=True)
class VoidPending(_IdsAsBytes):
    command_id: uuid.UUID
    pending_id: uuid.UUID
    debit_account_id: uuid.UUID

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.debit_account_id


@dataclass(frozen=True, slots=True)
class ExpirePending(_IdsAsBytes):
    """Issued by the shard itself when a hold's time is up."""

    pending_id: uuid.UUID
    debit_account_id: uuid.UUID

    @property
    def command_id(self) -> uuid.UUID:
        return derived_id(self.pending_id, "expire")

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.debit_account_id


@dataclass(frozen=True, slots=True)
class ChangeStatus(_IdsAsBytes):
    command_id: uuid.UUID
    account_id: uuid.UUID
    action: StatusAction

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class SetOverdraft(_IdsAsBytes):
    """Set how far below zero a customer account may go (0 ends the line). Decided in the
    account's turn like any movement, so no transfer races past a line being lowered."""

    command_id: uuid.UUID
    account_id: uuid.UUID
    overdraft_limit_minor: int

    def __post_init__(self) -> None:
        _check_shape(self.overdraft_limit_minor, None)
        if self.overdraft_limit_minor < 0:
            raise ValueError(f"an overdraft line is not negative, got {self.overdraft_limit_minor}")

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class SetDailyLimit(_IdsAsBytes):
    """Set how much may leave a customer account per UTC day (0: nothing may). Decided in the
    account's turn, so no movement races past a limit being lowered; what was counted today stays."""

    command_id: uuid.UUID
    account_id: uuid.UUID
    daily_limit_minor: int

    def __post_init__(self) -> None:
        _check_shape(self.daily_limit_minor, None)
        if self.daily_limit_minor < 0:
            raise ValueError(f"a daily limit is not negative, got {self.daily_limit_minor}")

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.account_id


@dataclass(frozen=True, slots=True)
class CreditStep(_IdsAsBytes):
    """Cross-shard step 2, on the destination's shard: its clearing account → the destination."""

    transfer_id: uuid.UUID
    debit_account_id: uuid.UUID  # the source, on another shard: the key of the transfer's events
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    # The day the source's debit counted against its daily limit, which a refund gives back on
    # that day (None: not counted, or not known after a restart: a refund then gives nothing back).
    counted_day: int | None = None

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, self.currency)

    @property
    def command_id(self) -> uuid.UUID:
        return derived_id(self.transfer_id, "credit")

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.credit_account_id


@dataclass(frozen=True, slots=True)
class RefundStep(_IdsAsBytes):
    """Cross-shard compensation, on the source's shard: its clearing account → the source."""

    transfer_id: uuid.UUID
    debit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    reason: str
    counted_day: int | None = None  # as CreditStep's

    def __post_init__(self) -> None:
        _check_shape(self.amount_minor, self.currency)

    @property
    def command_id(self) -> uuid.UUID:
        return derived_id(self.transfer_id, "refund")

    @property
    def routing_account_id(self) -> uuid.UUID:
        return self.debit_account_id


TransferCommand = Transfer | Deposit | Withdrawal
OtherCommand = (
    OpenAccount
    | PostPending
    | VoidPending
    | ExpirePending
    | ChangeStatus
    | SetOverdraft
    | SetDailyLimit
    | CreditStep
    | RefundStep
)
Command = TransferCommand | OtherCommand
TRANSFER_COMMANDS: Final = (Transfer, Deposit, Withdrawal)


_ID_BYTES: Final = 16


class CommandBatch(list[Command]):
    """Commands on their way to a shard: a list, pickled column-wise.

    A plain transfer (no hold, no metadata: nearly all of them) travels as its three ids in
    one bytes object and its amount and currency in two lists; any other command as itself.
    Unpickled, it is a plain list in the same order. Thousands of commands a call, each a
    pickled object of its own, cost the shard more to read than to decide.
    """

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        ids = bytearray()
        amounts: list[int] = []
        currencies: list[str] = []
        others: dict[int, Command] = {}
        for position, command in enumerate(self):
            if type(command) is Transfer and command.is_plain:
                ids += command.transfer_id.bytes
                ids += command.debit_account_id.bytes
                ids += command.credit_account_id.bytes
                amounts.append(command.amount_minor)
                currencies.append(command.currency)
            else:
                others[position] = command
        return _batch_from_wire, (len(self), bytes(ids), amounts, currencies, others)


def _batch_from_wire(
    count: int, ids: bytes, amounts: list[int], currencies: list[str], others: dict[int, Command]
) -> list[Command]:
    assert len(ids) == 3 * _ID_BYTES * len(amounts) and len(amounts) + len(others) == count
    # A batch that fails the shape check goes through the constructor, which names the offending value.
    make = _unchecked_transfer if _plain_shapes_hold(amounts, currencies) else _checked_transfer
    decode = id_decoder()
    commands: list[Command] = []
    plain = 0
    for position in range(count):
        other = others.get(position)
        if other is not None:
            commands.append(other)
            continue
        at = 3 * _ID_BYTES * plain
        commands.append(
            make(
                decode(ids[at : at + _ID_BYTES]),
                decode(ids[at + _ID_BYTES : at + 2 * _ID_BYTES]),
                decode(ids[at + 2 * _ID_BYTES : at + 3 * _ID_BYTES]),
                amounts[plain],
                currencies[plain],
            )
        )
        plain += 1
    return commands


def _plain_shapes_hold(amounts: list[int], currencies: list[str]) -> bool:
    """What Transfer's own check asks of each amount and currency, asked of the whole batch at once."""
    if not amounts:
        return True
    if set(map(type, amounts)) != {int} or not -_AMOUNT_BOUND < min(amounts) <= max(amounts) < _AMOUNT_BOUND:
        return False
    try:
        for currency in set(currencies):
            _check_shape(None, currency)
    except ValueError:
        return False
    return True


def _checked_transfer(
    transfer_id: uuid.UUID, debit_id: uuid.UUID, credit_id: uuid.UUID, amount_minor: int, currency: str
) -> Transfer:
    return Transfer(transfer_id, debit_id, credit_id, amount_minor, currency)


_new_transfer = object.__new__
(
    _set_transfer_id,
    _set_debit_id,
    _set_credit_id,
    _set_amount,
    _set_currency,
    _set_timeout,
    _set_metadata,
    _set_counted,
) = (getattr(Transfer, name).__set__ for name in Transfer.__dataclass_fields__)


def _unchecked_transfer(
    transfer_id: uuid.UUID, debit_id: uuid.UUID, credit_id: uuid.UUID, amount_minor: int, currency: str
) -> Transfer:
    """A plain Transfer whose shape the batch checked already, built slot by slot: the frozen
    dataclass's constructor, one field at a time through object.__setattr__, cost the shard a
    microsecond per transfer."""
    transfer = _new_transfer(Transfer)
    _set_transfer_id(transfer, transfer_id)
    _set_debit_id(transfer, debit_id)
    _set_credit_id(transfer, credit_id)
    _set_amount(transfer, amount_minor)
    _set_currency(transfer, currency)
    _set_timeout(transfer, None)
    _set_metadata(transfer, {})
    _set_counted(transfer, True)
    return transfer


def idempotency_id(command: Command) -> uuid.UUID:
    """The id under which the command's first result is kept."""
    if isinstance(command, TRANSFER_COMMANDS):
        return command.transfer_id
    return command.command_id


# A saga step's `counted_day` is the shard's own bookkeeping, not part of what was asked: a step
# the recovery loop retries after a restart (which no longer knows it) is the same step.
_NOT_FINGERPRINTED: Final = frozenset({"counted_day"})


def fingerprint(command: Command) -> str:
    """A digest of the command's body (kind and every field), to tell a retry from a conflict.

    On the hot path of every batch, so it hashes the fields' repr directly rather than a
    JSON document; fields are ids, ints, short strings and a flat str→str mapping, whose
    repr is the same on every machine and Python version we run.
    """
    values: list[object] = [type(command).__name__]
    for name in command.__dataclass_fields__:
        if name in _NOT_FINGERPRINTED:
            continue
        value = getattr(command, name)
        values.append(sorted(value.items()) if isinstance(value, dict) else value)
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()

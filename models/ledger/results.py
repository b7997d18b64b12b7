"""What the ledger answers: a command's result and an account's balance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from models.ledger.types import AccountStatus, AccountType, TransferStatus


class CommandResult(NamedTuple):
    """The first result of the command with this id; a retry with the same id gets it again.

    A named tuple, not a frozen dataclass: a shard makes one per command, and a frozen
    dataclass's field-by-field construction cost a tenth of deciding a plain transfer."""

    command_id: uuid.UUID
    accepted: bool
    status: TransferStatus | None = None  # for transfer-like commands
    reason: str | None = None  # a RejectReason value, or duplicate_id_conflict
    account_number: str | None = None  # for an opened account

    def as_json(self) -> dict[str, str | bool | None]:
        return {
            "accepted": self.accepted,
            "status": None if self.status is None else self.status.value,
            "reason": self.reason,
            "account_number": self.account_number,
        }

    @classmethod
    def from_json(cls, command_id: uuid.UUID, stored: dict[str, str | bool | None]) -> CommandResult:
        status = stored.get("status")
        reason, number = stored.get("reason"), stored.get("account_number")
        return cls(
            command_id=command_id,
            accepted=bool(stored["accepted"]),
            status=None if status is None else TransferStatus(str(status)),
            reason=None if reason is None else str(reason),
            account_number=None if number is None else str(number),
        )


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account_id: uuid.UUID
    account_type: AccountType
    currency: str
    status: AccountStatus
    balance_minor: int
    available_minor: int
    held_minor: int
    version: int
    overdraft_limit_minor: int
    daily_limit_minor: int | None  # what may leave it per UTC day (None: an internal account)
    sent_today_minor: int  # what counts against that limit today


# On the wire between a shard and its callers, a batch's results travel without their ids
# (the caller knows which commands it sent): one byte per result for its outcome (accepted,
# status), and the rare texts (reasons, account numbers) by position. Thousands of result
# tuples cost more to serialize and read back than deciding the commands did.
WireResults = tuple[bytes, dict[int, str], dict[int, str]]
_OUTCOMES: list[tuple[bool, TransferStatus | None]] = [
    (accepted, status) for accepted in (True, False) for status in (None, *TransferStatus)
]
_OUTCOME_CODES = {outcome: code for code, outcome in enumerate(_OUTCOMES)}


def to_wire(results: list[CommandResult]) -> WireResults:
    if not results:
        return b"", {}, {}
    # Column by column (a batch has thousands of results, nearly all without a text).
    _, accepted, statuses, reasons, numbers = zip(*results, strict=True)
    outcomes = bytes(map(_OUTCOME_CODES.__getitem__, zip(accepted, statuses, strict=True)))
    return outcomes, _texts_by_position(reasons), _texts_by_position(numbers)


def _texts_by_position(texts: tuple[str | None, ...]) -> dict[int, str]:
    if texts.count(None) == len(texts):
        return {}
    return {index: text for index, text in enumerate(texts) if text is not None}


def from_wire(command_ids: list[uuid.UUID], wire: WireResults) -> list[CommandResult]:
    outcomes, reasons, numbers = wire
    assert len(outcomes) == len(command_ids), "one result per command"
    outcome_of = _OUTCOMES
    return [
        CommandResult(command_id, *outcome_of[code], reasons.get(index), numbers.get(index))
        for index, (command_id, code) in enumerate(zip(command_ids, outcomes, strict=True))
    ]

"""What the ledger answers: a command's result and an account's balance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.ledger.types import AccountStatus, AccountType, TransferStatus


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The first result of the command with this id; a retry with the same id gets it again."""

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


# On the wire between a shard and its callers, a result travels without its id (the caller
# knows which command it sent) and with plain strings: a tuple pickles several times faster.
WireResult = tuple[bool, str | None, str | None, str | None]
_STATUSES = {status.value: status for status in TransferStatus}


def to_wire(results: list[CommandResult]) -> list[WireResult]:
    return [(r.accepted, None if r.status is None else r.status.value, r.reason, r.account_number) for r in results]


def from_wire(command_ids: list[uuid.UUID], wire: list[WireResult]) -> list[CommandResult]:
    return [
        CommandResult(command_id, accepted, None if status is None else _STATUSES[status], reason, number)
        for command_id, (accepted, status, reason, number) in zip(command_ids, wire, strict=True)
    ]

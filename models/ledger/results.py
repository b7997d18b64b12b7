"""What the ledger answers: a command's result and an account's balance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.ledger.types import AccountStatus, AccountType, TransferStatus, uuid_from_bytes


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The first result of the command with this id; a retry with the same id gets it again."""

    command_id: uuid.UUID
    accepted: bool
    status: TransferStatus | None = None  # for transfer-like commands
    reason: str | None = None  # a RejectReason value, or duplicate_id_conflict
    account_number: str | None = None  # for an opened account

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # One per command on the way back from the shard: the id as bytes.
        status = None if self.status is None else self.status.value
        return _result_from_wire, (self.command_id.bytes, self.accepted, status, self.reason, self.account_number)

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


def _result_from_wire(
    command_id: bytes, accepted: bool, status: str | None, reason: str | None, account_number: str | None
) -> CommandResult:
    return CommandResult(
        uuid_from_bytes(command_id),
        accepted,
        None if status is None else TransferStatus(status),
        reason,
        account_number,
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

"""Four eyes (maker-checker): a staff action that a policy governs becomes a request, which a
second, different member of staff approves or rejects before it expires; on approval it is
carried out once, with the maker's parameters. Pure: the rules of who may decide what, when.

States: PENDING → EXECUTING (approved; being carried out) → EXECUTED or FAILED;
PENDING → REJECTED; PENDING → EXPIRED. Only the approval that moves a request out of PENDING
carries it out, so two approvals at once carry it out once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from models.audit import AuditAction
from models.failures import ServiceFailure
from models.identity import Principal, Role

MIN_EXPIRY_S: Final = 60
MAX_EXPIRY_S: Final = 30 * 24 * 3600
MAX_REASON_CHARS: Final = 500
MAX_PAGE_ROWS: Final = 200
# An approved request still EXECUTING this long after its approval was left by the gateway that
# claimed it (carrying an action out takes seconds): an admin may settle it from the audit trail.
STUCK_AFTER_S: Final = 600


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    EXECUTING = "EXECUTING"
    EXECUTED = "EXECUTED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


# The actions a policy may put under four eyes, and who may check each: the role the action
# itself asks for.
CHECKER_ROLE: Final[Mapping[AuditAction, Role]] = {
    AuditAction.TRANSACTION_REVERSE: Role.ADMIN,
    AuditAction.ACCOUNT_LIMITS_CHANGE: Role.ADMIN,
    AuditAction.ACCOUNT_CLOSE: Role.ADMIN,  # by staff; an owner closing their own asks nobody
    AuditAction.MODEL_PROMOTE: Role.ADMIN,  # through the API; the operator's command line asks nobody
    AuditAction.FRAUD_RULE_CREATE: Role.ADMIN,
    AuditAction.FRAUD_RULE_CHANGE: Role.ADMIN,
    AuditAction.ACCOUNT_UNFREEZE: Role.ADMIN,  # of a freeze for fraud only (models/freezes.py)
    AuditAction.ROLES_CHANGE: Role.ADMIN,  # a grant only (models/identity.granted); a revocation is at once
}
# The actions whose policy may name an amount: only changes setting more than it are governed.
AMOUNT_ACTIONS: Final = frozenset({AuditAction.ACCOUNT_LIMITS_CHANGE})


@dataclass(frozen=True)
class Policy:
    action: AuditAction
    required: bool
    expires_after_s: int
    above_units: int | None = None  # AMOUNT_ACTIONS: only amounts above this many units

    def __post_init__(self) -> None:
        assert self.action in CHECKER_ROLE, f"{self.action} is not an action four eyes can govern"
        assert MIN_EXPIRY_S <= self.expires_after_s <= MAX_EXPIRY_S
        assert self.above_units is None or (self.above_units >= 0 and self.action in AMOUNT_ACTIONS)

    def governs(self, amounts_units: Iterable[Decimal] = ()) -> bool:
        """Whether a change setting these amounts (whole units, any fraction kept) needs a checker."""
        if not self.required:
            return False
        if self.above_units is None:
            return True
        return any(amount > self.above_units for amount in amounts_units)


def threshold_problem(action: AuditAction, above_units: int | None) -> str | None:
    if above_units is None:
        return None
    if action not in AMOUNT_ACTIONS:
        return f"above_units: {action.value} moves no amount a threshold could apply to"
    if above_units < 0:
        return "above_units: a whole number of units, 0 or more"
    return None


def expiry_problem(expires_after_s: int) -> str | None:
    if not MIN_EXPIRY_S <= expires_after_s <= MAX_EXPIRY_S:
        return f"expires_after_s: from {MIN_EXPIRY_S} (a minute) to {MAX_EXPIRY_S} (30 days)"
    return None


@dataclass(frozen=True)
class ApprovalRequest:
    approval_id: uuid.UUID
    action: AuditAction
    target_type: str
    target_id: str
    parameters: Mapping[str, Any]
    summary: str
    maker_user_id: uuid.UUID
    maker_email: str
    maker_roles: tuple[str, ...]
    maker_session_id: uuid.UUID
    maker_reason: str | None
    status: ApprovalStatus
    created_at: datetime
    expires_at: datetime
    checker_user_id: uuid.UUID | None
    decided_at: datetime | None
    decision_reason: str | None
    result: Mapping[str, Any] | None

    def __post_init__(self) -> None:
        assert self.checker_user_id != self.maker_user_id, "a maker never checks their own request"
        assert self.expires_at > self.created_at

    def maker(self) -> Principal:
        """The maker as they were when they asked: the action is carried out as theirs."""
        return Principal(self.maker_user_id, self.maker_email, frozenset(self.maker_roles), None, self.maker_session_id)


def _checker_problem(request: ApprovalRequest, checker: Principal) -> ServiceFailure | None:
    if checker.user_id == request.maker_user_id:
        return ServiceFailure(
            403, "own_request", "the maker of a request cannot approve or reject it: a second person must"
        )
    if request.action is AuditAction.ROLES_CHANGE and request.target_id == str(checker.user_id):
        return ServiceFailure(403, "own_grant", "nobody checks a grant of roles to themselves: a third person must")
    role = CHECKER_ROLE[request.action]
    if not checker.has_role(role):
        return ServiceFailure(
            403, "forbidden", f"only a member of staff with the {role.value} role checks {request.action}"
        )
    return None


def decision_problem(request: ApprovalRequest, checker: Principal, now: datetime) -> ServiceFailure | None:
    """Why `checker` may not approve or reject `request` now, or None."""
    refused = _checker_problem(request, checker)
    if refused is not None:
        return refused
    if request.status is not ApprovalStatus.PENDING:
        return ServiceFailure(409, "already_decided", f"this request is {request.status.value} already")
    if now >= request.expires_at:
        return ServiceFailure(409, "expired", f"this request expired at {request.expires_at.isoformat()}")
    return None


def settle_problem(request: ApprovalRequest, settler: Principal, now: datetime) -> ServiceFailure | None:
    """Why `settler` may not settle `request` now, or None. Settling records what the audit
    trail shows became of an approved request whose carrying out was cut off."""
    refused = _checker_problem(request, settler)
    if refused is not None:
        return refused
    if request.status is not ApprovalStatus.EXECUTING or request.decided_at is None:
        return ServiceFailure(
            409, "not_executing", f"this request is {request.status.value}: there is nothing to settle"
        )
    settles_at = request.decided_at + timedelta(seconds=STUCK_AFTER_S)
    if now < settles_at:
        return ServiceFailure(
            409,
            "still_executing",
            f"this request may still be being carried out: settle it after {settles_at.isoformat()}",
        )
    return None


def may_read(principal: Principal) -> bool:
    return principal.has_role(Role.ADMIN, Role.AUDITOR)


def request_view(request: ApprovalRequest, now: datetime) -> dict[str, Any]:
    expired = request.status is ApprovalStatus.PENDING and now >= request.expires_at
    return {
        "approval_id": str(request.approval_id),
        "action": request.action.value,
        "target_type": request.target_type,
        "target_id": request.target_id,
        "parameters": dict(request.parameters),
        "summary": request.summary,
        "maker": {
            "user_id": str(request.maker_user_id),
            "email": request.maker_email,
            "roles": list(request.maker_roles),
        },
        "reason": request.maker_reason,
        "status": ApprovalStatus.EXPIRED.value if expired else request.status.value,
        "created_at": request.created_at.isoformat(),
        "expires_at": request.expires_at.isoformat(),
        "checker_user_id": None if request.checker_user_id is None else str(request.checker_user_id),
        "decided_at": None if request.decided_at is None else request.decided_at.isoformat(),
        "decision_reason": request.decision_reason,
        "result": None if request.result is None else dict(request.result),
    }


@dataclass(frozen=True)
class Approved:
    """What carries out an approved request: the request, and who checked it."""

    approval_id: uuid.UUID
    checker_user_id: uuid.UUID

    def audit_fields(self) -> dict[str, str]:
        return {"approval_id": str(self.approval_id), "approved_by": str(self.checker_user_id)}


def approval_id_for(action: AuditAction, command_id: uuid.UUID) -> uuid.UUID:
    """The request of a command (its id from the maker's Idempotency-Key): a retry opens no second one."""
    return uuid.uuid5(command_id, f"approval:{action.value}")

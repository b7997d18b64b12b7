"""The approvals inbox of the Compliance deployment: four-eyes requests listed, approved (claimed
for execution by the gateway, which then records the outcome), rejected, and their policies.
Admins decide; auditors read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from actors import approvals
from models.approvals import (
    CHECKER_ROLE,
    ApprovalStatus,
    Policy,
    expiry_problem,
    may_read,
    request_view,
    threshold_problem,
)
from models.audit import AuditAction, AuditOrigin
from models.failures import ServiceFailure
from models.identity import Principal, Role
from models.paging import CursorError, decode_time_keyset, encode_time_keyset


def _may_read(principal: Principal) -> None:
    if not may_read(principal):
        raise ServiceFailure(403, "forbidden", "approvals are for admins and auditors")


def _may_decide(principal: Principal) -> None:
    if not any(principal.has_role(role) for role in set(CHECKER_ROLE.values())):
        raise ServiceFailure(403, "forbidden", "approval requests are decided by admins")


def _governed(action: str) -> AuditAction:
    try:
        governed = AuditAction(action)
    except ValueError:
        governed = None
    if governed is None or governed not in CHECKER_ROLE:
        names = ", ".join(sorted(known.value for known in CHECKER_ROLE))
        raise ServiceFailure(404, "not_found", f"{action!r} is not an action four eyes governs ({names})")
    return governed


def _policy_view(policy: Policy) -> dict[str, Any]:
    return {
        "action": policy.action.value,
        "required": policy.required,
        "expires_after_s": policy.expires_after_s,
        "checker_role": CHECKER_ROLE[policy.action].value,
        "above_units": policy.above_units,
    }


class ApprovalOperations:
    """Mixed into ComplianceService: the operations on four-eyes requests."""

    _pool: asyncpg.Pool

    async def approvals(
        self, principal: Principal, status: str | None, action: str | None, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        _may_read(principal)
        try:
            after = None if cursor is None else decode_time_keyset(cursor)
        except CursorError as error:
            raise ServiceFailure(422, "validation_error", f"cursor: {error}") from None
        governed = None if action is None else _governed(action)
        found = await approvals.newest_first(
            self._pool, None if status is None else ApprovalStatus(status), governed, after, limit + 1
        )
        page, more = found[:limit], len(found) > limit
        now = datetime.now(UTC)
        next_cursor = encode_time_keyset(page[-1].created_at, page[-1].approval_id) if more else None
        return {"items": [request_view(request, now) for request in page], "next_cursor": next_cursor}

    async def approval(self, principal: Principal, approval_id: uuid.UUID) -> dict[str, Any]:
        _may_read(principal)
        return request_view(await approvals.get(self._pool, approval_id), datetime.now(UTC))

    async def claim_approval(
        self, principal: Principal, approval_id: uuid.UUID, reason: str | None, origin: AuditOrigin
    ) -> dict[str, Any]:
        """Approve, and hand the request to the caller to carry out (once: see actors/approvals.claim)."""
        _may_decide(principal)
        claimed = await approvals.claim(self._pool, approval_id, principal, reason, origin)
        return {"request": claimed, "view": request_view(claimed, datetime.now(UTC))}

    async def finish_approval(
        self, principal: Principal, approval_id: uuid.UUID, succeeded: bool, result: dict[str, Any]
    ) -> dict[str, Any]:
        finished = await approvals.finish(self._pool, approval_id, principal, succeeded, result)
        return request_view(finished, datetime.now(UTC))

    async def reject_approval(
        self, principal: Principal, approval_id: uuid.UUID, reason: str, origin: AuditOrigin
    ) -> dict[str, Any]:
        _may_decide(principal)
        rejected = await approvals.reject(self._pool, approval_id, principal, reason, origin)
        return request_view(rejected, datetime.now(UTC))

    async def settle_approval(
        self, principal: Principal, approval_id: uuid.UUID, origin: AuditOrigin
    ) -> dict[str, Any]:
        _may_decide(principal)
        settled = await approvals.settle(self._pool, approval_id, principal, origin)
        return request_view(settled, datetime.now(UTC))

    async def approval_policies(self, principal: Principal) -> dict[str, Any]:
        _may_read(principal)
        return {"items": [_policy_view(policy) for policy in await approvals.policies(self._pool)]}

    async def set_approval_policy(
        self,
        principal: Principal,
        action: str,
        required: bool,
        expires_after_s: int,
        above_units: int | None,
        origin: AuditOrigin,
    ) -> dict[str, Any]:
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin sets which actions need a second person")
        governed = _governed(action)
        problem = expiry_problem(expires_after_s) or threshold_problem(governed, above_units)
        if problem is not None:
            raise ServiceFailure(422, "validation_error", problem)
        changed = Policy(governed, required, expires_after_s, above_units)
        return _policy_view(await approvals.set_policy(self._pool, changed, principal, origin))

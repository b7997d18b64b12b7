"""Four-eyes requests in PostgreSQL (migration 0023): a governed action opened as a request, a
checker's approval claiming it for execution, its outcome, a rejection, and the policies. Each
step commits with its audit record. models/approvals.py holds the rules."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from actors.audit import append
from models.approvals import (
    CHECKER_ROLE,
    MAX_PAGE_ROWS,
    ApprovalRequest,
    ApprovalStatus,
    Policy,
    decision_problem,
    settle_problem,
)
from models.audit import AuditAction, AuditOrigin, done_by
from models.failures import ServiceFailure
from models.identity import Principal

APPROVAL_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such approval request")
_INSERT: Final = """INSERT INTO approval_requests
    (approval_id, action, target_type, target_id, parameters, summary, maker_user_id, maker_email, maker_roles,
     maker_session_id, maker_reason, expires_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, now() + make_interval(secs => $12))
    ON CONFLICT (approval_id) DO NOTHING
    RETURNING *"""


def request_of(row: asyncpg.Record) -> ApprovalRequest:
    return ApprovalRequest(
        approval_id=row["approval_id"],
        action=AuditAction(row["action"]),
        target_type=row["target_type"],
        target_id=row["target_id"],
        parameters=json.loads(row["parameters"]),
        summary=row["summary"],
        maker_user_id=row["maker_user_id"],
        maker_email=row["maker_email"],
        maker_roles=tuple(row["maker_roles"]),
        maker_session_id=row["maker_session_id"],
        maker_reason=row["maker_reason"],
        status=ApprovalStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        checker_user_id=row["checker_user_id"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
        result=None if row["result"] is None else json.loads(row["result"]),
    )


async def policy(pool: asyncpg.Pool, action: AuditAction) -> Policy | None:
    """The policy of `action`, or None when none governs it (it needs no checker)."""
    row = await pool.fetchrow("SELECT * FROM approval_policies WHERE action = $1", action.value)
    return None if row is None else _policy_of(row)


async def policies(pool: asyncpg.Pool) -> list[Policy]:
    rows = await pool.fetch("SELECT * FROM approval_policies ORDER BY action")
    return [_policy_of(row) for row in rows]


def _policy_of(row: asyncpg.Record) -> Policy:
    return Policy(AuditAction(row["action"]), row["required"], row["expires_after_s"], row["above_units"])


async def set_policy(pool: asyncpg.Pool, changed: Policy, principal: Principal, origin: AuditOrigin) -> Policy:
    async with pool.acquire() as connection, connection.transaction():
        before = await connection.fetchrow(
            "SELECT * FROM approval_policies WHERE action = $1 FOR UPDATE", changed.action.value
        )
        await connection.execute(
            """INSERT INTO approval_policies (action, required, expires_after_s, above_units, updated_by)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (action) DO UPDATE
               SET required = $2, expires_after_s = $3, above_units = $4, updated_by = $5, updated_at = now()""",
            changed.action.value,
            changed.required,
            changed.expires_after_s,
            changed.above_units,
            principal.user_id,
        )
        fields = ("required", "expires_after_s", "above_units")
        was = {} if before is None else {name: before[name] for name in fields}
        now = {name: getattr(changed, name) for name in fields}
        target = ("approval_policy", changed.action.value)
        await append(connection, done_by(principal, origin, AuditAction.APPROVAL_POLICY_CHANGE, target, was, now))
    return changed


async def open_request(
    pool: asyncpg.Pool,
    governing: Policy,
    approval_id: uuid.UUID,
    target: tuple[str, str],
    parameters: Mapping[str, Any],
    summary: str,
    maker: Principal,
    reason: str | None,
    origin: AuditOrigin,
) -> ApprovalRequest:
    """Ask for a checker: the request and its audit record commit together. The same
    `approval_id` (the maker's request repeated with its Idempotency-Key) opens it once."""
    assert governing.required
    target_type, target_id = target
    async with pool.acquire() as connection, connection.transaction():
        try:
            row = await connection.fetchrow(
                _INSERT,
                approval_id,
                governing.action.value,
                target_type,
                target_id,
                json.dumps(dict(parameters)),
                summary,
                maker.user_id,
                maker.email,
                sorted(maker.roles),
                maker.session_id,
                reason,
                float(governing.expires_after_s),
            )
        except asyncpg.UniqueViolationError:
            raise ServiceFailure(
                409, "approval_pending", f"a request to {governing.action.value} this {target_type} waits for a checker"
            ) from None
        if row is None:
            earlier = await connection.fetchrow("SELECT * FROM approval_requests WHERE approval_id = $1", approval_id)
            assert earlier is not None, "the insert met this id: its row is there"
            existing = request_of(earlier)
            if existing.maker_user_id != maker.user_id or existing.target_id != target_id:
                raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
            return existing
        opened = request_of(row)
        entry = done_by(
            maker,
            origin,
            AuditAction.APPROVAL_REQUEST,
            ("approval", str(approval_id)),
            None,
            {"action": governing.action.value, "target": f"{target_type}:{target_id}", "status": opened.status.value},
            reason,
        )
        await append(connection, entry)
        return opened


async def get(pool: asyncpg.Pool, approval_id: uuid.UUID) -> ApprovalRequest:
    row = await pool.fetchrow("SELECT * FROM approval_requests WHERE approval_id = $1", approval_id)
    if row is None:
        raise APPROVAL_NOT_FOUND
    return request_of(row)


async def _locked(connection: Any, approval_id: uuid.UUID) -> ApprovalRequest:
    """The request, its row locked until the transaction ends: one decision on it at a time."""
    row = await connection.fetchrow("SELECT * FROM approval_requests WHERE approval_id = $1 FOR UPDATE", approval_id)
    if row is None:
        raise APPROVAL_NOT_FOUND
    return request_of(row)


async def _decide(
    pool: asyncpg.Pool,
    approval_id: uuid.UUID,
    checker: Principal,
    reason: str | None,
    origin: AuditOrigin,
    target_status: ApprovalStatus,
) -> ApprovalRequest:
    action = AuditAction.APPROVAL_APPROVE if target_status is ApprovalStatus.EXECUTING else AuditAction.APPROVAL_REJECT
    async with pool.acquire() as connection, connection.transaction():
        request = await _locked(connection, approval_id)
        refused = decision_problem(request, checker, datetime.now(UTC))
        if refused is not None:
            if refused.failure.code == "expired":
                await connection.execute(
                    "UPDATE approval_requests SET status = 'EXPIRED' WHERE approval_id = $1 AND status = 'PENDING'",
                    approval_id,
                )
        else:
            decided = await connection.fetchrow(
                """UPDATE approval_requests
                   SET status = $2, checker_user_id = $3, decided_at = now(), decision_reason = $4
                   WHERE approval_id = $1 AND status = 'PENDING' RETURNING *""",
                approval_id,
                target_status.value,
                checker.user_id,
                reason,
            )
            assert decided is not None, "the row is locked and PENDING: the update moves it"
            before, after = {"status": request.status.value}, {"status": target_status.value}
            await append(
                connection, done_by(checker, origin, action, ("approval", str(approval_id)), before, after, reason)
            )
            return request_of(decided)
    raise refused  # after the transaction: an expiry found on the way is kept


async def claim(
    pool: asyncpg.Pool, approval_id: uuid.UUID, checker: Principal, reason: str | None, origin: AuditOrigin
) -> ApprovalRequest:
    """Approve: PENDING → EXECUTING, by a checker who is not the maker, before it expires. Only
    the caller this returns to carries the action out; any other approval is refused."""
    return await _decide(pool, approval_id, checker, reason, origin, ApprovalStatus.EXECUTING)


async def reject(
    pool: asyncpg.Pool, approval_id: uuid.UUID, checker: Principal, reason: str, origin: AuditOrigin
) -> ApprovalRequest:
    return await _decide(pool, approval_id, checker, reason, origin, ApprovalStatus.REJECTED)


async def finish(
    pool: asyncpg.Pool, approval_id: uuid.UUID, checker: Principal, succeeded: bool, result: Mapping[str, Any]
) -> ApprovalRequest:
    """Record how carrying out a claimed request ended: EXECUTING → EXECUTED or FAILED."""
    status = ApprovalStatus.EXECUTED if succeeded else ApprovalStatus.FAILED
    row = await pool.fetchrow(
        """UPDATE approval_requests SET status = $2, result = $3::jsonb
           WHERE approval_id = $1 AND status = 'EXECUTING' AND checker_user_id = $4 RETURNING *""",
        approval_id,
        status.value,
        json.dumps(dict(result)),
        checker.user_id,
    )
    if row is None:
        raise ServiceFailure(409, "not_executing", "only the checker who approved a request records its outcome")
    return request_of(row)


async def settle(
    pool: asyncpg.Pool, approval_id: uuid.UUID, settler: Principal, origin: AuditOrigin
) -> ApprovalRequest:
    """An approved request whose carrying out was cut off (still EXECUTING STUCK_AFTER_S after its
    approval): EXECUTED when the trail holds the action's record with this approval_id, else
    FAILED, `abandoned`. Either way its action and target are free for a new request."""
    async with pool.acquire() as connection, connection.transaction():
        request = await _locked(connection, approval_id)
        if refused := settle_problem(request, settler, datetime.now(UTC)):
            raise refused
        carried_out = await connection.fetchval(
            """SELECT seq FROM audit_log
               WHERE target_type = $1 AND target_id = $2 AND action = $3 AND changes->'after'->>'approval_id' = $4
               ORDER BY seq LIMIT 1""",
            request.target_type,
            request.target_id,
            request.action.value,
            str(approval_id),
        )
        if carried_out is None:
            status = ApprovalStatus.FAILED
            result: dict[str, Any] = {
                "error": {
                    "code": "abandoned",
                    "message": "the approval was cut off before the action was carried out; "
                    "ask again if it is still wanted",
                }
            }
        else:
            status, result = ApprovalStatus.EXECUTED, {"settled_from_audit_seq": carried_out}
        settled = await connection.fetchrow(
            "UPDATE approval_requests SET status = $2, result = $3::jsonb WHERE approval_id = $1 RETURNING *",
            approval_id,
            status.value,
            json.dumps(result),
        )
        assert settled is not None, "the row is locked: the update moves it"
        before, after = {"status": request.status.value}, {"status": status.value}
        target = ("approval", str(approval_id))
        await append(connection, done_by(settler, origin, AuditAction.APPROVAL_SETTLE, target, before, after))
        return request_of(settled)


async def newest_first(
    pool: asyncpg.Pool,
    status: ApprovalStatus | None,
    action: AuditAction | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[ApprovalRequest]:
    """Requests newest first, filtered; a PENDING request past its time is EXPIRED first."""
    assert 1 <= limit <= MAX_PAGE_ROWS
    assert action is None or action in CHECKER_ROLE
    await pool.execute(
        "UPDATE approval_requests SET status = 'EXPIRED' WHERE status = 'PENDING' AND expires_at <= now()"
    )
    at, row_id = after if after is not None else (None, None)
    rows = await pool.fetch(
        """SELECT * FROM approval_requests
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR action = $2)
             AND ($3::timestamptz IS NULL OR (created_at, approval_id) < ($3, $4::uuid))
           ORDER BY created_at DESC, approval_id DESC LIMIT $5""",
        None if status is None else status.value,
        None if action is None else action.value,
        at,
        row_id,
        limit,
    )
    return [request_of(row) for row in rows]

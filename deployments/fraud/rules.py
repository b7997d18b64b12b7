"""The fraud rules of the Fraud deployment: listed for staff, added and switched on, off or
reordered by admins. A rule decides which movements are held or blocked, so under four eyes
(the policies of fraud.rule.create and fraud.rule.change) an admin's change becomes a request,
checked now and carried out on a second admin's approval with the maker's parameters."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from actors import approvals
from actors.audit import append
from deployments.fraud.access import require_admin, require_staff
from models.approvals import Approved, request_view
from models.audit import AuditAction, AuditOrigin, AuditValue, done_by
from models.failures import ServiceFailure
from models.fraud.check import Verdict
from models.fraud.rules import RuleError, check_condition
from models.identity import Principal


def _rule_view(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "rule_id": str(row["rule_id"]),
        "name": row["name"],
        "condition": json.loads(row["condition"]),
        "action": row["action"],
        "priority": row["priority"],
        "active": row["active"],
        "updated_at": row["updated_at"].isoformat(),
    }


def _rule_fields(row: asyncpg.Record) -> dict[str, AuditValue]:
    """A rule as its audit record shows it (the condition as its JSON text)."""
    return {
        "name": row["name"],
        "condition": row["condition"],
        "action": row["action"],
        "priority": row["priority"],
        "active": row["active"],
    }


def _change_summary(name: str, active: bool | None, priority: int | None) -> str:
    parts = []
    if active is not None:
        parts.append("switch it on" if active else "switch it off")
    if priority is not None:
        parts.append(f"set its priority to {priority}")
    return f"Fraud rule {name}: " + (" and ".join(parts) or "no change")


class RuleOperations:
    """Mixed into FraudService, whose pool it uses."""

    _pool: asyncpg.Pool

    async def _ask(
        self,
        action: AuditAction,
        approval_id: uuid.UUID,
        rule_id: uuid.UUID,
        parameters: dict[str, Any],
        summary: str,
        maker: Principal,
        origin: AuditOrigin,
    ) -> dict[str, Any] | None:
        """The request for a second admin when the policy of `action` says so, else None."""
        governing = await approvals.policy(self._pool, action)
        if governing is None or not governing.governs():
            return None
        opened = await approvals.open_request(
            self._pool, governing, approval_id, ("fraud_rule", str(rule_id)), parameters, summary, maker, None, origin
        )
        return {"approval": request_view(opened, datetime.now(UTC))}

    async def create_rule(
        self,
        principal: Principal,
        name: str,
        condition: Any,
        action: str,
        priority: int,
        active: bool,
        origin: AuditOrigin,
        rule_id: uuid.UUID | None = None,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """A new rule, or under four eyes {"approval": …}: its condition and its name are checked
        before anyone is asked, and the approved rule keeps the id the request named."""
        require_admin(principal)
        try:
            check_condition(condition)
        except RuleError as error:
            raise ServiceFailure(422, "invalid_rule", str(error)) from None
        verdict = Verdict(action)
        if await self._pool.fetchval("SELECT 1 FROM fraud_rules WHERE name = $1", name):
            raise ServiceFailure(409, "rule_exists", f"a rule named {name!r} exists")
        new_id = rule_id or uuid.uuid4()
        if approved is None:
            parameters = {
                "rule_id": str(new_id),
                "name": name,
                "condition": condition,
                "action": verdict.value,
                "priority": priority,
                "active": active,
            }
            summary = f"Add fraud rule {name} ({verdict.value}, priority {priority}, {'on' if active else 'off'})"
            asked = await self._ask(
                AuditAction.FRAUD_RULE_CREATE, uuid.uuid4(), new_id, parameters, summary, principal, origin
            )
            if asked is not None:
                return asked
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                row = await connection.fetchrow(
                    """INSERT INTO fraud_rules (rule_id, name, condition, action, priority, active, created_by)
                       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
                    new_id,
                    name,
                    json.dumps(condition),
                    verdict.value,
                    priority,
                    active,
                    principal.user_id,
                )
                assert row is not None
                after = _rule_fields(row) | ({} if approved is None else approved.audit_fields())
                target = ("fraud_rule", str(row["rule_id"]))
                await append(connection, done_by(principal, origin, AuditAction.FRAUD_RULE_CREATE, target, None, after))
        except asyncpg.UniqueViolationError:
            raise ServiceFailure(409, "rule_exists", f"a rule named {name!r} exists") from None
        return _rule_view(row)

    async def update_rule(
        self,
        principal: Principal,
        rule_id: uuid.UUID,
        active: bool | None,
        priority: int | None,
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """The rule switched on or off, or reordered; or under four eyes {"approval": …}."""
        require_admin(principal)
        if active is None and priority is None:
            raise ServiceFailure(422, "validation_error", "rule: give active, priority or both")
        if approved is None:
            name = await self._pool.fetchval("SELECT name FROM fraud_rules WHERE rule_id = $1", rule_id)
            if name is None:
                raise ServiceFailure(404, "not_found", "no such rule")
            parameters = {"rule_id": str(rule_id), "active": active, "priority": priority}
            summary = _change_summary(name, active, priority)
            asked = await self._ask(
                AuditAction.FRAUD_RULE_CHANGE, uuid.uuid4(), rule_id, parameters, summary, principal, origin
            )
            if asked is not None:
                return asked
        async with self._pool.acquire() as connection, connection.transaction():
            before = await connection.fetchrow("SELECT * FROM fraud_rules WHERE rule_id = $1 FOR UPDATE", rule_id)
            if before is None:
                raise ServiceFailure(404, "not_found", "no such rule")
            row = await connection.fetchrow(
                """UPDATE fraud_rules SET active = COALESCE($2, active), priority = COALESCE($3, priority),
                       updated_at = now() WHERE rule_id = $1 RETURNING *""",
                rule_id,
                active,
                priority,
            )
            assert row is not None
            after = _rule_fields(row) | ({} if approved is None else approved.audit_fields())
            target = ("fraud_rule", str(rule_id))
            await append(
                connection,
                done_by(principal, origin, AuditAction.FRAUD_RULE_CHANGE, target, _rule_fields(before), after),
            )
        return _rule_view(row)

    async def rules(self, principal: Principal) -> dict[str, Any]:
        require_staff(principal)
        rows = await self._pool.fetch("SELECT * FROM fraud_rules ORDER BY priority DESC, name")
        return {"items": [_rule_view(row) for row in rows]}

"""Writing a user's roles: the change, the end of their sessions (the next login's token carries
the new roles) and its audit record, in one transaction. The Identity deployment writes them for
an admin (under four eyes for a grant); `bankflow users grant` for the operator, who has the
database's credentials, which is how the first checker comes to be."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

import asyncpg

from actors import sessions
from actors.audit import append
from models.audit import OPERATOR, AuditAction, AuditActor, AuditOrigin, AuditValue, done_by
from models.failures import ServiceFailure
from models.identity import Principal, Role, normalize_email

USER_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such user")


async def write(
    connection: Any,
    user_id: uuid.UUID,
    wanted: list[str],
    who: Principal | AuditActor,
    origin: AuditOrigin,
    approval: Mapping[str, str] | None = None,
) -> list[uuid.UUID]:
    """Set the user's roles to `wanted`; the sessions it ended, to publish once committed.
    `approval` (the approval_id and approved_by of a checked request) joins the record."""
    assert wanted == sorted(set(wanted)) and all(role in set(Role) for role in wanted)
    before = await connection.fetchval("SELECT roles FROM users WHERE user_id = $1 FOR UPDATE", user_id)
    if before is None:
        raise USER_NOT_FOUND
    await connection.execute("UPDATE users SET roles = $2, updated_at = now() WHERE user_id = $1", user_id, wanted)
    ended = await sessions.revoke_all(connection, user_id, "roles changed")
    after: dict[str, AuditValue] = {"roles": wanted} | dict(approval or {})
    entry = done_by(who, origin, AuditAction.ROLES_CHANGE, ("user", str(user_id)), {"roles": sorted(before)}, after)
    await append(connection, entry)
    return ended


async def grant_by_operator(
    pool: asyncpg.Pool, email: str, roles: list[Role], origin: AuditOrigin
) -> tuple[list[str], list[uuid.UUID]]:
    """The operator adds `roles` to the user with this email: their roles now, and the sessions
    that ended (to publish). Audited as the operator's; asks nobody (the operator stands outside
    the bank's staff and its four eyes)."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            "SELECT user_id, roles FROM users WHERE lower(email) = $1", normalize_email(email)
        )
        if row is None:
            raise ServiceFailure(404, "not_found", f"no user has the email {email}")
        wanted = sorted(set(row["roles"]) | {role.value for role in roles})
        if wanted == sorted(row["roles"]):
            return wanted, []
        return wanted, await write(connection, row["user_id"], wanted, OPERATOR, origin)

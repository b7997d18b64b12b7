"""Reading the audit trail in tests: the records of an action on a target, straight from the
database, and what a record must say of the request that made it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx

from actors import roles as user_roles
from models.audit import AuditAction, AuditOrigin
from models.identity import Role
from tests.banking_client import carried_out
from tests.identity_client import bearer, login, new_email, register

USER_AGENT = "audit-test/1.0"


async def query(database_url: str, statement: str, *arguments: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetch(statement, *arguments)
    finally:
        await connection.close()


def records(database_url: str, action: AuditAction, target_id: str | None) -> list[dict[str, Any]]:
    statement = "SELECT * FROM audit_log WHERE action = $1 AND target_id IS NOT DISTINCT FROM $2 ORDER BY seq"
    rows = asyncio.run(query(database_url, statement, action.value, target_id))
    found = [dict(row) for row in rows]
    for record in found:
        record["changes"], record["origin"] = json.loads(record["changes"]), json.loads(record["origin"])
    return found


def only(database_url: str, action: AuditAction, target_id: str | None) -> dict[str, Any]:
    found = records(database_url, action, target_id)
    assert len(found) == 1, found
    return found[0]


def me(api: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    response = api.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sent(
    api: httpx.Client, method: str, path: str, headers: dict[str, str], status: int = 200, **extra: Any
) -> httpx.Response:
    """The request, from USER_AGENT, answered `status`."""
    response = api.request(method, path, headers={**headers, "User-Agent": USER_AGENT}, **extra)
    assert response.status_code == status, response.text
    return response


def by(record: dict[str, Any], user: dict[str, Any], response: httpx.Response) -> None:
    """The record names this user, with their roles, and this request's origin."""
    assert str(record["actor_user_id"]) == user["user_id"]
    assert sorted(record["actor_roles"]) == sorted(user["roles"])
    assert record["session_id"] is not None
    assert record["outcome"] == "success"
    assert record["origin"]["request_id"] == response.headers["X-Request-ID"]
    assert record["origin"]["user_agent"] == USER_AGENT
    assert record["origin"]["ip_address"]


def roles_given(
    api: httpx.Client, maker: dict[str, str], checker: dict[str, str], user_id: str, roles: list[str]
) -> dict[str, Any]:
    """A grant of roles under four eyes: an admin asks (202), a second approves; the user now."""
    asked = api.put(f"/api/v1/admin/users/{user_id}/roles", json={"roles": roles}, headers=maker)
    return carried_out(api, checker, asked)


def signed_in_with_roles(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], roles: list[str]
) -> dict[str, str]:
    """The headers of a new user whom `admin` gave `roles` and `checker` approved."""
    email = new_email()
    user = register(api, email)
    roles_given(api, admin, checker, user["user_id"], roles)
    return bearer(login(api, email).json()["access_token"])


async def _operator_grant(database_url: str, email: str, roles: list[Role]) -> list[str]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        now, _ = await user_roles.grant_by_operator(pool, email, roles, AuditOrigin(user_agent=USER_AGENT))
        return now
    finally:
        await pool.close()


def operator_granted(database_url: str, email: str, roles: list[Role]) -> list[str]:
    """What `bankflow users grant` does to a user not signed in: roles added by the operator,
    asking nobody; the user's roles now."""
    return asyncio.run(_operator_grant(database_url, email, roles))

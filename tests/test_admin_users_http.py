"""Users and roles in the back office over HTTP: admins list users by email prefix and role a
page at a time and read one (never a password hash or a secret); support and customers are
refused; a grant of roles waits for a second admin, taking roles away does not, and at least one
admin always remains; the operator grants from the command line."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from actors.settings import Settings
from cluster import cli
from models.audit import AuditAction
from tests.audit_client import only, roles_given
from tests.banking_client import Customer, carried_out
from tests.conftest import point_pipelines_at
from tests.identity_client import bearer, login, new_email, register

APPROVALS = "/api/v1/admin/approvals"

FIELDS = {"user_id", "email", "roles", "customer_id", "created_at", "email_verified", "mfa_enabled"}


@pytest.fixture(scope="module")
def tag() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def staff(api: httpx.Client, admin: dict[str, str], checker: dict[str, str], tag: str) -> dict[str, Any]:
    """Five users whose emails start alike, two of them support; and a support header."""
    users = [register(api, f"ops-{tag}-{index}@example.com") for index in range(5)]
    for user in users[:2]:
        roles_given(api, admin, checker, user["user_id"], ["support"])
    support = bearer(login(api, f"ops-{tag}-0@example.com").json()["access_token"])
    return {"users": users, "support": support}


def _pages(api: httpx.Client, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = api.get(
            "/api/v1/admin/users", params=params | ({} if cursor is None else {"cursor": cursor}), headers=admin
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= params.get("limit", 50)
        found.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def test_admins_search_users_by_email_prefix_a_page_at_a_time(
    api: httpx.Client, admin: dict[str, str], staff: dict[str, Any], tag: str
) -> None:
    found = _pages(api, admin, email=f"OPS-{tag}-", limit=2)  # the prefix is matched without case
    assert [user["email"] for user in found] == [f"ops-{tag}-{index}@example.com" for index in range(5)]  # oldest first
    for user in found:
        assert set(user) == FIELDS  # no password hash, MFA secret or lockout state
        assert user["email_verified"] is False and user["mfa_enabled"] is False and user["created_at"]
    assert [user["roles"] for user in found] == [["support"]] * 2 + [["customer"]] * 3
    support_only = _pages(api, admin, email=f"ops-{tag}", role="support")
    assert [user["email"] for user in support_only] == [f"ops-{tag}-0@example.com", f"ops-{tag}-1@example.com"]
    admins = _pages(api, admin, role="admin", limit=500)
    me = api.get("/api/v1/auth/me", headers=admin).json()
    assert me["user_id"] in {user["user_id"] for user in admins}
    assert _pages(api, admin, email=f"ops_{tag}") == []  # "_" and "%" are letters here, not patterns
    assert _pages(api, admin, email="%") == []


def test_an_admin_reads_one_user(api: httpx.Client, admin: dict[str, str], staff: dict[str, Any], tag: str) -> None:
    user_id = staff["users"][2]["user_id"]
    one = api.get(f"/api/v1/admin/users/{user_id}", headers=admin)
    assert one.status_code == 200, one.text
    assert set(one.json()) == FIELDS and one.json()["email"] == f"ops-{tag}-2@example.com"
    missing = api.get(f"/api/v1/admin/users/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/admin/users/not-a-uuid", headers=admin).status_code == 422


def test_support_and_customers_are_refused(
    api: httpx.Client, ada: Customer, admin: dict[str, str], staff: dict[str, Any]
) -> None:
    user_id = staff["users"][2]["user_id"]
    for headers in (ada.headers, staff["support"]):
        for path in ("/api/v1/admin/users", f"/api/v1/admin/users/{user_id}"):
            refused = api.get(path, headers=headers)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", refused.text
    assert api.get("/api/v1/admin/users").status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"cursor": "not-a-cursor"}, {"role": "owner"}, {"email": ""}, {"email": "a" * 255}],
)
def test_bad_parameters_are_422(api: httpx.Client, admin: dict[str, str], params: dict[str, Any]) -> None:
    bad = api.get("/api/v1/admin/users", params=params, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error", bad.text


def test_a_grant_waits_for_a_second_admin_and_taking_a_role_away_does_not(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], staff: dict[str, Any]
) -> None:
    user_id = staff["users"][3]["user_id"]
    path = f"/api/v1/admin/users/{user_id}/roles"
    asked = api.put(path, json={"roles": ["customer", "admin"]}, headers=admin)
    assert asked.status_code == 202 and asked.json()["status"] == "PENDING", asked.text
    assert asked.json()["action"] == "user.roles.change" and asked.json()["parameters"]["roles"] == [
        "admin",
        "customer",
    ]
    assert "adds admin" in asked.json()["summary"]
    assert api.get(f"/api/v1/admin/users/{user_id}", headers=admin).json()["roles"] == ["customer"]
    again = api.put(path, json={"roles": ["customer", "support"]}, headers=admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "approval_pending", again.text
    own = api.post(f"{APPROVALS}/{asked.json()['approval_id']}/approve", json={}, headers=admin)
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_request"
    assert carried_out(api, checker, asked)["roles"] == ["admin", "customer"]
    assert api.get(f"/api/v1/admin/users/{user_id}", headers=admin).json()["roles"] == ["admin", "customer"]
    revoked = api.put(path, json={"roles": ["customer"]}, headers=admin)
    assert revoked.status_code == 200 and revoked.json()["roles"] == ["customer"]
    # An admin cannot take their own admin role away, so at least one admin always remains.
    me = api.get("/api/v1/auth/me", headers=admin).json()["user_id"]
    refused = api.put(f"/api/v1/admin/users/{me}/roles", json={"roles": ["customer"]}, headers=admin)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
    assert "own admin role" in refused.json()["error"]["message"]
    assert "admin" in api.get(f"/api/v1/admin/users/{me}", headers=admin).json()["roles"]


def test_nobody_checks_a_grant_to_themselves(api: httpx.Client, admin: dict[str, str], checker: dict[str, str]) -> None:
    checker_id = api.get("/api/v1/auth/me", headers=checker).json()["user_id"]
    wanted = sorted({*api.get("/api/v1/auth/me", headers=checker).json()["roles"], "auditor"})
    asked = api.put(f"/api/v1/admin/users/{checker_id}/roles", json={"roles": wanted}, headers=admin)
    assert asked.status_code == 202, asked.text
    own = api.post(f"{APPROVALS}/{asked.json()['approval_id']}/approve", json={}, headers=checker)
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_grant", own.text
    rejected = api.post(f"{APPROVALS}/{asked.json()['approval_id']}/reject", json={"reason": "x"}, headers=checker)
    assert rejected.status_code == 403 and rejected.json()["error"]["code"] == "own_grant"


def test_the_operator_grants_asking_nobody_and_is_audited_as_the_operator(
    api: httpx.Client, admin: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = new_email()
    user = register(api, email)
    session = bearer(login(api, email).json()["access_token"])
    point_pipelines_at(settings, monkeypatch)
    assert cli.main(["users", "grant", email, "support", "auditor"]) == cli.EXIT_OK
    assert api.get(f"/api/v1/admin/users/{user['user_id']}", headers=admin).json()["roles"] == [
        "auditor",
        "customer",
        "support",
    ]
    record = only(settings.database_url, AuditAction.ROLES_CHANGE, user["user_id"])
    assert record["actor_user_id"] is None and record["actor_roles"] == ["operator"]
    assert record["changes"]["after"] == {"roles": ["auditor", "customer", "support"]}
    assert api.get("/api/v1/auth/me", headers=session).status_code == 401  # signed out, as by the API
    assert cli.main(["users", "grant", "nobody-" + email, "support"]) == cli.EXIT_FAILED

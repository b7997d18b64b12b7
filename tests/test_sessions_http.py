"""Sessions over HTTP: a user lists their sessions, signs one out, or all of them; another
user's session is not theirs to see or end. And a new verification code on request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx

from actors.settings import Settings
from tests.identity_client import STRONG_PASSWORD, bearer, event_data, login, new_email, register


def _signed_in(api: httpx.Client, email: str, user_agent: str) -> dict[str, Any]:
    response = api.post(
        "/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD}, headers={"User-Agent": user_agent}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _sessions(api: httpx.Client, access_token: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/auth/sessions", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_list_end_one_and_end_all_sessions(api: httpx.Client) -> None:
    email = new_email()
    register(api, email)
    laptop = _signed_in(api, email, "Laptop-Browser/1.0")
    phone = _signed_in(api, email, "Phone-Browser/2.0")

    listed = _sessions(api, laptop["access_token"])
    assert [item["user_agent"] for item in listed] == ["Phone-Browser/2.0", "Laptop-Browser/1.0"], "newest first"
    assert [item["current"] for item in listed] == [False, True]
    assert all(item["ip_address"] and item["created_at"] for item in listed)
    assert all(item["last_used_at"] is None for item in listed)

    refreshed = api.post("/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    assert refreshed.status_code == 200
    laptop = refreshed.json()
    mine = next(item for item in _sessions(api, laptop["access_token"]) if item["current"])
    assert mine["last_used_at"] is not None, "a refresh is a use"

    phone_id = next(item["session_id"] for item in listed if not item["current"])
    ended = api.delete(f"/api/v1/auth/sessions/{phone_id}", headers=bearer(laptop["access_token"]))
    assert ended.status_code == 200, ended.text
    cut = api.get("/api/v1/auth/me", headers=bearer(phone["access_token"]))
    assert (cut.status_code, cut.json()["error"]["code"]) == (401, "session_revoked")
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code == 401
    assert [item["current"] for item in _sessions(api, laptop["access_token"])] == [True]
    again = api.delete(f"/api/v1/auth/sessions/{phone_id}", headers=bearer(laptop["access_token"]))
    assert again.status_code == 404, "an ended session is no longer there"

    tablet = _signed_in(api, email, "Tablet-Browser/3.0")
    assert len(_sessions(api, tablet["access_token"])) == 2
    everywhere = api.post("/api/v1/auth/logout-all", headers=bearer(tablet["access_token"]))
    assert everywhere.status_code == 200, everywhere.text
    for tokens in (laptop, tablet):
        assert api.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
        assert api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    after = _signed_in(api, email, "Laptop-Browser/1.0")
    assert [item["user_agent"] for item in _sessions(api, after["access_token"])] == ["Laptop-Browser/1.0"]


def test_another_users_session_is_not_found_and_anonymous_is_401(api: httpx.Client) -> None:
    ada, eve = new_email(), new_email()
    register(api, ada)
    register(api, eve)
    ada_tokens = login(api, ada).json()
    eve_tokens = login(api, eve).json()
    ada_session = _sessions(api, ada_tokens["access_token"])[0]["session_id"]

    attempt = api.delete(f"/api/v1/auth/sessions/{ada_session}", headers=bearer(eve_tokens["access_token"]))
    assert (attempt.status_code, attempt.json()["error"]["code"]) == (404, "not_found")
    assert ada_session not in [item["session_id"] for item in _sessions(api, eve_tokens["access_token"])]
    assert api.get("/api/v1/auth/me", headers=bearer(ada_tokens["access_token"])).status_code == 200

    for method, path in [
        ("GET", "/api/v1/auth/sessions"),
        ("DELETE", f"/api/v1/auth/sessions/{ada_session}"),
        ("POST", "/api/v1/auth/logout-all"),
        ("POST", "/api/v1/auth/verify/resend"),
    ]:
        assert api.request(method, path).status_code == 401, path
    assert api.get("/api/v1/auth/me", headers=bearer(ada_tokens["access_token"])).status_code == 200
    bad_id = api.delete("/api/v1/auth/sessions/not-a-uuid", headers=bearer(ada_tokens["access_token"]))
    assert bad_id.status_code == 422


def _verification_code(settings: Settings, user_id: str) -> str:
    data = asyncio.run(event_data(settings.database_url, "user.verification_requested", user_id))
    return str(data["code"])


def test_resend_sends_a_new_code_that_replaces_the_old(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    user_id = register(api, email)["user_id"]
    token = login(api, email).json()["access_token"]
    first = _verification_code(settings, user_id)

    resent = api.post("/api/v1/auth/verify/resend", headers=bearer(token))
    assert resent.status_code == 202, resent.text
    second = _verification_code(settings, user_id)
    assert second not in resent.text, "a code leaves only as an event"
    events = asyncio.run(_verification_events(settings.database_url, user_id))
    assert events == 2, "registration's code and the resent one, both as user.verification_requested"

    if first != second:
        old = api.post("/api/v1/auth/verify", json={"code": first}, headers=bearer(token))
        assert (old.status_code, old.json()["error"]["code"]) == (400, "invalid_code"), "the old code is replaced"
    verified = api.post("/api/v1/auth/verify", json={"code": second}, headers=bearer(token))
    assert verified.status_code == 200 and verified.json()["email_verified"] is True

    done = api.post("/api/v1/auth/verify/resend", headers=bearer(token))
    assert (done.status_code, done.json()["error"]["code"]) == (409, "already_verified")


async def _verification_events(database_url: str, user_id: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT events FROM outbox WHERE format = 'events' AND topic = 'identity-events'")
    finally:
        await connection.close()
    return sum(
        1
        for row in rows
        for event in json.loads(row["events"])
        if event["type"] == "com.bankflow.user.verification_requested" and event["subject"] == user_id
    )

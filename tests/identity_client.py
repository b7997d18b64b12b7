"""Helpers for driving the identity API over HTTP in tests, reading codes the way the
notification service will: from the events in the outbox."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx

STRONG_PASSWORD = "Correct-Horse-Battery-9"


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def event_data(database_url: str, event_type: str, subject: str) -> dict[str, Any]:
    """The data of the newest identity event of that type about `subject`."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT events FROM outbox WHERE format = 'events' AND topic = 'identity-events' ORDER BY position DESC"
        )
    finally:
        await connection.close()
    for row in rows:
        for event in json.loads(row["events"]):
            if event["type"] == f"com.bankflow.{event_type}" and event["subject"] == subject:
                data: dict[str, Any] = event["data"]
                return data
    raise AssertionError(f"no {event_type} event for {subject}")


def register(api: httpx.Client, email: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
    response = api.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def login(api: httpx.Client, email: str, password: str = STRONG_PASSWORD, totp: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if totp is not None:
        body["totp"] = totp
    return api.post("/api/v1/auth/login", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

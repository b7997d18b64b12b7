"""Customers, KYC and documents over HTTP: validation, privacy of the SSN, who may see what."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from actors.settings import Settings
from cluster.embedded import ray_head
from tests.conftest import ADMIN_PASSWORD
from tests.identity_client import bearer, login, new_email, register

SSNS_USED: list[str] = []
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def api(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=60) as client:
        yield client


def _user(api: httpx.Client) -> dict[str, str]:
    email = new_email()
    register(api, email)
    return bearer(login(api, email).json()["access_token"])


@pytest.fixture(scope="module")
def admin(api: httpx.Client, settings: Settings) -> dict[str, str]:
    response = login(api, settings.admin_email, ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def _ssn() -> str:
    ssn = f"{100 + uuid.uuid4().int % 500:03d}-{10 + uuid.uuid4().int % 89:02d}-{1000 + uuid.uuid4().int % 8999:04d}"
    SSNS_USED.append(ssn)
    return ssn


def _profile(last_name: str = "Lovelace", **overrides: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": last_name,
        "date_of_birth": "1990-12-10",
        "ssn": _ssn(),
        "phone": "+14155550123",
        "address": {"line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"},
    }
    profile.update(overrides)
    return profile


def _create(api: httpx.Client, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    profile = _profile(**overrides)
    response = api.post("/api/v1/customers", json=profile, headers=headers)
    assert response.status_code == 201, response.text
    assert profile["ssn"] not in response.text and profile["ssn"].replace("-", "") not in response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_profile_shows_only_the_last_four_of_the_ssn(api: httpx.Client, settings: Settings) -> None:
    headers = _user(api)
    profile = _profile()
    created = api.post("/api/v1/customers", json=profile, headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["ssn_last4"] == profile["ssn"][-4:] and "ssn" not in body
    fetched = api.get(f"/api/v1/customers/{body['customer_id']}", headers=headers)
    assert fetched.status_code == 200 and profile["ssn"] not in fetched.text
    assert api.post("/api/v1/customers", json=_profile(), headers=headers).status_code == 409
    data = asyncio.run(event_data_any(settings, "customer.created", body["customer_id"]))
    assert data["customer_id"] == body["customer_id"]


async def event_data_any(settings: Settings, event_type: str, subject: str) -> dict[str, Any]:
    import json

    import asyncpg

    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(
            "SELECT events FROM outbox WHERE topic = 'customer-events' ORDER BY position DESC"
        )
    finally:
        await connection.close()
    for row in rows:
        for event in json.loads(row["events"]):
            if event["type"] == f"com.bankflow.{event_type}" and event["subject"] == subject:
                data: dict[str, Any] = event["data"]
                return data
    raise AssertionError(f"no {event_type} for {subject}")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": "2015-01-01"}, "date_of_birth"),
        ({"ssn": "000-12-3456"}, "ssn"),
        ({"ssn": "123-45-678"}, "ssn"),
        ({"first_name": "Ada1"}, "first_name"),
        ({"phone": "555-0123"}, "phone"),
        ({"address": {"line1": "x", "city": "y", "postal_code": "!!", "country": "GB"}}, "address.postal_code"),
        ({"address": {"line1": "x", "city": "y", "postal_code": "12345", "country": "XX1"}}, "address.country"),
    ],
)
def test_profiles_are_validated(api: httpx.Client, overrides: dict[str, Any], field: str) -> None:
    response = api.post("/api/v1/customers", json=_profile(**overrides), headers=_user(api))
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def test_another_customer_gets_404_on_every_route(api: httpx.Client, admin: dict[str, str]) -> None:
    owner = _user(api)
    customer_id = _create(api, owner)["customer_id"]
    stranger = _user(api)
    _create(api, stranger)
    base = f"/api/v1/customers/{customer_id}"
    attempts = [
        api.get(base, headers=stranger),
        api.put(base, json={"phone": "+14155550199"}, headers=stranger),
        api.post(f"{base}/kyc", headers=stranger),
        api.get(f"{base}/kyc/status", headers=stranger),
        api.get(f"{base}/documents", headers=stranger),
        api.post(f"{base}/documents", data={"kind": "passport"}, files={"file": ("p.pdf", PDF)}, headers=stranger),
        api.get(f"/api/v1/customers/{uuid.uuid4()}", headers=owner),
    ]
    assert [response.status_code for response in attempts] == [404] * len(attempts)
    assert api.get(base, headers=admin).status_code == 200, "staff may read any profile"


def test_search_is_for_staff_and_pages_with_a_cursor(api: httpx.Client, admin: dict[str, str]) -> None:
    family = "Searchable" + "".join(chr(ord("a") + int(digit, 16)) for digit in uuid.uuid4().hex[:10])
    for _ in range(3):
        _create(api, _user(api), last_name=family)
    assert api.get("/api/v1/customers/search", params={"name": family}, headers=_user(api)).status_code == 403
    first = api.get("/api/v1/customers/search", params={"name": family, "limit": 2}, headers=admin).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(
        "/api/v1/customers/search", params={"name": family, "limit": 2, "cursor": first["next_cursor"]}, headers=admin
    ).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = {item["customer_id"] for item in first["items"] + second["items"]}
    assert len(ids) == 3
    bad = api.get("/api/v1/customers/search", params={"cursor": "garbage"}, headers=admin)
    assert bad.status_code == 422


def test_documents_are_sniffed_sized_and_hashed(api: httpx.Client) -> None:
    headers = _user(api)
    base = f"/api/v1/customers/{_create(api, headers)['customer_id']}/documents"
    uploaded = api.post(base, data={"kind": "passport"}, files={"file": ("passport.pdf", PDF)}, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert uploaded.json()["content_type"] == "application/pdf"
    renamed = api.post(base, data={"kind": "utility_bill"}, files={"file": ("bill.pdf", PNG)}, headers=headers)
    assert renamed.status_code == 201 and renamed.json()["content_type"] == "image/png"
    text = api.post(base, data={"kind": "passport"}, files={"file": ("x.pdf", b"just text")}, headers=headers)
    assert (text.status_code, text.json()["error"]["code"]) == (415, "unsupported_media_type")
    huge = PDF + b"0" * (10 * 1024 * 1024)
    too_big = api.post(base, data={"kind": "passport"}, files={"file": ("big.pdf", huge)}, headers=headers)
    assert too_big.status_code == 413
    listed = api.get(base, headers=headers).json()["items"]
    assert [item["review_status"] for item in listed] == ["PENDING", "PENDING"]


def test_kyc_review_with_rejection_and_resubmission(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    headers = _user(api)
    customer_id = _create(api, headers)["customer_id"]
    base = f"/api/v1/customers/{customer_id}"
    assert api.get(f"{base}/kyc/status", headers=headers).json()["kyc_status"] == "PENDING"
    assert api.post(f"{base}/kyc", headers=headers).json()["error"]["code"] == "documents_required"
    api.post(f"{base}/documents", data={"kind": "passport"}, files={"file": ("p.pdf", PDF)}, headers=headers)
    assert api.post(f"{base}/kyc", headers=headers).json()["kyc_status"] == "SUBMITTED"
    assert api.post(f"/api/v1/admin/kyc/{customer_id}/approve", headers=headers).status_code == 403
    rejected = api.post(f"/api/v1/admin/kyc/{customer_id}/reject", json={"reason": "photo unreadable"}, headers=admin)
    assert rejected.json() == {"customer_id": customer_id, "kyc_status": "REJECTED", "reason": "photo unreadable"}
    assert api.get(f"{base}/kyc/status", headers=headers).json()["reason"] == "photo unreadable"
    assert api.post(f"{base}/kyc", headers=headers).json()["kyc_status"] == "SUBMITTED"
    approved = api.post(f"/api/v1/admin/kyc/{customer_id}/approve", headers=admin)
    assert approved.json()["kyc_status"] == "APPROVED"
    again = api.post(f"/api/v1/admin/kyc/{customer_id}/approve", headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_kyc_transition")
    locked = api.put(base, json={"last_name": "Byron"}, headers=headers)
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "kyc_locked")
    assert api.put(base, json={"phone": "+14155550100"}, headers=headers).json()["phone"] == "+14155550100"
    data = asyncio.run(event_data_any(settings, "kyc.approved", customer_id))
    assert data["customer_id"] == customer_id


def test_no_ssn_reached_a_log_line(settings: Settings) -> None:
    """Runs after the tests above in this module: every SSN they sent is searched in Ray's logs."""
    assert SSNS_USED, "the tests above sent SSNs"
    logs = [
        path
        for path in Path(ray_head.temp_dir(settings)).rglob("*")
        if path.is_file() and path.suffix in (".log", ".out", ".err")
    ]
    assert logs, "Ray's log files were found"
    for path in logs:
        text = path.read_text(errors="replace")
        for ssn in SSNS_USED:
            assert ssn not in text and ssn.replace("-", "") not in text, f"an SSN is in {path}"

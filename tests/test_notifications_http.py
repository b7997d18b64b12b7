"""Notifications end to end on the session's stack: events on Kafka → the notifications actor →
the embedded SMTP server's mailbox, preferences, history, the live stream, and failure."""

from __future__ import annotations

import asyncio
import json
import queue
import re
import threading
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from actors.settings import Settings
from cluster.embedded import smtp
from models.topics import NOTIFICATION_EVENTS
from tests.banking_client import Customer, deposit, new_customer, open_account, wait_for
from tests.identity_client import STRONG_PASSWORD, bearer, login, new_email, register
from tests.mail import messages_to, text_of, wait_for_mail


def _email_of(api: httpx.Client, who: Customer) -> str:
    email: str = api.get("/api/v1/auth/me", headers=who.headers).json()["email"]
    return email


def _history(api: httpx.Client, headers: dict[str, str], user_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/notifications/user/{user_id}", headers=headers, params={"limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_verification_and_reset_codes_arrive_by_email_and_work(api: httpx.Client, settings: Settings) -> None:
    email = new_email()
    user = register(api, email)
    welcome = wait_for_mail(settings, email, "welcome")
    assert "welcome" in str(welcome["Subject"]).lower()
    code_mail = wait_for_mail(settings, email, "code")
    code = re.search(r"\b(\d{6})\b", text_of(code_mail))
    assert code is not None, text_of(code_mail)
    headers = bearer(login(api, email).json()["access_token"])
    assert api.post("/api/v1/auth/verify", json={"code": code.group(1)}, headers=headers).status_code == 200
    assert api.get("/api/v1/auth/me", headers=headers).json()["email_verified"] is True

    # The code is in the inbox and nowhere else: the history withholds it.
    history = _history(api, headers, user["user_id"])
    assert history and all(code.group(1) not in item["body"] for item in history)

    assert api.post("/api/v1/auth/forgot", json={"email": email}).status_code == 202
    reset_mail = wait_for_mail(settings, email, "reset")
    # The token is URL-safe base64, which may begin or end with "-" or "_" (not word characters).
    token = re.search(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{40,})(?![A-Za-z0-9_-])", text_of(reset_mail))
    assert token is not None, text_of(reset_mail)
    new_password = STRONG_PASSWORD + "-x"
    body = {"email": email, "token": token.group(1), "new_password": new_password}
    assert api.post("/api/v1/auth/reset", json=body).status_code == 200, body
    assert login(api, email, new_password).status_code == 200


def test_both_owners_hear_of_a_transfer_and_preferences_are_kept_but_security_still_goes_out(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    ada_account, bob_account = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, ada_account, "100.00")

    def transfer(amount: str) -> str:
        body = {"from_account_id": ada_account, "to_account_id": bob_account, "amount": amount, "currency": "USD"}
        response = api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers)
        assert response.status_code == 201 and response.json()["status"] == "COMPLETED", response.text
        transaction_id: str = response.json()["transaction_id"]
        return transaction_id

    def heard(who: Customer, amount: str) -> bool:
        return any(
            item["event_type"] == "transaction.completed" and item["channel"] == "EMAIL" and amount in item["body"]
            for item in _history(api, who.headers, who.user_id)
        )

    transfer("12.34")
    wait_for(lambda: heard(ada, "12.34") and heard(bob, "12.34"))
    wait_for_mail(settings, _email_of(api, bob), "12.34")

    off = {"channels": {"TRANSACTIONS": {"EMAIL": False}}}
    response = api.put("/api/v1/notifications/preferences", json=off, headers=bob.headers)
    assert response.status_code == 200 and response.json()["channels"]["TRANSACTIONS"]["EMAIL"] is False
    security_off = {"channels": {"SECURITY": {"EMAIL": False}}}
    refused = api.put("/api/v1/notifications/preferences", json=security_off, headers=bob.headers)
    assert refused.status_code == 422 and "SECURITY" in refused.json()["error"]["message"]

    transfer("56.78")
    wait_for(lambda: heard(ada, "56.78"))
    assert not heard(bob, "56.78")
    bob_email = _email_of(api, bob)
    assert api.post("/api/v1/auth/forgot", json={"email": bob_email}).status_code == 202
    wait_for_mail(settings, bob_email, "reset")
    assert all("56.78" not in text_of(message) for message in messages_to(settings, bob_email))

    assert api.get(f"/api/v1/notifications/user/{bob.user_id}", headers=ada.headers).status_code == 404
    assert api.get(f"/api/v1/notifications/user/{bob.user_id}", headers=admin).status_code == 200


class _Stream:
    """A live stream read in a thread; what arrives is put on a queue."""

    def __init__(self, api_url: str, headers: dict[str, str], last_event_id: str | None = None) -> None:
        self.items: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._stop = threading.Event()
        self._headers = {**headers, **({"Last-Event-ID": last_event_id} if last_event_id else {})}
        self._api_url = api_url
        self._opened = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(30), "the stream did not open"

    def _read(self) -> None:
        try:
            with (
                httpx.Client(base_url=self._api_url, timeout=httpx.Timeout(5, read=60)) as client,
                client.stream("GET", "/api/v1/notifications/stream", headers=self._headers) as response,
            ):
                assert response.status_code == 200
                self._response = response
                self._opened.set()
                event_id = ""
                for line in response.iter_lines():
                    if line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        self.items.put((event_id, json.loads(line[5:].strip())))
        except (httpx.HTTPError, RuntimeError):
            if not self._stop.is_set():
                raise

    def next(self, timeout_s: float = 30) -> tuple[str, dict[str, Any]]:
        return self.items.get(timeout=timeout_s)

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()
        self._thread.join(timeout=30)


def _admin_email(api: httpx.Client, admin: dict[str, str], to: str, subject: str) -> dict[str, Any]:
    body = {"to": to, "subject": subject, "body": f"{subject}: a message from the bank."}
    response = api.post("/api/v1/notifications/email", json=body, headers=admin)
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


def test_the_live_stream_shows_only_the_callers_notifications_and_resumes_exactly(
    api: httpx.Client, admin: dict[str, str], api_url: str
) -> None:
    ada, bob = new_customer(api, admin), new_customer(api, admin)
    ada_email, bob_email = _email_of(api, ada), _email_of(api, bob)

    def signed_up(who: Customer) -> bool:
        return any(item["event_type"] == "kyc.approved" for item in _history(api, admin, who.user_id))

    # Their sign-up's messages first: what the streams bring afterwards is this test's alone.
    wait_for(lambda: signed_up(ada) and signed_up(bob))
    ada_stream, bob_stream = _Stream(api_url, ada.headers), _Stream(api_url, bob.headers)
    try:
        first = _admin_email(api, admin, ada_email, "First")
        event_id, item = ada_stream.next()
        assert item["notification_id"] == first["notification_id"] and event_id == str(first["seq"])
        _admin_email(api, admin, bob_email, "For Bob")
        assert bob_stream.next()[1]["subject"] == "For Bob"
        second = _admin_email(api, admin, ada_email, "Second")
        third = _admin_email(api, admin, ada_email, "Third")
        assert [ada_stream.next()[1]["notification_id"] for _ in range(2)] == [
            second["notification_id"],
            third["notification_id"],
        ]
        assert ada_stream.items.empty()
    finally:
        ada_stream.close()
        bob_stream.close()
    resumed = _Stream(api_url, ada.headers, last_event_id=event_id)
    try:
        assert [resumed.next()[1]["notification_id"] for _ in range(2)] == [
            second["notification_id"],
            third["notification_id"],
        ]
    finally:
        resumed.close()


async def _failed_event(settings: Settings, notification_id: str, timeout_s: float = 60) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        NOTIFICATION_EVENTS, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest",
        group_id=f"test-{uuid.uuid4().hex}",
    )  # fmt: skip
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for message in messages:
                    event = json.loads(message.value)
                    if event["type"] == "com.bankflow.notification.failed" and event["subject"] == notification_id:
                        data: dict[str, Any] = event["data"]
                        return data
    finally:
        await consumer.stop()
    raise AssertionError(f"no notification.failed for {notification_id}")


def test_with_the_smtp_server_down_delivery_retries_then_fails_and_says_so(
    api: httpx.Client, admin: dict[str, str], settings: Settings
) -> None:
    ada = new_customer(api, admin)
    smtp.stop(settings)
    try:
        sent = _admin_email(api, admin, _email_of(api, ada), "Nobody home")

        def final() -> dict[str, Any] | None:
            found = [i for i in _history(api, admin, ada.user_id) if i["notification_id"] == sent["notification_id"]]
            return found[0] if found and found[0]["status"] != "pending" else None

        wait_for(lambda: final() is not None)
        outcome = final()
        assert outcome is not None and outcome["status"] == "failed" and outcome["attempts"] == 5
        event = asyncio.run(_failed_event(settings, sent["notification_id"]))
        assert event["attempts"] == 5 and event["channel"] == "EMAIL"
    finally:
        smtp.start(settings)
    later = _admin_email(api, admin, _email_of(api, ada), "Back again")
    wait_for_mail(settings, _email_of(api, ada), "Back again")
    assert later["status"] == "pending"

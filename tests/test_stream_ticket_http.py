"""The live stream without an Authorization header (EventSource sends none): a single-use ticket,
bound to the caller's session, opens it once; an access token in the URL never does."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx

from tests.identity_client import bearer, login, new_email, register

TICKET = "/api/v1/notifications/stream/ticket"
STREAM = "/api/v1/notifications/stream"


def _session(api: httpx.Client) -> tuple[dict[str, Any], dict[str, str], str]:
    """A fresh user, an Authorization header of a new session of theirs, and the email."""
    email = new_email()
    user = register(api, email)
    response = login(api, email)
    assert response.status_code == 200, response.text
    return user, bearer(response.json()["access_token"]), email


def _ticket(api: httpx.Client, headers: dict[str, str]) -> str:
    response = api.post(TICKET, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"ticket", "expires_in_s"} and body["expires_in_s"] == 30
    ticket: str = body["ticket"]
    return ticket


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


class _TicketStream:
    """A stream opened with a ticket alone, read in a thread; its data lines go on a queue."""

    def __init__(self, api_url: str, ticket: str) -> None:
        self.items: queue.Queue[dict[str, Any]] = queue.Queue()
        self.status: int | None = None
        self._opened = threading.Event()
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(api_url, ticket), daemon=True)
        self._thread.start()
        assert self._opened.wait(30), "the stream did not open"

    def _read(self, api_url: str, ticket: str) -> None:
        try:
            with (
                httpx.Client(base_url=api_url, timeout=httpx.Timeout(5, read=60)) as client,
                client.stream("GET", STREAM, params={"ticket": ticket}) as response,
            ):
                self.status = response.status_code
                self._response = response
                self._opened.set()
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        self.items.put(json.loads(line[5:].strip()))
        except (httpx.HTTPError, RuntimeError):
            if not self._stop.is_set():
                raise
        finally:
            self._opened.set()

    def wait_for_end(self, timeout_s: float) -> None:
        """Until the server ends the stream (the reading thread finishes)."""
        self._thread.join(timeout=timeout_s)
        assert not self._thread.is_alive(), "the stream is still open"

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()
        self._thread.join(timeout=30)


def test_a_ticket_opens_the_callers_stream_once(api: httpx.Client, api_url: str, admin: dict[str, str]) -> None:
    _, headers, email = _session(api)
    ticket = _ticket(api, headers)
    stream = _TicketStream(api_url, ticket)
    try:
        assert stream.status == 200
        body = {"to": email, "subject": "By ticket", "body": "a message from the bank."}
        sent = api.post("/api/v1/notifications/email", json=body, headers=admin)
        assert sent.status_code == 202, sent.text
        item = stream.items.get(timeout=30)
        assert item["notification_id"] == sent.json()["notification_id"]
        # Used once: the same ticket opens nothing more.
        again = api.get(STREAM, params={"ticket": ticket})
        assert _error(again) == (401, "invalid_ticket")
    finally:
        stream.close()


def test_unknown_tickets_and_access_tokens_in_the_url_are_refused(api: httpx.Client) -> None:
    _, headers, _ = _session(api)
    token = headers["Authorization"].removeprefix("Bearer ")
    for params in ({"ticket": "A" * 43}, {"ticket": token[:64]}, {"access_token": token}, {"token": token}, {}):
        response = api.get(STREAM, params=params)
        assert response.status_code == 401, (params, response.text)
        assert response.json()["error"]["code"] in ("invalid_ticket", "unauthorized")
    assert _error(api.get(STREAM, params={"ticket": ""})) == (422, "validation_error")
    assert _error(api.post(TICKET)) == (401, "unauthorized")


def test_tickets_are_random_and_each_works_once(api: httpx.Client) -> None:
    _, headers, _ = _session(api)
    tickets = {_ticket(api, headers) for _ in range(5)}
    assert len(tickets) == 5 and all(len(ticket) >= 43 for ticket in tickets)


def test_a_signed_out_session_s_ticket_opens_nothing(api: httpx.Client) -> None:
    _, headers, _ = _session(api)
    ticket = _ticket(api, headers)
    assert api.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert _error(api.get(STREAM, params={"ticket": ticket})) == (401, "session_revoked")
    # Nor can a signed-out session ask for a new one.
    assert _error(api.post(TICKET, headers=headers)) == (401, "session_revoked")


def test_an_open_stream_ends_when_its_session_is_signed_out(api: httpx.Client, api_url: str) -> None:
    _, headers, _ = _session(api)
    stream = _TicketStream(api_url, _ticket(api, headers))
    try:
        assert stream.status == 200
        assert api.post("/api/v1/auth/logout", headers=headers).status_code == 200
        stream.wait_for_end(timeout_s=90)
    finally:
        stream.close()

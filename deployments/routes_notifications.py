"""/api/v1/notifications: history, preferences, templates, admin sends, and the live stream
(server-sent events) of the caller's notifications (API.md › Notifications)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from deployments.calls import call_service
from deployments.errors import ApiError
from deployments.schemas import ERROR_RESPONSES, Email, Id, RequestBody, SmsNumber, Timestamp
from deployments.security import (
    STREAM_TICKET_TTL_S,
    CurrentPrincipal,
    audit_origin,
    current_principal,
    issue_stream_ticket,
    principal_of_ticket,
    session_revoked,
)
from models.identity import Principal
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=ERROR_RESPONSES)

STREAM_WAIT_S: Final = 15.0
STREAM_PING_S: Final = 15
# What secrets.token_urlsafe(32) gives: 43 URL-safe base64 characters.
TICKET_PATTERN: Final = r"^[A-Za-z0-9_-]{43}$"


class Notification(BaseModel):
    notification_id: Id
    seq: int
    user_id: Id | None
    event_type: str | None
    channel: str
    recipient: str
    subject: str | None
    body: str
    template: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: Timestamp | None
    created_at: Timestamp


class NotificationPage(BaseModel):
    items: list[Notification]
    next_cursor: str | None


class Preferences(BaseModel):
    channels: dict[str, dict[str, bool]]
    push_token_registered: bool


class PreferencesChange(RequestBody):
    channels: dict[str, dict[str, bool]] = Field(
        default_factory=dict, examples=[{"TRANSACTIONS": {"EMAIL": False, "PUSH": True}}], max_length=16
    )
    push_token: str | None = Field(default=None, max_length=4096)


class StreamTicket(BaseModel):
    ticket: str = Field(
        description="opaque, single use: GET /api/v1/notifications/stream?ticket=… within expires_in_s",
        json_schema_extra={"pattern": TICKET_PATTERN},
    )
    expires_in_s: int


class TemplateInfo(BaseModel):
    name: str
    channels: list[str]
    category: str
    event_types: list[str]


class TemplateList(BaseModel):
    items: list[TemplateInfo]


class EmailRequest(RequestBody):
    to: Email
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000)


class SmsRequest(RequestBody):
    to: SmsNumber
    body: str = Field(min_length=1, max_length=1_600)


class PushRequest(RequestBody):
    to: str = Field(min_length=1, max_length=4096, description="the device's push token")
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=1_000)


async def _notifications(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.notifications, operation, **arguments)


@router.get("/user/{user_id}", response_model=NotificationPage, summary="A user's notifications, newest first")
async def history(
    user_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await _notifications(request, "history", principal=principal, user_id=user_id, limit=limit, cursor=cursor)


@router.get("/preferences", response_model=Preferences, summary="Which categories reach which channels")
async def preferences(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _notifications(request, "preferences", principal=principal)


@router.put(
    "/preferences",
    response_model=Preferences,
    summary="Switch categories on or off per channel (security messages cannot be switched off)",
)
async def set_preferences(body: PreferencesChange, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _notifications(
        request, "set_preferences", principal=principal, changes=body.channels, push_token=body.push_token
    )


@router.get("/templates", response_model=TemplateList, summary="Support/admin: the message templates")
async def templates(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _notifications(request, "templates", principal=principal)


Sendable = Literal["EMAIL", "SMS", "PUSH"]


async def _send(
    request: Request, principal: Principal, channel: Sendable, to: str, subject: str | None, body: str
) -> dict[str, Any]:
    message = {"channel": channel, "recipient": to, "subject": subject, "body": body}
    return await _notifications(request, "send", principal=principal, origin=audit_origin(request), **message)


@router.post("/email", status_code=202, response_model=Notification, summary="Admin: send an email")
async def email(body: EmailRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _send(request, principal, "EMAIL", body.to, body.subject, body.body)


@router.post("/sms", status_code=202, response_model=Notification, summary="Admin: send an SMS")
async def sms(body: SmsRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _send(request, principal, "SMS", body.to, None, body.body)


@router.post("/push", status_code=202, response_model=Notification, summary="Admin: send a push message")
async def push(body: PushRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _send(request, principal, "PUSH", body.to, body.title, body.body)


@router.post(
    "/stream/ticket",
    status_code=201,
    response_model=StreamTicket,
    summary="A single-use ticket opening the caller's live stream (for EventSource, which sends no headers)",
)
async def stream_ticket(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return {"ticket": await issue_stream_ticket(request, principal), "expires_in_s": STREAM_TICKET_TTL_S}


@router.get(
    "/stream",
    summary="Server-sent events: the caller's notifications as they are recorded; resumes after Last-Event-ID",
    description="Authenticated by an `Authorization: Bearer` header, or by `ticket` (from POST "
    "/api/v1/notifications/stream/ticket; single use, short-lived). An access token is never accepted in "
    "the URL. The stream ends when its session is signed out.",
    response_class=EventSourceResponse,
)
async def stream(
    request: Request,
    ticket: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="a stream ticket, instead of the Authorization header",
            json_schema_extra={"pattern": TICKET_PATTERN},
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> EventSourceResponse:
    principal = await (current_principal(request) if ticket is None else principal_of_ticket(request, ticket))
    after_seq = 0
    if last_event_id:
        if not last_event_id.isdigit():
            raise ApiError(422, "validation_error", "Last-Event-ID: must be an id this stream sent")
        after_seq = int(last_event_id)
    else:
        # A new stream starts from now: the history endpoint has what came before.
        newest = await _notifications(
            request, "history", principal=principal, user_id=principal.user_id, limit=1, cursor=None
        )
        after_seq = newest["items"][0]["seq"] if newest["items"] else 0

    async def signed_in() -> bool:
        try:
            return not await session_revoked(request, principal)
        except ApiError:  # the session store is down: end the stream; the client reconnects
            return False

    async def events() -> AsyncIterator[ServerSentEvent]:
        nonlocal after_seq
        while not await request.is_disconnected() and await signed_in():
            found = await _notifications(
                request, "since", principal=principal, after_seq=after_seq, wait_s=STREAM_WAIT_S
            )
            for item in found["items"]:
                after_seq = item["seq"]
                yield ServerSentEvent(data=json.dumps(item), id=str(item["seq"]), event="notification")

    return EventSourceResponse(events(), ping=STREAM_PING_S)

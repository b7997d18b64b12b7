"""/api/v1/admin/audit: the audit trail for admins and auditors (search, keyset pages, CSV)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.schemas import ERROR_RESPONSES, Id, Timestamp, checked_time_zones
from deployments.security import CurrentPrincipal
from models.audit import AuditFilter
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/admin/audit", tags=["admin"], responses=ERROR_RESPONSES)
MAX_ACTIONS_PER_SEARCH = 20


class AuditActorView(BaseModel):
    user_id: Id | None = Field(description="who acted; null for a login attempt naming no user")
    roles: list[str]
    session_id: Id | None


class AuditRecordView(BaseModel):
    seq: int = Field(description="the record's place in the chain: 1, 2, 3, …")
    audit_id: Id
    occurred_at: Timestamp
    action: str = Field(examples=["account.freeze"])
    target_type: str = Field(examples=["account"])
    target_id: str | None
    outcome: Literal["success", "failure"]
    reason: str | None
    actor: AuditActorView
    changes: dict[str, dict[str, Any]] = Field(
        description="the changed fields' values before and after, secrets masked as *** and personal data in part"
    )
    origin: dict[str, str | None] = Field(description="ip_address, user_agent, request_id, trace_id")
    hash: str = Field(description="sha256 (hex) over the previous record's hash and this record")


class AuditPage(BaseModel):
    items: list[AuditRecordView]
    next_cursor: str | None


@router.get(
    "",
    response_model=AuditPage,
    summary="Admin/auditor: audit records by actor, action, target and time, newest first (json or csv)",
    description="Every filter given narrows the search; `action` may be repeated. `format=csv` answers every "
    "matching record as one file (at most 50,000: 422 `too_many_records` asks for a narrower `from`/`to`).",
    responses={200: {"content": {"text/csv": {}}}},
)
async def search(
    request: Request,
    principal: CurrentPrincipal,
    actor: Annotated[uuid.UUID | None, Query(description="the acting user's id")] = None,
    action: Annotated[list[str] | None, Query(max_length=MAX_ACTIONS_PER_SEARCH)] = None,
    target_type: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="from this time (inclusive)")] = None,
    to: Annotated[datetime | None, Query(description="until this time (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    checked_time_zones(("from", from_), ("to", to))
    filters = AuditFilter(
        actor_user_id=actor,
        actions=tuple(action or ()),
        target_type=target_type,
        target_id=target_id,
        since=from_,
        until=to,
    )
    compliance = request.app.state.compliance
    if format == "json":
        return await call_service(compliance, "audit", principal=principal, filters=filters, limit=limit, cursor=cursor)
    exported = await call_service(compliance, "audit_csv", principal=principal, filters=filters)
    return Response(
        content=exported["content"],
        media_type=exported["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{exported["filename"]}"', "Cache-Control": "no-store"},
    )

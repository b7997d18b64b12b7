"""/api/v1/admin/approvals: four eyes. The requests that governed staff actions opened, approved
(and then carried out here, once, with the maker's parameters) or rejected by a second member of
staff; and which actions need one (the policies)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.errors import ApiError
from deployments.schemas import ERROR_RESPONSES, Id, RequestBody, Timestamp
from deployments.security import CurrentPrincipal, Origin
from deployments.transactions.local import LocalTransactions
from models.approvals import MAX_EXPIRY_S, MAX_REASON_CHARS, MIN_EXPIRY_S, ApprovalRequest, Approved
from models.audit import AuditAction, AuditOrigin
from models.identity import Principal
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/admin/approvals", tags=["admin"], responses=ERROR_RESPONSES)

Status = Literal["PENDING", "EXECUTING", "EXECUTED", "FAILED", "REJECTED", "EXPIRED"]


class MakerView(BaseModel):
    user_id: Id
    email: str
    roles: list[str]


class ApprovalRequestView(BaseModel):
    approval_id: Id
    action: str = Field(examples=["transaction.reverse"])
    target_type: str
    target_id: str
    parameters: dict[str, Any] = Field(description="the maker's parameters, with which the action is carried out")
    summary: str
    maker: MakerView
    reason: str | None = Field(description="the maker's reason")
    status: Status
    created_at: Timestamp
    expires_at: Timestamp
    checker_user_id: Id | None
    decided_at: Timestamp | None
    decision_reason: str | None
    result: dict[str, Any] | None = Field(description="once carried out: what the action answered, or its error")


# The OpenAPI answer of a governed action's route when it waits for a checker.
WAITING_FOR_A_CHECKER: dict[int | str, dict[str, Any]] = {
    202: {"model": ApprovalRequestView, "description": "waiting for a second admin"}
}


def asked_or(answer: dict[str, Any]) -> Any:
    """A governed action's answer: 202 with the approval request it opened, else the action's own."""
    if "approval" in answer:
        return JSONResponse(status_code=202, content=answer["approval"])
    return answer


class ApprovalPage(BaseModel):
    items: list[ApprovalRequestView]
    next_cursor: str | None


class Decision(RequestBody):
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)


class Rejection(RequestBody):
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)


class PolicyView(BaseModel):
    action: str
    required: bool = Field(description="whether the action waits for a second member of staff")
    expires_after_s: int = Field(description="how long a request waits before it expires")
    checker_role: str = Field(description="the role a checker must have")
    above_units: int | None = Field(
        description="for a change of amounts: only one setting more than this many units of the account's "
        "currency waits for a checker; null: every one"
    )


class PolicyList(BaseModel):
    items: list[PolicyView]


class PolicyChange(RequestBody):
    required: bool
    expires_after_s: int = Field(ge=MIN_EXPIRY_S, le=MAX_EXPIRY_S)
    above_units: int | None = Field(default=None, ge=0, le=10**12, description="account.limits.change only")


def _compliance(request: Request) -> Any:
    return request.app.state.compliance


@router.get("", response_model=ApprovalPage, summary="Admin/auditor: approval requests, newest first")
async def approvals(
    request: Request,
    principal: CurrentPrincipal,
    status: Status | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    return await call_service(
        _compliance(request), "approvals", principal=principal, status=status, action=action, limit=limit, cursor=cursor
    )


@router.get("/policies", response_model=PolicyList, summary="Admin/auditor: which actions need a second person")
async def policies(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_service(_compliance(request), "approval_policies", principal=principal)


@router.put(
    "/policies/{action}", response_model=PolicyView, summary="Admin: set whether an action needs a second person"
)
async def set_policy(
    action: str, body: PolicyChange, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await call_service(
        _compliance(request),
        "set_approval_policy",
        principal=principal,
        action=action,
        required=body.required,
        expires_after_s=body.expires_after_s,
        above_units=body.above_units,
        origin=origin,
    )


@router.get("/{approval_id}", response_model=ApprovalRequestView, summary="Admin/auditor: one approval request")
async def approval(approval_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_service(_compliance(request), "approval", principal=principal, approval_id=approval_id)


async def _carry_out(
    request: Request, claimed: ApprovalRequest, checker: Principal, origin: AuditOrigin
) -> tuple[dict[str, Any], bool]:
    """The governed action, as the maker asked it, approved by `checker`: its answer, and
    whether it took effect."""
    approved = Approved(claimed.approval_id, checker.user_id)
    parameters = claimed.parameters
    match claimed.action:
        case AuditAction.TRANSACTION_REVERSE:
            transactions: LocalTransactions = request.app.state.transactions
            reversal = await transactions.reverse(
                principal=claimed.maker(),
                transaction_id=uuid.UUID(parameters["transaction_id"]),
                reason=parameters["reason"],
                reversal_id=uuid.UUID(parameters["reversal_id"]),
                origin=origin,
                approved=approved,
            )
            return reversal, reversal["status"] == "COMPLETED"
        case AuditAction.ACCOUNT_LIMITS_CHANGE:
            account = await call_service(
                request.app.state.accounts,
                "set_limits",
                principal=claimed.maker(),
                account_id=uuid.UUID(parameters["account_id"]),
                daily_limit_minor=parameters["daily_limit_minor"],
                overdraft_limit_minor=parameters["overdraft_limit_minor"],
                origin=origin,
                approved=approved,
            )
            return account, True
        case AuditAction.ACCOUNT_CLOSE | AuditAction.ACCOUNT_UNFREEZE:
            account = await call_service(
                request.app.state.accounts,
                "change_status",
                principal=claimed.maker(),
                account_id=uuid.UUID(parameters["account_id"]),
                action="close" if claimed.action is AuditAction.ACCOUNT_CLOSE else "unfreeze",
                command_id=uuid.UUID(parameters["command_id"]),
                origin=origin,
                approved=approved,
            )
            return account, True
        case AuditAction.MODEL_PROMOTE:
            model = await call_service(
                request.app.state.fraud,
                "promote",
                principal=claimed.maker(),
                version=parameters["version"],
                force=parameters["force"],
                origin=origin,
                approved=approved,
            )
            return model, True
        case AuditAction.FRAUD_RULE_CREATE:
            rule = await call_service(
                request.app.state.fraud,
                "create_rule",
                principal=claimed.maker(),
                rule_id=uuid.UUID(parameters["rule_id"]),
                name=parameters["name"],
                condition=parameters["condition"],
                action=parameters["action"],
                priority=parameters["priority"],
                active=parameters["active"],
                origin=origin,
                approved=approved,
            )
            return rule, True
        case AuditAction.FRAUD_RULE_CHANGE:
            rule = await call_service(
                request.app.state.fraud,
                "update_rule",
                principal=claimed.maker(),
                rule_id=uuid.UUID(parameters["rule_id"]),
                active=parameters["active"],
                priority=parameters["priority"],
                origin=origin,
                approved=approved,
            )
            return rule, True
        case AuditAction.ROLES_CHANGE:
            user = await call_service(
                request.app.state.identity,
                "set_roles",
                principal=claimed.maker(),
                user_id=uuid.UUID(parameters["user_id"]),
                roles=parameters["roles"],
                origin=origin,
                approved=approved,
            )
            return user, True
    raise AssertionError(f"no way to carry out {claimed.action}")


@router.post(
    "/{approval_id}/approve",
    response_model=ApprovalRequestView,
    summary="Admin: approve a request; the action is carried out now, once",
    description="By a member of staff other than the maker, with the role the action needs, before the request "
    "expires (403 `own_request`, 409 `already_decided` or `expired`). Two approvals at once carry it out once: "
    "the second is 409. The answer's `status` is EXECUTED, with the action's answer in `result`, or FAILED, with "
    "the action's refusal there.",
)
async def approve(
    approval_id: uuid.UUID, body: Decision, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    compliance = _compliance(request)
    claim = await call_service(
        compliance, "claim_approval", principal=principal, approval_id=approval_id, reason=body.reason, origin=origin
    )
    claimed: ApprovalRequest = claim["request"]
    try:
        result, succeeded = await _carry_out(request, claimed, principal, origin)
    except ApiError as refused:
        result, succeeded = {"error": {"code": refused.code, "message": refused.message}}, False
    return await call_service(
        compliance, "finish_approval", principal=principal, approval_id=approval_id, succeeded=succeeded, result=result
    )


@router.post(
    "/{approval_id}/settle",
    response_model=ApprovalRequestView,
    summary="Admin: settle an approved request whose carrying out was cut off",
    description="For a request still EXECUTING 10 minutes after its approval (the gateway carrying it out stopped): "
    "EXECUTED when the audit trail holds the action's record with this approval_id, else FAILED with `abandoned` "
    "in `result`; either way a new request for the same action and target may be opened. Refused to the maker "
    "(403 `own_request`), for a request not EXECUTING (409 `not_executing`) and before the 10 minutes (409 "
    "`still_executing`).",
)
async def settle(
    approval_id: uuid.UUID, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await call_service(
        _compliance(request), "settle_approval", principal=principal, approval_id=approval_id, origin=origin
    )


@router.post(
    "/{approval_id}/reject", response_model=ApprovalRequestView, summary="Admin: reject a request, with a reason"
)
async def reject(
    approval_id: uuid.UUID, body: Rejection, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await call_service(
        _compliance(request),
        "reject_approval",
        principal=principal,
        approval_id=approval_id,
        reason=body.reason,
        origin=origin,
    )

"""/api/v1/fraud: analyze, stored scores, rules, allow/block lists, cases, the model (API.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.routes_approvals import WAITING_FOR_A_CHECKER, asked_or
from deployments.schemas import ERROR_RESPONSES, Amount, Currency, Id, RequestBody, Timestamp, amount_minor
from deployments.security import CurrentPrincipal, Origin
from deployments.transactions.local import LocalTransactions
from models.fraud.check import ScoringRequest
from models.fraud.rules import ListKind
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/fraud", tags=["fraud"], responses=ERROR_RESPONSES)


class AnalyzeRequest(RequestBody):
    account_id: uuid.UUID
    amount: Amount
    currency: Currency
    kind: Literal["TRANSFER", "WITHDRAWAL", "PAYMENT", "EXTERNAL_OUT"] = "TRANSFER"
    to_account_id: uuid.UUID | None = None
    counterparty: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=200)
    ip: str | None = Field(default=None, max_length=64)


class Analysis(BaseModel):
    score: int
    risk_level: str
    verdict: str
    reasons: list[str]
    features: dict[str, float]
    model_version: str | None


class StoredScore(Analysis):
    transaction_id: Id
    account_id: Id
    scored_at: Timestamp


class RuleRequest(RequestBody):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_]+$", examples=["night_drain"])
    condition: dict[str, Any] = Field(examples=[{"all": [{"feature": "is_night", "op": "==", "value": 1}]}])
    action: Literal["allow", "review", "block"]
    priority: int = Field(default=0, ge=-1000, le=1000)
    active: bool = True


class RuleChange(RequestBody):
    active: bool | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000)


class RuleView(BaseModel):
    rule_id: Id
    name: str
    condition: dict[str, Any]
    action: str
    priority: int
    active: bool
    updated_at: Timestamp


class RuleList(BaseModel):
    items: list[RuleView]


class ListEntryRequest(RequestBody):
    kind: ListKind
    value: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=500)


class ListEntry(BaseModel):
    kind: str
    value: str
    list: str
    reason: str | None
    created_by: Id | None = None
    created_at: Timestamp


class ListPage(BaseModel):
    items: list[ListEntry]
    next_cursor: str | None


class CaseEvent(BaseModel):
    action: str
    actor: Id | None
    note: str | None
    at: Timestamp


class Case(BaseModel):
    case_id: Id
    transaction_id: Id
    account_id: Id
    verdict: str
    score: int
    reasons: list[str]
    status: str
    resolution: str | None
    note: str | None
    opened_at: Timestamp
    resolved_at: Timestamp | None
    history: list[CaseEvent] | None = None


class CasePage(BaseModel):
    items: list[Case]
    next_cursor: str | None


class Resolution(RequestBody):
    resolution: Literal["FRAUD", "FALSE_POSITIVE"]
    note: str | None = Field(default=None, max_length=1000)


class ReportFile(BaseModel):
    name: str = Field(examples=["pr-curve.png"])
    url: str = Field(description="GET it with the same Authorization: a PNG image")


class ModelVersion(BaseModel):
    version: str
    serving: bool
    metrics: dict[str, Any] = Field(examples=[{"auc_pr": 0.81, "recall": 0.74, "precision": 0.66}])
    features: list[str]
    data_window: dict[str, Any]
    report: list[ReportFile] = Field(
        description="its training report: the precision-recall curves (holdout, out of distribution, beside the "
        "rules alone's) and the histogram of its scores"
    )


class ModelVersions(BaseModel):
    items: list[ModelVersion]
    serving_version: str | None


class PromoteRequest(RequestBody):
    force: bool = Field(default=False, description="promote even when its AUC-PR is below the serving version's")


class ModelInfo(BaseModel):
    model_version: str | None
    serving: str
    metrics: dict[str, Any] | None
    report: list[ReportFile] = Field(description="the serving version's training report (none without a model)")


async def _fraud(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.fraud, operation, **arguments)


@router.post("/analyze", response_model=Analysis, summary="Support/admin: score a movement without making it")
async def analyze(body: AnalyzeRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    scoring = ScoringRequest(
        uuid.uuid4(),
        body.kind,
        body.account_id,
        body.to_account_id,
        amount_minor("amount", body.amount, body.currency),
        body.currency,
        principal.user_id,
        counterparty=body.counterparty,
        device_id=body.device_id,
        ip=body.ip,
    )
    return await _fraud(request, "analyze", principal=principal, scoring=scoring)


@router.get("/score/{transaction_id}", response_model=StoredScore, summary="Support/admin: a transaction's score")
async def score(transaction_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _fraud(request, "score", principal=principal, transaction_id=transaction_id)


@router.post(
    "/rules",
    status_code=201,
    response_model=RuleView,
    summary="Admin: add a rule, or ask a second admin to",
    description="201 with the rule when no second person is needed. Under four eyes (the approval policy of "
    "`fraud.rule.create`, on by default) 202 with the approval request, once the condition is valid (422 "
    "`invalid_rule`) and the name is free (409 `rule_exists`): the rule is added when another admin approves it.",
    responses=WAITING_FOR_A_CHECKER,
)
async def create_rule(body: RuleRequest, request: Request, principal: CurrentPrincipal, origin: Origin) -> Any:
    answer = await _fraud(
        request,
        "create_rule",
        principal=principal,
        origin=origin,
        name=body.name,
        condition=body.condition,
        action=body.action,
        priority=body.priority,
        active=body.active,
    )
    return asked_or(answer)


@router.get("/rules", response_model=RuleList, summary="Support/admin: the rules")
async def rules(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _fraud(request, "rules", principal=principal)


@router.patch(
    "/rules/{rule_id}",
    response_model=RuleView,
    summary="Admin: switch a rule on or off, or reorder it, or ask a second admin to",
    description="200 with the rule when no second person is needed. Under four eyes (the approval policy of "
    "`fraud.rule.change`, on by default) 202 with the approval request: the rule changes when another admin "
    "approves it.",
    responses=WAITING_FOR_A_CHECKER,
)
async def update_rule(
    rule_id: uuid.UUID, body: RuleChange, request: Request, principal: CurrentPrincipal, origin: Origin
) -> Any:
    answer = await _fraud(
        request,
        "update_rule",
        principal=principal,
        rule_id=rule_id,
        active=body.active,
        priority=body.priority,
        origin=origin,
    )
    return asked_or(answer)


@router.post("/whitelist", status_code=201, response_model=ListEntry, summary="Admin: always allow a party")
async def whitelist(
    body: ListEntryRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    entry = {"kind": body.kind, "value": body.value, "reason": body.reason}
    return await _fraud(request, "add_to_list", principal=principal, blocked=False, origin=origin, **entry)


@router.post("/blacklist", status_code=201, response_model=ListEntry, summary="Admin: always block a party")
async def blacklist(
    body: ListEntryRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    entry = {"kind": body.kind, "value": body.value, "reason": body.reason}
    return await _fraud(request, "add_to_list", principal=principal, blocked=True, origin=origin, **entry)


ListValue = Annotated[str, Path(min_length=1, max_length=200)]
ModelVersionName = Annotated[str, Path(min_length=1, max_length=200)]
ListLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
ListCursor = Annotated[str | None, Query(max_length=500)]


async def _entries(request: Request, principal: Any, blocked: bool, limit: int, cursor: str | None) -> dict[str, Any]:
    return await _fraud(request, "list_entries", principal=principal, blocked=blocked, limit=limit, cursor=cursor)


@router.get("/whitelist", response_model=ListPage, summary="Support/admin: the allow list, by kind and value")
async def whitelist_entries(
    request: Request, principal: CurrentPrincipal, limit: ListLimit = DEFAULT_LIMIT, cursor: ListCursor = None
) -> dict[str, Any]:
    return await _entries(request, principal, False, limit, cursor)


@router.get("/blacklist", response_model=ListPage, summary="Support/admin: the block list, by kind and value")
async def blacklist_entries(
    request: Request, principal: CurrentPrincipal, limit: ListLimit = DEFAULT_LIMIT, cursor: ListCursor = None
) -> dict[str, Any]:
    return await _entries(request, principal, True, limit, cursor)


@router.delete(
    "/whitelist/{kind}/{value:path}",
    response_model=ListEntry,
    summary="Admin: take a party off the allow list (scoring stops honouring it); answers what it was",
)
async def unwhitelist(
    kind: ListKind, value: ListValue, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await _fraud(
        request, "remove_from_list", principal=principal, blocked=False, kind=kind, value=value, origin=origin
    )


@router.delete(
    "/blacklist/{kind}/{value:path}",
    response_model=ListEntry,
    summary="Admin: take a party off the block list (scoring stops honouring it); answers what it was",
)
async def unblacklist(
    kind: ListKind, value: ListValue, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await _fraud(
        request, "remove_from_list", principal=principal, blocked=True, kind=kind, value=value, origin=origin
    )


@router.get("/cases", response_model=CasePage, summary="Support/admin: cases, oldest first")
async def cases(
    request: Request,
    principal: CurrentPrincipal,
    status: Literal["OPEN", "RESOLVED"] = "OPEN",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    transaction_id: Annotated[uuid.UUID | None, Query(description="only the case of this transaction")] = None,
) -> dict[str, Any]:
    return await _fraud(
        request,
        "cases",
        principal=principal,
        status=status,
        limit=limit,
        cursor=cursor,
        transaction_id=transaction_id,
    )


@router.get("/cases/{case_id}", response_model=Case, summary="Support/admin: a case with its history")
async def case(case_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _fraud(request, "case", principal=principal, case_id=case_id)


@router.post(
    "/cases/{case_id}/resolve",
    response_model=Case,
    summary="Admin: confirm fraud (the held money is released back) or a false positive (the movement goes on)",
)
async def resolve(
    case_id: uuid.UUID, body: Resolution, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    found = await _fraud(request, "case", principal=principal, case_id=case_id)
    if found["status"] == "OPEN" and found["verdict"] == "review":
        transactions: LocalTransactions = request.app.state.transactions
        await transactions.decide_review(
            principal=principal,
            transaction_id=uuid.UUID(found["transaction_id"]),
            approve=body.resolution == "FALSE_POSITIVE",
        )
    resolution = {"resolution": body.resolution, "note": body.note}
    return await _fraud(request, "resolve", principal=principal, case_id=case_id, origin=origin, **resolution)


@router.get("/model", response_model=ModelInfo, summary="Support/admin: the model in service")
async def model(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _fraud(request, "model", principal=principal)


@router.get("/models", response_model=ModelVersions, summary="Support/admin: every registered model version")
async def models(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _fraud(request, "models", principal=principal)


@router.get(
    "/models/{version}/report/{name}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "the report file"}},
    summary="Support/admin: a file of a model version's training report (PNG)",
)
async def model_report(
    version: Annotated[str, Path(max_length=80)],
    name: Annotated[str, Path(max_length=45, pattern=r"^[a-z0-9-]+\.png$")],
    request: Request,
    principal: CurrentPrincipal,
) -> Response:
    found = await call_service(request.app.state.fraud, "model_report", principal=principal, version=version, name=name)
    return Response(found["content"], media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post(
    "/models/{version}/promote",
    response_model=ModelVersion,
    summary="Admin: serve this model version, or ask a second admin to (refused below the serving one's AUC-PR "
    "unless forced)",
    description="200 with the version when no second person is needed. Under four eyes (the approval policy of "
    "`fraud.model.promote`, on by default) 202 with the approval request: the version serves when another admin "
    "approves it. A promotion that would be refused (409 `model_not_better`) is refused before anyone is asked.",
    responses=WAITING_FOR_A_CHECKER,
)
async def promote(
    version: ModelVersionName,
    request: Request,
    principal: CurrentPrincipal,
    origin: Origin,
    body: PromoteRequest | None = None,
) -> Any:
    force = body is not None and body.force
    answer = await _fraud(request, "promote", principal=principal, version=version, force=force, origin=origin)
    return asked_or(answer)

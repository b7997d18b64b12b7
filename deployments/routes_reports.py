"""/api/v1/admin/reports: the regulatory reports (currency transaction candidates, suspicious
activity, KYC status) as JSON or CSV for support, admins and auditors, and a suspicious activity
case marked as filed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.schemas import ERROR_RESPONSES, Day, Id, Money, RequestBody, Timestamp
from deployments.security import CurrentPrincipal, Origin
from models.reports import MAX_FILING_REFERENCE_CHARS, MAX_REPORT_DAYS

router = APIRouter(prefix="/api/v1/admin/reports", tags=["admin"], responses=ERROR_RESPONSES)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}

FirstDay = Annotated[date, Query(alias="from", description="the first business day (YYYY-MM-DD)")]
LastDay = Annotated[date, Query(description=f"the last business day, included; at most {MAX_REPORT_DAYS} days")]
TimeZone = Annotated[
    str | None,
    Query(max_length=64, description="IANA time zone of the business day; default: the bank's (settings)"),
]
Format = Literal["json", "csv"]


class CashMovementView(BaseModel):
    transaction_id: Id
    kind: Literal["DEPOSIT", "WITHDRAWAL"]
    account_id: Id
    account_number: str
    amount: Money
    at: Timestamp


class CtrCandidateView(BaseModel):
    customer_id: Id
    customer_name: str
    business_day: Day
    cash_in: Money = Field(description="the day's deposits")
    cash_out: Money = Field(description="the day's withdrawals")
    currency: str
    movements: list[CashMovementView]


class CurrencyTransactionReport(BaseModel):
    from_: Day = Field(alias="from")
    to: Day
    time_zone: str
    threshold: Money
    currency: str
    movements_examined: int
    items: list[CtrCandidateView]


class AddressView(BaseModel):
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str


class SubjectView(BaseModel):
    customer_id: Id | None
    name: str | None
    date_of_birth: Day | None
    ssn_last4: str | None
    address: AddressView | None
    account_id: Id
    account_number: str | None


class CaseTransactionView(BaseModel):
    transaction_id: Id
    kind: str | None
    amount: Money | None
    currency: str | None
    at: Timestamp | None
    from_account_id: Id | None
    to_account_id: Id | None
    counterparty: str | None
    description: str | None


class AssessmentView(BaseModel):
    score: int
    verdict: str
    reasons: list[str]
    model_version: str | None
    at: Timestamp | None


class TimelineStep(BaseModel):
    action: str
    actor: Id | None
    note: str | None
    at: Timestamp


class FilingView(BaseModel):
    reference: str
    filed_by: Id
    filed_at: Timestamp


class SuspiciousCaseView(BaseModel):
    case_id: Id
    opened_at: Timestamp
    resolved_at: Timestamp | None
    resolved_by: Id | None
    note: str | None
    subject: SubjectView
    transaction: CaseTransactionView
    assessment: AssessmentView
    timeline: list[TimelineStep]
    filing: FilingView | None = Field(description="null until the case is marked as filed")


class FlaggedCaseView(BaseModel):
    case_id: Id
    transaction_id: Id
    verdict: str
    score: int
    reasons: list[str]
    status: str
    resolution: str | None
    opened_at: Timestamp


class FlaggedAccountView(BaseModel):
    account_id: Id
    account_number: str | None
    customer_id: Id | None
    customer_name: str | None
    flagged_at: Timestamp = Field(description="when the account first had 3 cases within 24 hours in the period")
    most_cases_in_24h: int
    cases: list[FlaggedCaseView]


class SuspiciousActivityReport(BaseModel):
    from_: Day = Field(alias="from")
    to: Day
    time_zone: str
    cases: list[SuspiciousCaseView]
    flagged_accounts: list[FlaggedAccountView]


class PendingReviewView(BaseModel):
    customer_id: Id
    customer_name: str
    submitted_at: Timestamp
    waiting_hours: float
    age: Literal["under_1_day", "1_to_3_days", "3_to_7_days", "over_7_days"]


class KycStatusReport(BaseModel):
    as_of: Timestamp
    by_status: dict[str, int] = Field(description="customers per KYC status")
    total: int
    pending_by_age: dict[str, int] = Field(description="submitted files waiting for a decision, by how long")
    pending: list[PendingReviewView] = Field(description="longest waiting first")


class FilingRequest(RequestBody):
    reference: str = Field(
        min_length=1,
        max_length=MAX_FILING_REFERENCE_CHARS,
        description="the regulator's reference of the filing (a BSA ID, say)",
    )


class Filing(BaseModel):
    case_id: Id
    reference: str
    filed_by: Id
    filed_at: Timestamp


def _answer(report: dict[str, Any], format: Format) -> Any:
    if format == "json":
        return report
    return Response(
        content=report["content"],
        media_type=report["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{report["filename"]}"', "Cache-Control": "no-store"},
    )


@router.get(
    "/currency-transactions",
    response_model=CurrencyTransactionReport,
    response_model_by_alias=True,
    summary="Support/admin/auditor: currency transaction report candidates (json or csv)",
    description="Customers whose deposits, or whose withdrawals, in one business day add up to more than the "
    "threshold (10,000.00 USD unless set), with each movement behind it. Cash in and cash out are counted "
    "apart, as the US rule asks. CSV: one line per movement.",
    responses=CSV_RESPONSE,
)
async def currency_transactions(
    request: Request,
    principal: CurrentPrincipal,
    from_: FirstDay,
    to: LastDay,
    time_zone: TimeZone = None,
    threshold: Annotated[str | None, Query(max_length=20, description="USD, e.g. 10000.00")] = None,
    format: Format = "json",
) -> Any:
    report = await call_service(
        request.app.state.compliance,
        "currency_transactions",
        principal=principal,
        first_day=from_,
        last_day=to,
        time_zone=time_zone,
        threshold=threshold,
        format=format,
    )
    return _answer(report, format)


@router.get(
    "/suspicious-activity",
    response_model=SuspiciousActivityReport,
    response_model_by_alias=True,
    summary="Support/admin/auditor: suspicious activity to file (json or csv)",
    description="Fraud cases resolved as FRAUD in the period, each with its subject, movement, assessment, "
    "timeline and filing; and the accounts flagged for 3 or more cases within 24 hours (`account.suspicious`). "
    "CSV: one line per case.",
    responses=CSV_RESPONSE,
)
async def suspicious_activity(
    request: Request,
    principal: CurrentPrincipal,
    from_: FirstDay,
    to: LastDay,
    time_zone: TimeZone = None,
    format: Format = "json",
) -> Any:
    report = await call_service(
        request.app.state.compliance,
        "suspicious_activity",
        principal=principal,
        first_day=from_,
        last_day=to,
        time_zone=time_zone,
        format=format,
    )
    return _answer(report, format)


@router.post(
    "/suspicious-activity/{case_id}/filing",
    status_code=201,
    response_model=Filing,
    summary="Support/admin: mark a case resolved as fraud as filed with the regulator",
    description="Once per case: a second filing is 409 `already_filed`; a case not resolved as FRAUD is 409 "
    "`not_fraud`. Recorded in the audit trail.",
)
async def file_suspicious_activity(
    case_id: uuid.UUID, body: FilingRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> Any:
    return await call_service(
        request.app.state.compliance,
        "file_suspicious_activity",
        principal=principal,
        case_id=case_id,
        reference=body.reference,
        origin=origin,
    )


@router.get(
    "/kyc",
    response_model=KycStatusReport,
    summary="Support/admin/auditor: customers by KYC status and pending reviews by age (json or csv)",
    description="CSV: one line per pending review, longest waiting first.",
    responses=CSV_RESPONSE,
)
async def kyc_status(request: Request, principal: CurrentPrincipal, format: Format = "json") -> Any:
    report = await call_service(request.app.state.compliance, "kyc_status", principal=principal, format=format)
    return _answer(report, format)

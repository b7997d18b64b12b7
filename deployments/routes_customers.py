"""/api/v1/customers and /api/v1/admin/kyc: profiles, KYC and documents (API.md)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.errors import ApiError
from deployments.schemas import ERROR_RESPONSES, Day, Email, Id, Phone, RequestBody, Timestamp
from deployments.security import CurrentPrincipal, Origin
from models.customers import MAX_DOCUMENT_BYTES, DocumentKind, KycStatus
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)
admin_router = APIRouter(prefix="/api/v1/admin/kyc", tags=["admin"], responses=ERROR_RESPONSES)


_Body = RequestBody


class Address(_Body):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str = Field(min_length=2, max_length=10)
    country: str = Field(min_length=2, max_length=2, examples=["US"])


class CustomerCreate(_Body):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    ssn: str = Field(min_length=9, max_length=11, examples=["123-45-6789"])
    phone: Phone | None = None
    address: Address


class CustomerUpdate(_Body):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    phone: Phone | None = None
    address: Address | None = None


class Customer(BaseModel):
    customer_id: Id
    user_id: Id
    email: Email
    first_name: str
    last_name: str
    date_of_birth: Day
    ssn_last4: str
    phone: Phone | None
    address: Address
    kyc_status: KycStatus
    kyc_reason: str | None
    kyc_updated_at: Timestamp | None = Field(
        description="when the KYC status last changed (for a SUBMITTED customer: when they submitted); "
        "null while nothing was ever submitted"
    )
    created_at: Timestamp
    updated_at: Timestamp


class CustomerPage(BaseModel):
    items: list[Customer]
    next_cursor: str | None


class KycState(BaseModel):
    customer_id: Id
    kyc_status: KycStatus
    reason: str | None


class Document(BaseModel):
    document_id: Id
    kind: DocumentKind
    content_type: str
    size_bytes: int
    sha256: str
    review_status: str
    uploaded_at: Timestamp


class DocumentList(BaseModel):
    items: list[Document]


class Rejection(_Body):
    reason: str = Field(min_length=1, max_length=500)


async def _customers(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.customers, operation, **arguments)


@router.post("", status_code=201, response_model=Customer, summary="Create the caller's profile")
async def create(body: CustomerCreate, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _customers(request, "create", principal=principal, profile=body.model_dump())


@router.get(
    "/search",
    response_model=CustomerPage,
    summary="Support/admin: find customers",
    description="By last name, or with `sort=kyc_updated_at` by when the KYC status last changed, oldest "
    "first: `?kyc_status=SUBMITTED&sort=kyc_updated_at` is the KYC review queue, longest waiting first.",
)
async def search(
    request: Request,
    principal: CurrentPrincipal,
    name: Annotated[str | None, Query(max_length=100)] = None,
    email: Annotated[Email | None, Query()] = None,
    phone: Annotated[Phone | None, Query()] = None,
    kyc_status: KycStatus | None = None,
    sort: Annotated[
        Literal["last_name", "kyc_updated_at"], Query(description="the order: by last name, or oldest KYC change first")
    ] = "last_name",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    criteria = {"name": name, "email": email, "phone": phone, "kyc_status": kyc_status}
    return await _customers(
        request, "search", principal=principal, criteria=criteria, limit=limit, cursor=cursor, sort=sort
    )


@router.get("/{customer_id}", response_model=Customer, summary="A profile (own, or support/admin)")
async def get(customer_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _customers(request, "get", principal=principal, customer_id=customer_id)


@router.put("/{customer_id}", response_model=Customer, summary="Update a profile")
async def update(
    customer_id: uuid.UUID, body: CustomerUpdate, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if any(value is None for key, value in changes.items() if key != "phone"):
        raise ApiError(422, "validation_error", "only phone may be set to null")
    return await _customers(request, "update", principal=principal, customer_id=customer_id, changes=changes)


@router.post("/{customer_id}/kyc", response_model=KycState, summary="Submit for KYC review")
async def submit_kyc(customer_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _customers(request, "submit_kyc", principal=principal, customer_id=customer_id)


@router.get("/{customer_id}/kyc/status", response_model=KycState, summary="Where the KYC review stands")
async def kyc_status(customer_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _customers(request, "kyc_status", principal=principal, customer_id=customer_id)


@router.post(
    "/{customer_id}/documents",
    status_code=201,
    response_model=Document,
    summary="Upload an identity document (PDF, PNG or JPEG, at most 10 MB)",
)
async def upload_document(
    customer_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File()],
    origin: Origin,
) -> dict[str, Any]:
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ApiError(413, "payload_too_large", f"a document is at most {MAX_DOCUMENT_BYTES} bytes")
    return await _customers(
        request,
        "upload_document",
        principal=principal,
        customer_id=customer_id,
        kind=kind,
        content=content,
        origin=origin,
    )


@router.get("/{customer_id}/documents", response_model=DocumentList, summary="Documents and their review status")
async def list_documents(customer_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await _customers(request, "list_documents", principal=principal, customer_id=customer_id)


@router.get(
    "/{customer_id}/documents/{document_id}/content",
    summary="A document's content, as uploaded (own, or support/admin)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
)
async def document_content(
    customer_id: uuid.UUID, document_id: uuid.UUID, request: Request, principal: CurrentPrincipal, origin: Origin
) -> Response:
    result = await _customers(
        request,
        "document_content",
        principal=principal,
        customer_id=customer_id,
        document_id=document_id,
        origin=origin,
    )
    return Response(
        content=result["content"],
        media_type=result["content_type"],
        headers={
            # The name is built by the server from the kind and the id: nothing of the uploader's to escape.
            "Content-Disposition": f'inline; filename="{result["filename"]}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@admin_router.post("/{customer_id}/approve", response_model=KycState, summary="Admin: approve KYC")
async def approve(
    customer_id: uuid.UUID, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await _customers(
        request, "decide_kyc", principal=principal, customer_id=customer_id, approve=True, reason=None, origin=origin
    )


@admin_router.post("/{customer_id}/reject", response_model=KycState, summary="Admin: reject KYC with a reason")
async def reject(
    customer_id: uuid.UUID, body: Rejection, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    reason = body.reason
    return await _customers(
        request, "decide_kyc", principal=principal, customer_id=customer_id, approve=False, reason=reason, origin=origin
    )

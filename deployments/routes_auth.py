"""/api/v1/auth: the identity endpoints of API.md, in front of the Identity deployment."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from deployments.calls import call_service
from deployments.routes_approvals import WAITING_FOR_A_CHECKER, asked_or
from deployments.schemas import ERROR_RESPONSES, Email, Id, NewPassword, Password, Phone, RequestBody, Timestamp
from deployments.security import CurrentPrincipal, Origin, limit_by_ip
from models.identity import Role
from models.paging import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/auth", tags=["identity"], responses=ERROR_RESPONSES)
admin_router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"], responses=ERROR_RESPONSES)
PublicLimit = Annotated[None, Depends(limit_by_ip)]


_Body = RequestBody


class RegisterRequest(_Body):
    email: Email
    password: NewPassword
    phone: Phone | None = None


class LoginRequest(_Body):
    email: Email
    password: Password
    totp: str | None = Field(default=None, pattern=r"^\d{6}$")


class RefreshRequest(_Body):
    refresh_token: str = Field(min_length=1, max_length=200)


class ForgotRequest(_Body):
    email: Email


class ResetRequest(_Body):
    email: Email
    token: str = Field(min_length=1, max_length=200)
    new_password: NewPassword


class CodeRequest(_Body):
    code: str = Field(pattern=r"^\d{6}$")


class User(BaseModel):
    user_id: Id
    email: Email
    phone: Phone | None = None
    roles: list[str]
    customer_id: Id | None = None
    email_verified: bool
    mfa_enabled: bool = False


class Registered(BaseModel):
    user_id: Id
    email: Email
    email_verified: bool
    roles: list[str]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class Status(BaseModel):
    status: str


class AuthSession(BaseModel):
    session_id: Id
    created_at: Timestamp
    last_used_at: Timestamp | None = Field(default=None, description="when its refresh token was last used")
    user_agent: str | None = Field(default=None, max_length=256, description="the User-Agent it logged in with")
    ip_address: str | None = Field(default=None, max_length=256, description="the client address it logged in from")
    current: bool = Field(description="true for the session of the access token asking")


class SessionList(BaseModel):
    items: list[AuthSession]


class MfaSetup(BaseModel):
    secret: str
    otpauth_uri: str


async def call_identity(request: Request, operation: str, **arguments: Any) -> dict[str, Any]:
    return await call_service(request.app.state.identity, operation, **arguments)


@router.post("/register", status_code=201, response_model=Registered, summary="Create a user (unverified)")
async def register(body: RegisterRequest, request: Request, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(request, "register", email=body.email, password=body.password, phone=body.phone)


@router.post("/login", response_model=TokenPair, summary="Email + password (+ TOTP) → access and refresh tokens")
async def login(body: LoginRequest, request: Request, origin: Origin, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(
        request, "login", email=body.email, password=body.password, totp=body.totp, origin=origin
    )


@router.post("/refresh", response_model=TokenPair, summary="Rotate a refresh token into a new pair")
async def refresh(body: RefreshRequest, request: Request, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(request, "refresh", refresh_token=body.refresh_token)


@router.post("/logout", response_model=Status, summary="Revoke this session and its refresh tokens")
async def logout(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "logout", session_id=principal.session_id)


@router.get("/sessions", response_model=SessionList, summary="The caller's active sessions, newest first")
async def sessions(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "sessions", user_id=principal.user_id, current_session_id=principal.session_id)


@router.delete(
    "/sessions/{session_id}", response_model=Status, summary="Sign out one of the caller's sessions (as logout does)"
)
async def end_session(session_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "end_session", user_id=principal.user_id, session_id=session_id)


@router.post("/logout-all", response_model=Status, summary="Revoke every session of the caller, this one included")
async def logout_all(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "logout_all", user_id=principal.user_id)


@router.post("/forgot", status_code=202, response_model=Status, summary="Start a password reset")
async def forgot(body: ForgotRequest, request: Request, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(request, "forgot", email=body.email)


@router.post("/reset", response_model=Status, summary="Reset token + new password; revokes every session")
async def reset(body: ResetRequest, request: Request, origin: Origin, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(
        request, "reset", email=body.email, token=body.token, new_password=body.new_password, origin=origin
    )


@router.post("/verify", response_model=User, summary="Confirm the email with its verification code")
async def verify(body: CodeRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "verify", user_id=principal.user_id, code=body.code)


@router.post(
    "/verify/resend", status_code=202, response_model=Status, summary="Send a new verification code (409 if verified)"
)
async def resend_verification(request: Request, principal: CurrentPrincipal, _: PublicLimit) -> dict[str, Any]:
    return await call_identity(request, "resend_verification", user_id=principal.user_id)


@router.get("/me", response_model=User, summary="The current user with roles and customer id")
async def me(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "me", user_id=principal.user_id)


class SecurityEvent(BaseModel):
    seq: int = Field(description="the record's number in the audit trail")
    occurred_at: Timestamp
    action: str = Field(
        examples=["auth.login"],
        description="auth.login, auth.mfa.enable|disable, auth.password.reset, user.roles.change",
    )
    outcome: Literal["success", "failure"]
    reason: str | None = Field(
        description="why a login failed: unknown_email, wrong_password, wrong_mfa_code, account_locked"
    )
    ip_address: str | None
    user_agent: str | None


class SecurityEventPage(BaseModel):
    items: list[SecurityEvent]
    next_cursor: str | None


@router.get("/activity", response_model=SecurityEventPage, summary="The caller's own security events, newest first")
async def activity(
    request: Request,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    return await call_identity(request, "activity", principal=principal, limit=limit, cursor=cursor)


@router.post("/mfa/setup", response_model=MfaSetup, summary="Start TOTP: a secret for an authenticator app")
async def mfa_setup(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "mfa_setup", user_id=principal.user_id)


@router.post("/mfa/enable", response_model=User, summary="Turn TOTP on with a first code")
async def mfa_enable(
    body: CodeRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await call_identity(request, "mfa_enable", principal=principal, code=body.code, origin=origin)


@router.post("/mfa/disable", response_model=User, summary="Turn TOTP off with a current code")
async def mfa_disable(
    body: CodeRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> dict[str, Any]:
    return await call_identity(request, "mfa_disable", principal=principal, code=body.code, origin=origin)


class AdminUser(BaseModel):
    user_id: Id
    email: Email
    roles: list[str]
    customer_id: Id | None
    created_at: Timestamp
    email_verified: bool
    mfa_enabled: bool


class AdminUserPage(BaseModel):
    items: list[AdminUser]
    next_cursor: str | None


@admin_router.get("", response_model=AdminUserPage, summary="Admin: users by email prefix and role, oldest first")
async def users(
    request: Request,
    principal: CurrentPrincipal,
    email: Annotated[str | None, Query(min_length=1, max_length=254, description="the start of the email")] = None,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await call_identity(
        request,
        "users",
        principal=principal,
        email=email,
        role=None if role is None else role.value,
        limit=limit,
        cursor=cursor,
    )


@admin_router.get("/{user_id}", response_model=AdminUser, summary="Admin: one user")
async def user(user_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return await call_identity(request, "user", principal=principal, user_id=user_id)


class RolesRequest(RequestBody):
    roles: list[Role] = Field(min_length=1, max_length=3, examples=[["customer", "support"]])


@admin_router.put(
    "/{user_id}/roles",
    response_model=User,
    responses=WAITING_FOR_A_CHECKER,
    summary="Admin: set a user's roles (ends their sessions)",
    description="Taking roles away is done at once. Under four eyes (the policy of user.roles.change, on by "
    "default) a change that grants a role answers 202 with the request a second admin approves, who is neither "
    "the maker nor the user; while it waits, another grant to the same user is 409 `approval_pending`.",
)
async def set_roles(
    user_id: uuid.UUID, body: RolesRequest, request: Request, principal: CurrentPrincipal, origin: Origin
) -> Any:
    roles = [role.value for role in body.roles]
    changed = await call_identity(
        request, "set_roles", principal=principal, user_id=user_id, roles=roles, origin=origin
    )
    return asked_or(changed)

"""Identity: registration, login (with lockout and TOTP), token refresh with rotation and
reuse detection, logout, verification and password reset codes, MFA.

Codes and reset tokens leave only as events in the outbox (for the notification service),
never in a response. Session revocation is recorded in PostgreSQL and published to Redis,
where the gateway checks it on every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pyotp
import redis.asyncio as aioredis
from passlib.context import CryptContext

from actors import approvals, sessions
from actors import roles as user_roles
from actors.audit import append, append_alone, newest_first
from actors.keys import JwtKeyRing, SecretBox
from actors.outbox import write_events
from actors.settings import Settings
from models.approvals import Approved, request_view
from models.audit import (
    ANONYMOUS,
    AuditAction,
    AuditActor,
    AuditEntry,
    AuditOrigin,
    AuditOutcome,
    activity_view,
    changes,
    done_by,
    newest_page,
    own_security_events,
    seq_of_cursor,
)
from models.events import DomainEvent
from models.failures import ServiceFailure
from models.identity import (
    CodePurpose,
    Principal,
    Role,
    code_is_well_formed,
    email_problem,
    granted,
    normalize_email,
    password_problem,
    phone_problem,
    roles_summary,
)
from models.paging import CursorError, decode_time_keyset, encode_time_keyset
from models.topics import IDENTITY_EVENTS

SOURCE = "bankflow/identity"
VERIFY_CODE_TTL = timedelta(hours=24)
RESET_TOKEN_TTL = timedelta(minutes=30)
CODE_MAX_ATTEMPTS = 5
TOTP_ISSUER = "BankFlow"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _login_entry(
    user: asyncpg.Record | None,
    email: str,
    origin: AuditOrigin,
    refusal: str | None,
    session_id: uuid.UUID | None = None,
) -> AuditEntry:
    """The audit record of one login attempt: by the user it names (nobody known for an unknown
    address), a failure with its reason or a success with its new session."""
    actor = ANONYMOUS if user is None else AuditActor(user["user_id"], tuple(sorted(user["roles"])), session_id)
    return AuditEntry(
        AuditAction.LOGIN,
        "user",
        None if user is None else str(user["user_id"]),
        AuditOutcome.SUCCESS if refusal is None else AuditOutcome.FAILURE,
        actor,
        origin,
        changes({}, {"email": email}),
        refusal,
    )


def _event(event_type: str, user_id: uuid.UUID, data: dict[str, Any], distinguisher: object) -> DomainEvent:
    subject = str(user_id)
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/{event_type}/{subject}/{distinguisher}")
    return DomainEvent(event_id, event_type, IDENTITY_EVENTS, SOURCE, subject, subject, int(time.time() * 1000), data)


def _invalid(field: str, problem: str) -> ServiceFailure:
    return ServiceFailure(422, "validation_error", f"{field}: {problem}")


def _admin_only(principal: Principal) -> None:
    if not principal.has_role(Role.ADMIN):
        raise ServiceFailure(403, "forbidden", "only an admin may see users")


def _admin_view(user: asyncpg.Record) -> dict[str, Any]:
    """What the back office sees of a user: no password hash, MFA secret or lockout state."""
    return {
        "user_id": str(user["user_id"]),
        "email": user["email"],
        "roles": list(user["roles"]),
        "customer_id": None if user["customer_id"] is None else str(user["customer_id"]),
        "created_at": user["created_at"].isoformat(),
        "email_verified": user["email_verified"],
        "mfa_enabled": user["mfa_enabled"],
    }


def _verification_requested(
    user_id: uuid.UUID, email: str, phone: str | None, code: str, distinguisher: str
) -> DomainEvent:
    data = {"user_id": str(user_id), "email": email, "phone": phone, "code": code}
    return _event("user.verification_requested", user_id, data, distinguisher)


def _clipped(text: str | None, limit: int = 256) -> str | None:
    """A client-supplied header, bounded before it is stored; empty is none."""
    return text[:limit] if text else None


UNAUTHORIZED = ServiceFailure(401, "invalid_credentials", "email or password is wrong")


class IdentityService:
    def __init__(self, settings: Settings, pool: asyncpg.Pool, redis: aioredis.Redis) -> None:
        self._settings = settings
        self._pool = pool
        self._redis = redis
        self.keys = JwtKeyRing.from_pem(
            settings.jwt_private_key_pem.get_secret_value(),
            settings.jwt_key_id,
            _json_object(settings.jwt_previous_public_keys),
        )
        self._box = SecretBox.from_json(settings.data_keys_json.get_secret_value(), settings.data_key_id)
        self._passwords = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=settings.argon2_memory_kib,
            argon2__time_cost=settings.argon2_time_cost,
            argon2__parallelism=1,
        )
        # Verified against when the email is unknown, so that timing does not tell which emails exist.
        self._decoy_hash = self._passwords.hash(secrets.token_urlsafe(16))

    # --- registration and login ------------------------------------------------------------

    async def register(
        self, email: str, password: str, phone: str | None, roles: tuple[Role, ...] = (Role.CUSTOMER,)
    ) -> dict[str, Any]:
        email = normalize_email(email)
        if problem := email_problem(email):
            raise _invalid("email", problem)
        if problem := password_problem(password, email):
            raise _invalid("password", problem)
        if phone is not None and (problem := phone_problem(phone)):
            raise _invalid("phone", problem)
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        user_id = uuid.uuid4()
        code = f"{secrets.randbelow(10**6):06d}"
        async with self._pool.acquire() as connection, connection.transaction():
            try:
                await connection.execute(
                    "INSERT INTO users (user_id, email, password_hash, phone, roles) VALUES ($1, $2, $3, $4, $5)",
                    user_id,
                    email,
                    password_hash,
                    phone,
                    [role.value for role in roles],
                )
            except asyncpg.UniqueViolationError:
                raise ServiceFailure(409, "email_taken", "an account with this email already exists") from None
            await self._new_code(connection, user_id, CodePurpose.VERIFY_EMAIL, code, VERIFY_CODE_TTL)
            await write_events(
                connection,
                [
                    _event("user.registered", user_id, {"user_id": str(user_id), "email": email}, "registered"),
                    _verification_requested(user_id, email, phone, code, code),
                ],
            )
        return {"user_id": str(user_id), "email": email, "email_verified": False, "roles": [r.value for r in roles]}

    async def login(self, email: str, password: str, totp: str | None, origin: AuditOrigin) -> dict[str, Any]:
        """A new session; the origin's user agent and address (as the gateway saw them) are kept
        for the user's list of sessions. Every attempt that gets as far as checking a credential
        leaves one audit record, in the transaction that counts the failure or opens the session."""
        email = normalize_email(email)
        user = await self._pool.fetchrow("SELECT * FROM users WHERE lower(email) = $1", email)
        if user is None:
            await asyncio.to_thread(self._passwords.verify, password, self._decoy_hash)
            await append_alone(self._pool, _login_entry(None, email, origin, "unknown_email"))
            raise UNAUTHORIZED
        now = datetime.now(UTC)
        if user["locked_until"] is not None and user["locked_until"] > now:
            wait_s = int((user["locked_until"] - now).total_seconds()) + 1
            await append_alone(self._pool, _login_entry(user, email, origin, "account_locked"))
            raise ServiceFailure(403, "account_locked", "too many failed logins; try again later", wait_s)
        valid, upgraded = await asyncio.to_thread(self._passwords.verify_and_update, password, user["password_hash"])
        if not valid:
            await self._count_failure(user, email, origin, "wrong_password")
            raise UNAUTHORIZED
        if user["mfa_enabled"]:
            if not totp:
                raise ServiceFailure(401, "mfa_required", "a TOTP code is required")
            if not self._totp(user).verify(totp, valid_window=1):
                await self._count_failure(user, email, origin, "wrong_mfa_code")
                raise ServiceFailure(401, "invalid_mfa_code", "the TOTP code is wrong")
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                """UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = now(),
                   password_hash = COALESCE($2, password_hash) WHERE user_id = $1""",
                user["user_id"],
                upgraded,
            )
            session_id = uuid.uuid4()
            await connection.execute(
                "INSERT INTO auth_sessions (session_id, user_id, user_agent, ip_address) VALUES ($1, $2, $3, $4)",
                session_id,
                user["user_id"],
                _clipped(origin.user_agent),
                _clipped(origin.ip_address),
            )
            refresh_token = await self._new_refresh_token(connection, session_id, user["user_id"])
            await write_events(
                connection, [_event("user.logged_in", user["user_id"], {"user_id": str(user["user_id"])}, session_id)]
            )
            await append(connection, _login_entry(user, email, origin, None, session_id))
        return self._token_pair(user, session_id, refresh_token)

    async def _count_failure(self, user: asyncpg.Record, email: str, origin: AuditOrigin, reason: str) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                """UPDATE users SET failed_logins = failed_logins + 1,
                       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3)
                                           ELSE locked_until END,
                       updated_at = now()
                   WHERE user_id = $1""",
                user["user_id"],
                self._settings.login_max_failures,
                float(self._settings.login_lockout_s),
            )
            await append(connection, _login_entry(user, email, origin, reason))

    # --- tokens ----------------------------------------------------------------------------------

    def _token_pair(self, user: asyncpg.Record, session_id: uuid.UUID, refresh_token: str) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": str(user["user_id"]),
            "email": user["email"],
            "roles": list(user["roles"]),
            "customer_id": None if user["customer_id"] is None else str(user["customer_id"]),
            "iat": now,
            "exp": now + self._settings.access_token_ttl_s,
            "jti": str(uuid.uuid4()),
            "sid": str(session_id),
        }
        return {
            "access_token": self.keys.sign(claims),
            "refresh_token": refresh_token,
            # The OAuth 2.0 token type, not a credential.
            "token_type": "Bearer",  # nosec B105
            "expires_in": self._settings.access_token_ttl_s,
        }

    async def _new_refresh_token(self, connection: Any, session_id: uuid.UUID, user_id: uuid.UUID) -> str:
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + timedelta(seconds=self._settings.refresh_token_ttl_s)
        await connection.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
            _digest(token),
            session_id,
            user_id,
            expires_at,
        )
        return token

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Exchange a refresh token for a new pair; presenting a rotated one revokes its family."""
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                """SELECT t.session_id, t.user_id, t.expires_at, t.rotated_at, s.revoked_at
                   FROM refresh_tokens t JOIN auth_sessions s USING (session_id)
                   WHERE t.token_hash = $1 FOR UPDATE OF t""",
                _digest(refresh_token),
            )
            if row is None or row["revoked_at"] is not None or row["expires_at"] <= datetime.now(UTC):
                raise ServiceFailure(401, "invalid_refresh_token", "the refresh token is not valid")
            if row["rotated_at"] is not None:
                await sessions.revoke(connection, row["session_id"], "refresh token reuse")
                reused = ServiceFailure(401, "refresh_token_reused", "the refresh token was already used")
            else:
                await connection.execute(
                    "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1", _digest(refresh_token)
                )
                await connection.execute(
                    "UPDATE auth_sessions SET last_used_at = now() WHERE session_id = $1", row["session_id"]
                )
                new_token = await self._new_refresh_token(connection, row["session_id"], row["user_id"])
                user = await connection.fetchrow("SELECT * FROM users WHERE user_id = $1", row["user_id"])
                assert user is not None, "a refresh token's user exists (foreign key)"
                return self._token_pair(user, row["session_id"], new_token)
        await self._publish_revocations([row["session_id"]])
        raise reused

    async def logout(self, session_id: uuid.UUID) -> dict[str, Any]:
        async with self._pool.acquire() as connection, connection.transaction():
            await sessions.revoke(connection, session_id, "logout")
        await self._publish_revocations([session_id])
        return {"status": "logged_out"}

    async def sessions(self, user_id: uuid.UUID, current_session_id: uuid.UUID) -> dict[str, Any]:
        """The user's live sessions, newest first; `current` marks the caller's own."""
        rows = await self._pool.fetch(
            """SELECT session_id, created_at, last_used_at, user_agent, ip_address FROM auth_sessions
               WHERE user_id = $1 AND revoked_at IS NULL
                 AND EXISTS (SELECT 1 FROM refresh_tokens t
                             WHERE t.session_id = auth_sessions.session_id AND t.rotated_at IS NULL
                               AND t.expires_at > now())
               ORDER BY created_at DESC, session_id""",
            user_id,
        )
        return {
            "items": [
                {
                    "session_id": str(row["session_id"]),
                    "created_at": row["created_at"].isoformat(),
                    "last_used_at": None if row["last_used_at"] is None else row["last_used_at"].isoformat(),
                    "user_agent": row["user_agent"],
                    "ip_address": row["ip_address"],
                    "current": row["session_id"] == current_session_id,
                }
                for row in rows
            ]
        }

    async def end_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
        """Sign out one of the user's own sessions, as logout does; another user's is not found."""
        async with self._pool.acquire() as connection, connection.transaction():
            owner = await connection.fetchval(
                "SELECT user_id FROM auth_sessions WHERE session_id = $1 AND revoked_at IS NULL", session_id
            )
            if owner != user_id:
                raise ServiceFailure(404, "not_found", "no such session")
            await sessions.revoke(connection, session_id, "signed out from another session")
        await self._publish_revocations([session_id])
        return {"status": "logged_out"}

    async def logout_all(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Sign out every session of the user, the caller's own included."""
        async with self._pool.acquire() as connection, connection.transaction():
            ended = await sessions.revoke_all(connection, user_id, "logout everywhere")
        await self._publish_revocations(ended)
        return {"status": "logged_out"}

    async def _publish_revocations(self, session_ids: list[uuid.UUID]) -> None:
        """Tell the gateways at once: a revoked session's access tokens stop working now."""
        await sessions.publish_revoked(self._redis, session_ids, self._settings.revoked_session_ttl_s)

    async def republish_recent_revocations(self) -> int:
        """At start: Redis may have lost keys; sessions revoked within an access token's life are set again."""
        rows = await self._pool.fetch(
            "SELECT session_id FROM auth_sessions WHERE revoked_at > now() - make_interval(secs => $1)",
            float(self._settings.revoked_session_ttl_s),
        )
        if rows:
            await self._publish_revocations([row["session_id"] for row in rows])
        return len(rows)

    # --- verification, reset ---------------------------------------------------------------------

    async def _new_code(
        self, connection: Any, user_id: uuid.UUID, purpose: CodePurpose, code: str, ttl: timedelta
    ) -> None:
        await connection.execute(
            "UPDATE one_time_codes SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
            user_id,
            purpose.value,
        )
        await connection.execute(
            """INSERT INTO one_time_codes (code_id, user_id, purpose, code_hash, expires_at)
               VALUES ($1, $2, $3, $4, $5)""",
            uuid.uuid4(),
            user_id,
            purpose.value,
            _digest(code),
            datetime.now(UTC) + ttl,
        )

    async def _use_code(self, connection: Any, user_id: uuid.UUID, purpose: CodePurpose, code: str) -> None:
        """Consume the user's open code of that purpose if `code` matches; single use, bounded tries."""
        row = await connection.fetchrow(
            """SELECT code_id, code_hash, expires_at, attempts FROM one_time_codes
               WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL FOR UPDATE""",
            user_id,
            purpose.value,
        )
        invalid = ServiceFailure(400, "invalid_code", "the code is wrong, used or expired")
        if row is None or row["expires_at"] <= datetime.now(UTC) or row["attempts"] >= CODE_MAX_ATTEMPTS:
            raise invalid
        if not secrets.compare_digest(row["code_hash"], _digest(code)):
            await connection.execute(
                "UPDATE one_time_codes SET attempts = attempts + 1 WHERE code_id = $1", row["code_id"]
            )
            raise invalid
        await connection.execute("UPDATE one_time_codes SET used_at = now() WHERE code_id = $1", row["code_id"])

    async def verify(self, user_id: uuid.UUID, code: str) -> dict[str, Any]:
        if not code_is_well_formed(code):
            raise _invalid("code", "must be 6 digits")
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                await self._use_code(connection, user_id, CodePurpose.VERIFY_EMAIL, code)
                await connection.execute(
                    "UPDATE users SET email_verified = true, updated_at = now() WHERE user_id = $1", user_id
                )
                await write_events(
                    connection, [_event("user.verified", user_id, {"user_id": str(user_id)}, "verified")]
                )
        except ServiceFailure:
            raise
        return await self.me(user_id)

    async def resend_verification(self, user_id: uuid.UUID) -> dict[str, Any]:
        """A fresh verification code, sent the way registration sends one; the previous code stops working."""
        code = f"{secrets.randbelow(10**6):06d}"
        async with self._pool.acquire() as connection, connection.transaction():
            user = await connection.fetchrow(
                "SELECT email, phone, email_verified FROM users WHERE user_id = $1 FOR UPDATE", user_id
            )
            if user is None:
                raise ServiceFailure(404, "not_found", "no such user")
            if user["email_verified"]:
                raise ServiceFailure(409, "already_verified", "the email is already verified")
            await self._new_code(connection, user_id, CodePurpose.VERIFY_EMAIL, code, VERIFY_CODE_TTL)
            resend = f"resend/{uuid.uuid4()}"  # each request is its own message, even if a code repeats
            await write_events(
                connection, [_verification_requested(user_id, user["email"], user["phone"], code, resend)]
            )
        return {"status": "a new code is on its way"}

    async def forgot(self, email: str) -> dict[str, Any]:
        """Start a reset; the answer is the same whether or not the email is known."""
        email = normalize_email(email)
        user = await self._pool.fetchrow("SELECT user_id FROM users WHERE lower(email) = $1", email)
        if user is not None:
            token = secrets.token_urlsafe(32)
            async with self._pool.acquire() as connection, connection.transaction():
                await self._new_code(connection, user["user_id"], CodePurpose.RESET_PASSWORD, token, RESET_TOKEN_TTL)
                await write_events(
                    connection,
                    [
                        _event(
                            "user.password_reset_requested",
                            user["user_id"],
                            {"user_id": str(user["user_id"]), "email": email, "reset_token": token},
                            token,
                        )
                    ],
                )
        return {"status": "if the address is registered, a reset link is on its way"}

    async def reset(self, email: str, token: str, new_password: str, origin: AuditOrigin) -> dict[str, Any]:
        email = normalize_email(email)
        if problem := password_problem(new_password, email):
            raise _invalid("new_password", problem)
        user = await self._pool.fetchrow("SELECT user_id, password_hash FROM users WHERE lower(email) = $1", email)
        if user is None:
            raise ServiceFailure(400, "invalid_code", "the code is wrong, used or expired")
        password_hash = await asyncio.to_thread(self._passwords.hash, new_password)
        async with self._pool.acquire() as connection, connection.transaction():
            await self._use_code(connection, user["user_id"], CodePurpose.RESET_PASSWORD, token)
            await connection.execute(
                """UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = now()
                   WHERE user_id = $1""",
                user["user_id"],
                password_hash,
            )
            ended = await sessions.revoke_all(connection, user["user_id"], "password reset")
            # Both hashes are secrets: the record says the password changed, never what to.
            hashes = {"password_hash": user["password_hash"]}, {"password_hash": password_hash}
            target = ("user", str(user["user_id"]))
            entry = done_by(AuditActor(user["user_id"]), origin, AuditAction.PASSWORD_RESET, target, *hashes)
            await append(connection, entry)
        await self._publish_revocations(ended)
        return {"status": "password changed; every session was signed out"}

    async def set_roles(
        self,
        principal: Principal,
        user_id: uuid.UUID,
        roles: list[str],
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """Admin: a user's roles; their sessions end, so the next login's token carries the new roles.
        Under four eyes (the policy of user.roles.change) a change that grants a role becomes a
        request for a second admin, {"approval": …}; taking roles away is done at once."""
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin may change roles")
        wanted = sorted({Role(role).value for role in roles})
        if user_id == principal.user_id and Role.ADMIN.value not in wanted:
            raise _invalid("roles", "an admin cannot remove their own admin role")
        if approved is None:
            asked = await self._ask_for_grant(principal, user_id, wanted, origin)
            if asked is not None:
                return asked
        audit_fields = None if approved is None else approved.audit_fields()
        async with self._pool.acquire() as connection, connection.transaction():
            ended = await user_roles.write(connection, user_id, wanted, principal, origin, audit_fields)
        await self._publish_revocations(ended)
        return await self.me(user_id)

    async def _ask_for_grant(
        self, maker: Principal, user_id: uuid.UUID, wanted: list[str], origin: AuditOrigin
    ) -> dict[str, Any] | None:
        """The request for a second admin when `wanted` grants a role and the policy says so, else None."""
        user = await self._pool.fetchrow("SELECT email, roles FROM users WHERE user_id = $1", user_id)
        if user is None:
            raise user_roles.USER_NOT_FOUND
        if not granted(user["roles"], wanted):
            return None
        governing = await approvals.policy(self._pool, AuditAction.ROLES_CHANGE)
        if governing is None or not governing.governs():
            return None
        parameters = {"user_id": str(user_id), "roles": wanted}
        summary = roles_summary(user["email"], user["roles"], wanted)
        target = ("user", str(user_id))
        opened = await approvals.open_request(
            self._pool, governing, uuid.uuid4(), target, parameters, summary, maker, None, origin
        )
        return {"approval": request_view(opened, datetime.now(UTC))}

    async def users(
        self, principal: Principal, email: str | None, role: str | None, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """Admin: users by email prefix and/or role, oldest first, a page at a time."""
        _admin_only(principal)
        after_at, after_id = datetime.min.replace(tzinfo=UTC), uuid.UUID(int=0)
        if cursor is not None:
            try:
                after_at, after_id = decode_time_keyset(cursor)
            except CursorError:
                raise _invalid("cursor", "is not one this API returned") from None
        prefix = None if email is None else email.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._pool.fetch(
            """SELECT * FROM users
               WHERE ($1::text IS NULL OR lower(email) LIKE $1 || '%')
                 AND ($2::text IS NULL OR $2 = ANY(roles))
                 AND (created_at, user_id) > ($3, $4)
               ORDER BY created_at, user_id LIMIT $5""",
            prefix,
            None if role is None else Role(role).value,
            after_at,
            after_id,
            limit + 1,
        )
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_time_keyset(last["created_at"], last["user_id"])
        return {"items": [_admin_view(row) for row in rows[:limit]], "next_cursor": next_cursor}

    async def user(self, principal: Principal, user_id: uuid.UUID) -> dict[str, Any]:
        """Admin: one user as the back office sees them (never a password hash or a secret)."""
        _admin_only(principal)
        row = await self._pool.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id)
        if row is None:
            raise ServiceFailure(404, "not_found", "no such user")
        return _admin_view(row)

    # --- the user and MFA ------------------------------------------------------------------------

    async def me(self, user_id: uuid.UUID) -> dict[str, Any]:
        user = await self._pool.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id)
        if user is None:
            raise ServiceFailure(404, "not_found", "no such user")
        return {
            "user_id": str(user["user_id"]),
            "email": user["email"],
            "phone": user["phone"],
            "roles": list(user["roles"]),
            "customer_id": None if user["customer_id"] is None else str(user["customer_id"]),
            "email_verified": user["email_verified"],
            "mfa_enabled": user["mfa_enabled"],
        }

    def _totp(self, user: asyncpg.Record) -> pyotp.TOTP:
        return pyotp.TOTP(self._box.open(user["mfa_secret"], f"mfa:{user['user_id']}"))

    async def activity(self, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
        """The caller's own security events (logins, MFA and password changes, role changes),
        newest first, from the audit trail."""
        filters = own_security_events(principal.user_id)
        records = await newest_first(self._pool, filters, seq_of_cursor(cursor), limit + 1)
        page, next_cursor = newest_page(records, limit)
        return {"items": [activity_view(record) for record in page], "next_cursor": next_cursor}

    async def mfa_setup(self, user_id: uuid.UUID) -> dict[str, Any]:
        user = await self._pool.fetchrow("SELECT email, mfa_enabled FROM users WHERE user_id = $1", user_id)
        if user is None:
            raise ServiceFailure(404, "not_found", "no such user")
        if user["mfa_enabled"]:
            raise ServiceFailure(409, "mfa_already_enabled", "disable MFA before setting it up again")
        secret = pyotp.random_base32()
        await self._pool.execute(
            "UPDATE users SET mfa_secret = $2, updated_at = now() WHERE user_id = $1",
            user_id,
            self._box.seal(secret, f"mfa:{user_id}"),
        )
        uri = pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=TOTP_ISSUER)
        return {"secret": secret, "otpauth_uri": uri}

    async def mfa_enable(self, principal: Principal, code: str, origin: AuditOrigin) -> dict[str, Any]:
        user_id = principal.user_id
        user = await self._pool.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id)
        if user is None or user["mfa_secret"] is None:
            raise ServiceFailure(409, "mfa_not_set_up", "call /mfa/setup first")
        if not self._totp(user).verify(code, valid_window=1):
            raise ServiceFailure(400, "invalid_mfa_code", "the TOTP code is wrong")
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE users SET mfa_enabled = true, updated_at = now() WHERE user_id = $1", user_id
            )
            flags = {"mfa_enabled": False}, {"mfa_enabled": True}
            entry = done_by(principal, origin, AuditAction.MFA_ENABLE, ("user", str(user_id)), *flags)
            await append(connection, entry)
        return await self.me(user_id)

    async def mfa_disable(self, principal: Principal, code: str, origin: AuditOrigin) -> dict[str, Any]:
        user_id = principal.user_id
        user = await self._pool.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id)
        if user is None or not user["mfa_enabled"]:
            raise ServiceFailure(409, "mfa_not_enabled", "MFA is not enabled")
        if not self._totp(user).verify(code, valid_window=1):
            raise ServiceFailure(400, "invalid_mfa_code", "the TOTP code is wrong")
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE users SET mfa_enabled = false, mfa_secret = NULL, updated_at = now() WHERE user_id = $1",
                user_id,
            )
            flags = {"mfa_enabled": True}, {"mfa_enabled": False}
            entry = done_by(principal, origin, AuditAction.MFA_DISABLE, ("user", str(user_id)), *flags)
            await append(connection, entry)
        return await self.me(user_id)

    async def ensure_admin(self, email: str, password: str) -> bool:
        """Create the admin user if no admin exists yet; True if it was created now."""
        exists = await self._pool.fetchval("SELECT 1 FROM users WHERE 'admin' = ANY(roles) LIMIT 1")
        if exists:
            return False
        await self.register(email, password, None, roles=(Role.ADMIN,))
        await self._pool.execute(
            "UPDATE users SET email_verified = true WHERE lower(email) = $1", normalize_email(email)
        )
        return True


def _json_object(text: str) -> dict[str, str]:
    value = json.loads(text or "{}")
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return {str(key): str(item) for key, item in value.items()}

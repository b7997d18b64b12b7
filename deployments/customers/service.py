"""Customers: profiles (SSN sealed at rest, only its last four digits ever shown), the KYC
review, and identity documents. Every operation is on behalf of a principal: a customer
sees only their own profile (any other is "not found", so ids cannot be probed); support
and admin see all; only admin decides KYC.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from actors.audit import append, append_alone
from actors.documents import DocumentStore
from actors.keys import SecretBox
from actors.outbox import write_events
from models.audit import AuditAction, AuditOrigin, done_by
from models.customers import (
    MAX_DOCUMENT_BYTES,
    DocumentKind,
    KycStatus,
    address_of,
    birth_date_problem,
    country_problem,
    kyc_can_move,
    name_problem,
    normalize_ssn,
    postal_code_problem,
    sniff_content_type,
)
from models.events import DomainEvent
from models.failures import ServiceFailure
from models.identity import Principal, Role, phone_problem
from models.paging import CursorError, decode_cursor, encode_cursor
from models.topics import CUSTOMER_EVENTS

SOURCE = "bankflow/customers"
# File name extensions of the types a document may have (models/customers.py sniffs them).
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
NOT_FOUND = ServiceFailure(404, "not_found", "no such customer")
IDENTITY_FIELDS = frozenset({"first_name", "last_name", "date_of_birth"})


def _invalid(field: str, problem: str) -> ServiceFailure:
    return ServiceFailure(422, "validation_error", f"{field}: {problem}")


def _event(event_type: str, customer_id: uuid.UUID, data: dict[str, Any], distinguisher: object) -> DomainEvent:
    subject = str(customer_id)
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/{event_type}/{subject}/{distinguisher}")
    return DomainEvent(event_id, event_type, CUSTOMER_EVENTS, SOURCE, subject, subject, int(time.time() * 1000), data)


def _check_profile(fields: dict[str, Any], today: date) -> None:
    for name in ("first_name", "last_name"):
        if name in fields and (problem := name_problem(fields[name])):
            raise _invalid(name, problem)
    if "date_of_birth" in fields and (problem := birth_date_problem(fields["date_of_birth"], today)):
        raise _invalid("date_of_birth", problem)
    if fields.get("phone") is not None and (problem := phone_problem(fields["phone"])):
        raise _invalid("phone", problem)
    address = fields.get("address")
    if address is not None:
        if problem := postal_code_problem(address["postal_code"]):
            raise _invalid("address.postal_code", problem)
        if problem := country_problem(address["country"]):
            raise _invalid("address.country", problem)


def _view(row: asyncpg.Record | None) -> dict[str, Any]:
    assert row is not None, "the row was just written or found"
    return {
        "customer_id": str(row["customer_id"]),
        "user_id": str(row["user_id"]),
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "date_of_birth": row["date_of_birth"].isoformat(),
        "ssn_last4": row["ssn_last4"],
        "phone": row["phone"],
        "address": address_of(row),
        "kyc_status": row["kyc_status"],
        "kyc_reason": row["kyc_reason"],
        "kyc_updated_at": None if row["kyc_updated_at"] is None else row["kyc_updated_at"].isoformat(),
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


_SELECT = "SELECT c.*, u.email FROM customers c JOIN users u USING (user_id)"


class CustomerService:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox, documents: DocumentStore) -> None:
        self._pool = pool
        self._box = box
        self._documents = documents

    async def _visible(self, principal: Principal, customer_id: uuid.UUID, connection: Any = None) -> asyncpg.Record:
        row = await (connection or self._pool).fetchrow(f"{_SELECT} WHERE c.customer_id = $1", customer_id)
        if row is None or (row["user_id"] != principal.user_id and not principal.is_staff):
            raise NOT_FOUND
        return row

    # --- profiles --------------------------------------------------------------------------------

    async def create(self, principal: Principal, profile: dict[str, Any]) -> dict[str, Any]:
        _check_profile(profile, datetime.now(UTC).date())
        ssn = normalize_ssn(profile["ssn"])
        if ssn is None:
            raise _invalid("ssn", "must be a valid US SSN, e.g. 123-45-6789")
        customer_id = uuid.uuid4()
        address = profile["address"]
        async with self._pool.acquire() as connection, connection.transaction():
            try:
                await connection.execute(
                    """INSERT INTO customers (customer_id, user_id, first_name, last_name, date_of_birth, ssn_sealed,
                           ssn_last4, phone, address_line1, address_line2, city, region, postal_code, country)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)""",
                    customer_id,
                    principal.user_id,
                    profile["first_name"],
                    profile["last_name"],
                    profile["date_of_birth"],
                    self._box.seal(ssn, f"ssn:{customer_id}"),
                    ssn[-4:],
                    profile.get("phone"),
                    address["line1"],
                    address.get("line2"),
                    address["city"],
                    address.get("region"),
                    address["postal_code"],
                    address["country"],
                )
            except asyncpg.UniqueViolationError:
                raise ServiceFailure(409, "profile_exists", "this user already has a customer profile") from None
            await connection.execute(
                "UPDATE users SET customer_id = $2 WHERE user_id = $1", principal.user_id, customer_id
            )
            await write_events(
                connection,
                [
                    _event(
                        "customer.created",
                        customer_id,
                        {"customer_id": str(customer_id), "user_id": str(principal.user_id)},
                        "created",
                    )
                ],
            )
            row = await connection.fetchrow(f"{_SELECT} WHERE c.customer_id = $1", customer_id)
        return _view(row)

    async def get(self, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
        return _view(await self._visible(principal, customer_id))

    async def update(self, principal: Principal, customer_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any]:
        _check_profile(changes, datetime.now(UTC).date())
        async with self._pool.acquire() as connection, connection.transaction():
            row = await self._visible(principal, customer_id, connection)
            if row["kyc_status"] == KycStatus.APPROVED and IDENTITY_FIELDS & changes.keys():
                raise ServiceFailure(409, "kyc_locked", "name and date of birth cannot change after KYC approval")
            columns = {key: value for key, value in changes.items() if key != "address"}
            if "address" in changes:
                address = changes["address"]
                columns |= {
                    "address_line1": address["line1"],
                    "address_line2": address.get("line2"),
                    "city": address["city"],
                    "region": address.get("region"),
                    "postal_code": address["postal_code"],
                    "country": address["country"],
                }
            if columns:
                assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(columns, start=2))
                await connection.execute(
                    f"UPDATE customers SET {assignments}, updated_at = now() WHERE customer_id = $1",  # nosec B608
                    customer_id,
                    *columns.values(),
                )
                await write_events(
                    connection,
                    [
                        _event(
                            "customer.updated",
                            customer_id,
                            {"customer_id": str(customer_id), "fields": sorted(changes)},
                            uuid.uuid4(),
                        )
                    ],
                )
            updated = await connection.fetchrow(f"{_SELECT} WHERE c.customer_id = $1", customer_id)
        return _view(updated)

    async def search(
        self, principal: Principal, criteria: dict[str, Any], limit: int, cursor: str | None, sort: str = "last_name"
    ) -> dict[str, Any]:
        """Support/admin: customers matching every criterion given, by last name, or with
        sort="kyc_updated_at" by when their KYC status last changed, oldest first (with
        kyc_status=SUBMITTED: the review queue, the longest-waiting submission first)."""
        if not principal.is_staff:
            raise ServiceFailure(403, "forbidden", "searching customers is for support and admin")
        conditions, values = [], []

        def condition(template: str, value: object) -> None:
            values.append(value)
            conditions.append(template.format(f"${len(values)}"))

        if criteria.get("name"):
            condition("(c.first_name || ' ' || c.last_name) ILIKE '%' || {} || '%'", criteria["name"])
        if criteria.get("email"):
            condition("lower(u.email) = lower({})", criteria["email"])
        if criteria.get("phone"):
            condition("c.phone = {}", criteria["phone"])
        if criteria.get("kyc_status"):
            condition("c.kyc_status = {}", criteria["kyc_status"])
        by_kyc = sort == "kyc_updated_at"
        key = "coalesce(c.kyc_updated_at, c.created_at)" if by_kyc else "lower(c.last_name)"
        if cursor:
            try:
                # A cursor of the KYC order carries its sort's name: one of the other order is refused.
                if by_kyc:
                    _, at_text, last_id = decode_cursor(cursor, 3)
                    after: object = datetime.fromisoformat(at_text)
                else:
                    after, last_id = decode_cursor(cursor, 2)
                values.extend([after, uuid.UUID(last_id)])
            except (CursorError, ValueError):
                raise _invalid("cursor", "is not one this API returned") from None
            conditions.append(f"({key}, c.customer_id) > (${len(values) - 1}, ${len(values)})")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        values.append(limit + 1)
        rows = await self._pool.fetch(
            f"{_SELECT} {where} ORDER BY {key}, c.customer_id LIMIT ${len(values)}",  # nosec B608 -- constant keys
            *values,
        )
        items = [_view(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            if by_kyc:
                at = last["kyc_updated_at"] or last["created_at"]
                next_cursor = encode_cursor(["kyc_updated_at", at.isoformat(), str(last["customer_id"])])
            else:
                next_cursor = encode_cursor([last["last_name"].lower(), str(last["customer_id"])])
        return {"items": items, "next_cursor": next_cursor}

    # --- KYC ------------------------------------------------------------------------------------------

    async def _move_kyc(
        self, customer_id: uuid.UUID, row: asyncpg.Record, target: KycStatus, reason: str | None, connection: Any
    ) -> dict[str, Any]:
        current = KycStatus(row["kyc_status"])
        if not kyc_can_move(current, target):
            raise ServiceFailure(409, "invalid_kyc_transition", f"KYC cannot go from {current} to {target}")
        await connection.execute(
            """UPDATE customers SET kyc_status = $2, kyc_reason = $3, kyc_updated_at = now(), updated_at = now()
               WHERE customer_id = $1""",
            customer_id,
            target.value,
            reason,
        )
        event_type = {
            KycStatus.SUBMITTED: "kyc.submitted",
            KycStatus.APPROVED: "kyc.approved",
            KycStatus.REJECTED: "kyc.rejected",
        }[target]
        data = {"customer_id": str(customer_id), "user_id": str(row["user_id"]), "reason": reason}
        await write_events(connection, [_event(event_type, customer_id, data, uuid.uuid4())])
        return {"customer_id": str(customer_id), "kyc_status": target.value, "reason": reason}

    async def submit_kyc(self, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
        async with self._pool.acquire() as connection, connection.transaction():
            row = await self._visible(principal, customer_id, connection)
            documents = await connection.fetchval(
                "SELECT count(*) FROM customer_documents WHERE customer_id = $1", customer_id
            )
            if documents == 0:
                raise ServiceFailure(409, "documents_required", "upload an identity document before submitting")
            return await self._move_kyc(customer_id, row, KycStatus.SUBMITTED, None, connection)

    async def kyc_status(self, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
        row = await self._visible(principal, customer_id)
        return {"customer_id": str(customer_id), "kyc_status": row["kyc_status"], "reason": row["kyc_reason"]}

    async def decide_kyc(
        self, principal: Principal, customer_id: uuid.UUID, approve: bool, reason: str | None, origin: AuditOrigin
    ) -> dict[str, Any]:
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "KYC decisions are for admins")
        if not approve and not reason:
            raise _invalid("reason", "a rejection needs a reason")
        async with self._pool.acquire() as connection, connection.transaction():
            row = await self._visible(principal, customer_id, connection)
            target = KycStatus.APPROVED if approve else KycStatus.REJECTED
            result = await self._move_kyc(customer_id, row, target, reason, connection)
            await connection.execute(
                "UPDATE customer_documents SET review_status = $2 WHERE customer_id = $1 AND review_status = 'PENDING'",
                customer_id,
                "ACCEPTED" if approve else "REJECTED",
            )
            statuses = {"kyc_status": row["kyc_status"]}, {"kyc_status": target.value}
            target_ref = ("customer", str(customer_id))
            await append(
                connection, done_by(principal, origin, AuditAction.KYC_DECISION, target_ref, *statuses, reason)
            )
            return result

    # --- documents -----------------------------------------------------------------------------------

    async def upload_document(
        self, principal: Principal, customer_id: uuid.UUID, kind: DocumentKind, content: bytes, origin: AuditOrigin
    ) -> dict[str, Any]:
        await self._visible(principal, customer_id)
        if len(content) > MAX_DOCUMENT_BYTES:
            raise ServiceFailure(413, "payload_too_large", f"a document is at most {MAX_DOCUMENT_BYTES} bytes")
        if not content:
            raise _invalid("file", "is empty")
        content_type = sniff_content_type(content[:16])
        if content_type is None:
            raise ServiceFailure(415, "unsupported_media_type", "documents must be PDF, PNG or JPEG")
        document_id = uuid.uuid4()
        sha256 = hashlib.sha256(content).hexdigest()
        key = f"{customer_id}/{document_id}"
        await self._documents.put(key, content)
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                """INSERT INTO customer_documents
                       (document_id, customer_id, kind, content_type, size_bytes, sha256, storage_key)
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
                document_id,
                customer_id,
                kind.value,
                content_type,
                len(content),
                sha256,
                key,
            )
            stored = {"customer_id": str(customer_id), "kind": kind.value, "sha256": sha256, "size_bytes": len(content)}
            uploaded = done_by(
                principal, origin, AuditAction.DOCUMENT_UPLOAD, ("document", str(document_id)), None, stored
            )
            await append(connection, uploaded)
        return _document_view(row)

    async def document_content(
        self, principal: Principal, customer_id: uuid.UUID, document_id: uuid.UUID, origin: AuditOrigin
    ) -> dict[str, Any]:
        """A document's stored bytes with its stored (sniffed at upload) type: own, or support/admin.
        Every view is recorded (who looked at whose identity document is an auditor's question)."""
        await self._visible(principal, customer_id)
        row = await self._pool.fetchrow(
            "SELECT * FROM customer_documents WHERE document_id = $1 AND customer_id = $2", document_id, customer_id
        )
        if row is None:
            raise ServiceFailure(404, "not_found", "no such document")
        content = await self._documents.get(row["storage_key"])
        viewed = {"customer_id": str(customer_id), "kind": row["kind"]}
        await append_alone(
            self._pool,
            done_by(principal, origin, AuditAction.DOCUMENT_VIEW, ("document", str(document_id)), None, viewed),
        )
        extension = _EXTENSIONS.get(row["content_type"], "bin")
        return {
            "content": content,
            "content_type": row["content_type"],
            "filename": f"{row['kind']}-{document_id}.{extension}",
        }

    async def list_documents(self, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
        await self._visible(principal, customer_id)
        rows = await self._pool.fetch(
            "SELECT * FROM customer_documents WHERE customer_id = $1 ORDER BY uploaded_at", customer_id
        )
        return {"items": [_document_view(row) for row in rows]}


def _document_view(row: asyncpg.Record | None) -> dict[str, Any]:
    assert row is not None, "the row was just written or found"
    return {
        "document_id": str(row["document_id"]),
        "kind": row["kind"],
        "content_type": row["content_type"],
        "size_bytes": row["size_bytes"],
        "sha256": row["sha256"],
        "review_status": row["review_status"],
        "uploaded_at": row["uploaded_at"].isoformat(),
    }

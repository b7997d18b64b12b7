"""Payees: the recipients a customer saved, by account number, so that paying them again needs
neither the number typed nor anyone else's account id. Each customer's are their own: anyone
else's payee is "not found". A number is resolved as a lookup resolves it (an account able to
receive money) and the holder's display name is kept as the lookup showed it.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import asyncpg

from actors.banking.directory import Directory
from models.failures import ServiceFailure
from models.identity import Principal
from models.paging import CursorError, decode_cursor, encode_cursor
from models.payees import MAX_PAYEES_PER_CUSTOMER, nickname_problem

PAYEE_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such payee")
PROFILE_REQUIRED: Final = ServiceFailure(
    403, "profile_required", "payees belong to a customer profile: create yours first"
)
_PAGE: Final = """SELECT * FROM payees
    WHERE customer_id = $1 AND (lower(nickname), payee_id) > ($2, $3)
    ORDER BY lower(nickname), payee_id LIMIT $4"""


def _invalid(field: str, problem: str, code: str = "validation_error") -> ServiceFailure:
    return ServiceFailure(422, code, f"{field}: {problem}")


def _nickname(nickname: str) -> str:
    if problem := nickname_problem(nickname):
        raise _invalid("nickname", problem)
    return nickname.strip()


def payee_view(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "payee_id": str(row["payee_id"]),
        "nickname": row["nickname"],
        "account_number": row["account_number"],
        "holder_name": row["holder_name"],
        "currency": row["currency"].strip(),
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


class PayeeService:
    def __init__(self, pool: asyncpg.Pool, directory: Directory) -> None:
        self._pool = pool
        self._directory = directory

    async def _customer(self, principal: Principal) -> uuid.UUID:
        customer_id = await self._directory.customer_of(principal)
        if customer_id is None:
            raise PROFILE_REQUIRED
        return customer_id

    async def listing(self, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
        """The caller's payees by nickname (case-insensitive), `limit` at a time."""
        customer_id = await self._customer(principal)
        after, last = "", uuid.UUID(int=0)
        if cursor is not None:
            try:
                after, last_id = decode_cursor(cursor, 2)
                last = uuid.UUID(last_id)
            except (CursorError, ValueError):
                raise _invalid("cursor", "is not one this API returned") from None
        rows = await self._pool.fetch(_PAGE, customer_id, after, last, limit + 1)
        next_cursor = None
        if len(rows) > limit:
            tail = rows[limit - 1]
            next_cursor = encode_cursor([tail["nickname"].lower(), str(tail["payee_id"])])
        return {"items": [payee_view(row) for row in rows[:limit]], "next_cursor": next_cursor}

    async def add(
        self, principal: Principal, nickname: str, account_number: str, payee_id: uuid.UUID
    ) -> dict[str, Any]:
        """Save a payee. The same Idempotency-Key (hence payee id) again returns the first one; another
        body with it is a 409. A number saved already is 409 `payee_exists`; your own account 422 `own_account`."""
        customer_id = await self._customer(principal)
        nickname = _nickname(nickname)
        if (replayed := await self._replayed(payee_id, customer_id, nickname, account_number)) is not None:
            return replayed
        payable = await self._directory.payable(account_number)
        if payable.record.customer_id == customer_id:
            raise _invalid("account_number", "is one of your own accounts", "own_account")
        async with self._pool.acquire() as connection, connection.transaction():
            # One save at a time per customer, so that the count below holds until the insert.
            await connection.execute("SELECT 1 FROM customers WHERE customer_id = $1 FOR UPDATE", customer_id)
            count = await connection.fetchval("SELECT count(*) FROM payees WHERE customer_id = $1", customer_id)
            if count >= MAX_PAYEES_PER_CUSTOMER:
                message = f"a customer keeps at most {MAX_PAYEES_PER_CUSTOMER} payees: remove one first"
                raise ServiceFailure(409, "payee_limit_reached", message)
            row = await connection.fetchrow(
                """INSERT INTO payees (payee_id, customer_id, nickname, account_number, holder_name, currency)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING *""",
                payee_id,
                customer_id,
                nickname,
                payable.record.number,
                payable.holder_name,
                payable.record.currency,
            )
        if row is None:
            if (replayed := await self._replayed(payee_id, customer_id, nickname, account_number)) is not None:
                return replayed
            raise ServiceFailure(409, "payee_exists", "this account number is one of your payees already")
        return payee_view(row)

    async def _replayed(
        self, payee_id: uuid.UUID, customer_id: uuid.UUID, nickname: str, account_number: str
    ) -> dict[str, Any] | None:
        """The payee this id saved already, if the request is the same; a conflict if it is not."""
        row = await self._pool.fetchrow("SELECT * FROM payees WHERE payee_id = $1", payee_id)
        if row is None:
            return None
        if (row["customer_id"], row["nickname"], row["account_number"]) != (customer_id, nickname, account_number):
            raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
        return payee_view(row)

    async def rename(self, principal: Principal, payee_id: uuid.UUID, nickname: str) -> dict[str, Any]:
        customer_id = await self._customer(principal)
        row = await self._pool.fetchrow(
            """UPDATE payees SET nickname = $3, updated_at = now()
               WHERE payee_id = $1 AND customer_id = $2 RETURNING *""",
            payee_id,
            customer_id,
            _nickname(nickname),
        )
        if row is None:
            raise PAYEE_NOT_FOUND
        return payee_view(row)

    async def remove(self, principal: Principal, payee_id: uuid.UUID) -> dict[str, Any]:
        customer_id = await self._customer(principal)
        row = await self._pool.fetchrow(
            "DELETE FROM payees WHERE payee_id = $1 AND customer_id = $2 RETURNING *", payee_id, customer_id
        )
        if row is None:
            raise PAYEE_NOT_FOUND
        return payee_view(row)

"""LedgerClient keeps the account records it read: they never change once an account is opened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from actors.ledger import client as client_module
from actors.ledger.client import LedgerClient


class CountingPool:
    """Answers account lookups from a dict, counting the queries."""

    def __init__(self, rows: dict[uuid.UUID, dict[str, Any]]) -> None:
        self.rows = rows
        self.queries = 0

    async def fetchrow(self, query: str, key: object) -> dict[str, Any] | None:
        self.queries += 1
        return self.rows.get(key) if isinstance(key, uuid.UUID) else None


def _row(account_id: uuid.UUID) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "number": "1000000017",
        "customer_id": uuid.uuid4(),
        "account_type": "CHECKING",
        "currency": "USD",
        "opened_at": datetime.now(UTC),
    }


def _client(pool: CountingPool) -> LedgerClient:
    client = LedgerClient("postgresql://unused", 1, handles=[object()])
    client._pool = pool  # type: ignore[assignment]
    return client


async def test_a_record_read_once_is_not_read_again_and_a_missing_one_is_asked_each_time() -> None:
    known, unknown = uuid.uuid4(), uuid.uuid4()
    pool = CountingPool({known: _row(known)})
    client = _client(pool)
    first = await client.account_record(known)
    assert first is not None and await client.account_record(known) == first
    assert pool.queries == 1
    assert await client.account_record(unknown) is None
    pool.rows[unknown] = _row(unknown)  # opened meanwhile
    assert await client.account_record(unknown) is not None
    assert pool.queries == 3


async def test_the_remembered_records_are_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(client_module, "MAX_REMEMBERED_ACCOUNTS", 3)
    ids = [uuid.uuid4() for _ in range(4)]
    pool = CountingPool({account_id: _row(account_id) for account_id in ids})
    client = _client(pool)
    for account_id in ids:
        assert await client.account_record(account_id) is not None
    assert len(client._accounts) <= 3

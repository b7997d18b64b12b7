"""The audit trail in PostgreSQL (table `audit_log`, migration 0021): appending a record in the
transaction of the action it records, and walking the chain to verify it.

Appends are serialised by one transaction-scoped advisory lock, so that each record takes the
next sequence number and the hash of the one before it; the lock is held from the append to
the action's commit. Audited actions are staff decisions and logins, not money movements, so
one chain is not the bottleneck of anything."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from actors.outbox import write_events
from models.audit import (
    AUDIT_EVENT_SOURCE,
    AUDIT_EVENT_TYPE,
    AUDIT_PARTITION_KEY,
    GENESIS_HASH,
    AuditEntry,
    AuditFilter,
    AuditRecord,
    ChainCheck,
    record_view,
    sealed,
)
from models.events import DomainEvent
from models.topics import AUDIT_EVENTS

# Any fixed 64-bit number: the key of the advisory lock that orders the chain ("BFaudit").
AUDIT_CHAIN_LOCK_KEY: Final = 0x4246_6175_6469_74
VERIFY_PAGE_ROWS: Final = 1_000
MAX_PAGE_ROWS: Final = 1_000
_INSERT: Final = """INSERT INTO audit_log
    (seq, audit_id, occurred_at, action, target_type, target_id, outcome, actor_user_id, actor_roles,
     session_id, changes, origin, reason, prev_hash, hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15)"""


async def append(
    connection: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy,
    entry: AuditEntry,
    audit_id: uuid.UUID | None = None,
) -> AuditRecord:
    """Add `entry` to the chain inside the caller's transaction: the record commits with the
    action, or neither does. An action that carries its own id (a command repeated with the same
    Idempotency-Key) passes it as `audit_id` and is recorded once: a repeat gets the first record."""
    assert connection.is_in_transaction(), "an audit record is written in its action's transaction"
    await connection.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_CHAIN_LOCK_KEY)
    if audit_id is not None:
        recorded = await connection.fetchrow("SELECT * FROM audit_log WHERE audit_id = $1", audit_id)
        if recorded is not None:
            return record_of(recorded)
    last = await connection.fetchrow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    seq = 1 if last is None else int(last["seq"]) + 1
    prev_hash = GENESIS_HASH if last is None else bytes(last["hash"])
    record = sealed(entry, seq, prev_hash, audit_id or uuid.uuid4(), datetime.now(UTC))
    assert record.seq > (0 if last is None else last["seq"]), "audit sequence numbers only grow"
    await connection.execute(
        _INSERT,
        record.seq,
        record.audit_id,
        record.occurred_at,
        record.action,
        record.target_type,
        record.target_id,
        record.outcome,
        record.actor_user_id,
        list(record.actor_roles),
        record.session_id,
        json.dumps(record.changes),
        json.dumps(record.origin),
        record.reason,
        record.prev_hash,
        record.hash,
    )
    await write_events(connection, [_published(record)])
    return record


def _published(record: AuditRecord) -> DomainEvent:
    """The record as an `audit-events` event: a SIEM that keeps them holds every hash of the
    chain, so a tail cut off the table or a chain recomputed from its start shows there."""
    return DomainEvent(
        event_id=record.audit_id,
        event_type=AUDIT_EVENT_TYPE,
        topic=AUDIT_EVENTS,
        source=AUDIT_EVENT_SOURCE,
        subject=f"{record.target_type}:{record.target_id or ''}",
        key=AUDIT_PARTITION_KEY,
        time_ms=int(record.occurred_at.timestamp() * 1000),
        data={**record_view(record), "prev_hash": record.prev_hash.hex()},
    )


async def append_alone(pool: asyncpg.Pool, entry: AuditEntry, audit_id: uuid.UUID | None = None) -> AuditRecord:
    """Record an action whose effect is not a write of this database's in the same transaction:
    a refused login for an unknown address, or a command the ledger's shard has committed."""
    async with pool.acquire() as connection, connection.transaction():
        return await append(connection, entry, audit_id)


def record_of(row: asyncpg.Record) -> AuditRecord:
    return AuditRecord(
        seq=row["seq"],
        audit_id=row["audit_id"],
        occurred_at=row["occurred_at"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        outcome=row["outcome"],
        actor_user_id=row["actor_user_id"],
        actor_roles=tuple(row["actor_roles"]),
        session_id=row["session_id"],
        changes=json.loads(row["changes"]),
        origin=json.loads(row["origin"]),
        reason=row["reason"],
        prev_hash=bytes(row["prev_hash"]),
        hash=bytes(row["hash"]),
    )


@dataclass(frozen=True)
class Verification:
    checked: int
    last_seq: int
    break_seq: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "break_seq": self.break_seq,
            "problem": self.problem,
        }


async def verify(
    pool: asyncpg.Pool, page_rows: int = VERIFY_PAGE_ROWS, progress: Callable[[int], None] | None = None
) -> Verification:
    """Walk the whole chain in sequence order, `page_rows` at a time; stop at the first break."""
    assert page_rows >= 1
    check = ChainCheck()
    while check.first_break is None:
        rows = await pool.fetch(
            "SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", check.last_seq, page_rows
        )
        if not rows:
            break
        check.feed(record_of(row) for row in rows)
        if progress is not None:
            progress(check.checked)
    found = check.first_break
    return Verification(
        check.checked, check.last_seq, None if found is None else found.seq, None if found is None else found.problem
    )


# An AuditFilter's conditions, $1–$6 in _filter_arguments' order; the queries add theirs after.
_MATCHING: Final = """($1::uuid IS NULL OR actor_user_id = $1)
      AND (cardinality($2::text[]) = 0 OR action = ANY($2))
      AND ($3::text IS NULL OR target_type = $3)
      AND ($4::text IS NULL OR target_id = $4)
      AND ($5::timestamptz IS NULL OR occurred_at >= $5)
      AND ($6::timestamptz IS NULL OR occurred_at < $6)"""
# Both are built from constants only, never from a value.
_NEWEST_FIRST: Final = f"SELECT * FROM audit_log WHERE {_MATCHING} AND seq < $7 ORDER BY seq DESC LIMIT $8"  # nosec B608
_COUNT: Final = f"SELECT count(*) FROM audit_log WHERE {_MATCHING}"  # nosec B608


def _filter_arguments(filters: AuditFilter) -> tuple[object, ...]:
    return (
        filters.actor_user_id,
        list(filters.actions),
        filters.target_type,
        filters.target_id,
        filters.since,
        filters.until,
    )


async def newest_first(
    pool: asyncpg.Pool, filters: AuditFilter, before_seq: int | None, limit: int
) -> list[AuditRecord]:
    """Up to `limit` records matching `filters`, newest first, numbered below `before_seq`
    (a keyset page: the last record's seq is the next page's `before_seq`)."""
    assert 1 <= limit <= MAX_PAGE_ROWS, f"a page holds 1 to {MAX_PAGE_ROWS} records"
    below = (1 << 62) if before_seq is None else before_seq
    rows = await pool.fetch(_NEWEST_FIRST, *_filter_arguments(filters), below, limit)
    return [record_of(row) for row in rows]


async def count(pool: asyncpg.Pool, filters: AuditFilter) -> int:
    found: int = await pool.fetchval(_COUNT, *_filter_arguments(filters))
    return found

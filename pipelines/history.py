"""Labelled history for training and evaluation, read with Ray Data: a generated story
(Parquet, `pipelines generate`) or the bank's own history in PostgreSQL (`ray.data.read_sql`).

From PostgreSQL, a movement is what the transactions read model shows (every scored kind,
blocked ones included), its time is when it happened (`occurred_at_ms` in the ledger
transfer's metadata for a replayed story, else when it was recorded), the balance before it
comes from its first journal posting on the paying account, and its label from
`fraud_labels` (analysts' case resolutions, and the labels a replayed story brought;
unlabelled means legitimate).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import psycopg
import ray

from models.transactions import OUTGOING_KINDS
from pipelines.records import Record

Progress = Callable[[str], None]
MS_PER_DAY: Final = 86_400_000
# A transaction that never moved money (refused for funds, a limit, a frozen account) taught
# the scorer nothing about its account's behaviour; one blocked as fraud is kept by its label.
_MOVED_STATUSES: Final = ("COMPLETED", "REVERSED", "PENDING", "PENDING_REVIEW", "PROCESSING")

HISTORY_SQL: Final = """
SELECT r.transaction_id::text AS transaction_id,
       COALESCE((lt.metadata->>'occurred_at_ms')::bigint,
                (EXTRACT(EPOCH FROM r.created_at) * 1000)::bigint) AS at_ms,
       COALESCE((lt.metadata->>'story_seq')::bigint, 0) AS seq,
       COALESCE(lt.metadata->>'kind', r.kind) AS kind,
       r.from_account_id::text AS account,
       COALESCE(r.to_account_id::text, r.counterparty) AS counterparty,
       r.amount_minor,
       first_leg.balance_before_minor,
       COALESCE(l.is_fraud, false) AS is_fraud,
       l.pattern
FROM transactions r
LEFT JOIN ledger_transfers lt ON lt.transfer_id = r.transaction_id
LEFT JOIN (
    SELECT DISTINCT ON (transfer_id, account_id)
           transfer_id, account_id, balance_after_minor - amount_minor AS balance_before_minor
    FROM ledger_postings
    WHERE transfer_id IS NOT NULL
    ORDER BY transfer_id, account_id, account_version
) first_leg ON first_leg.transfer_id = r.transaction_id AND first_leg.account_id = r.from_account_id
LEFT JOIN fraud_labels l ON l.transaction_id = r.transaction_id
WHERE r.from_account_id IS NOT NULL
  AND r.reversal_of IS NULL
  AND COALESCE(lt.metadata->>'kind', r.kind) = ANY(%s)
  AND (r.status = ANY(%s) OR l.is_fraud)
  AND r.created_at >= now() - make_interval(days => %s)
"""


def _record(row: dict[str, Any]) -> Record:
    return Record(
        at_ms=int(row["at_ms"]),
        kind=str(row["kind"]),
        account=str(row["account"]),
        counterparty=row["counterparty"],
        amount_minor=int(row["amount_minor"]),
        balance_before_minor=int(row["balance_before_minor"] or 0),
        is_fraud=bool(row["is_fraud"]),
        pattern=row["pattern"],
    )


def read_parquet_history(path: Path, progress: Progress) -> list[Record]:
    """A generated story, in the order it was written (time order)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    started = time.monotonic()
    rows = ray.data.read_parquet(str(path.resolve())).take_all()
    progress(f"read {len(rows):,} transactions from {path.name} in {time.monotonic() - started:.1f} s (Ray Data)")
    return [_record(row) for row in rows]


def read_database_history(database_url: str, days: int, progress: Progress) -> list[Record]:
    """The bank's outgoing movements of the last `days` days with their labels, in time order."""
    if days <= 0:
        raise ValueError("days must be positive")

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(database_url)

    started = time.monotonic()
    kinds = sorted(kind.value for kind in OUTGOING_KINDS)
    dataset = ray.data.read_sql(HISTORY_SQL, connect, sql_params=(kinds, list(_MOVED_STATUSES), days))
    rows = dataset.take_all()
    rows.sort(key=lambda row: (row["at_ms"], row["seq"], row["transaction_id"]))
    frauds = sum(1 for row in rows if row["is_fraud"])
    progress(
        f"read {len(rows):,} transactions ({frauds:,} labelled fraud) of the last {days} days from PostgreSQL "
        f"in {time.monotonic() - started:.1f} s (Ray Data read_sql)"
    )
    return [_record(row) for row in rows]

"""Replaying a generated story into a running BankFlow through LedgerClient.

Every party of the story (customers, mules, merchants, billers, outside payees) gets a
checking account; every movement becomes the ledger command it describes, in the story's
order, with the story's time (`occurred_at_ms`), kind and position in the transfer's
metadata, and the story's fraud labels go to `synthetic_fraud_labels`. Ids are derived from
the story's name, so a replay interrupted or run twice moves each movement exactly once.

Movements go in chunks: one LedgerClient call per chunk, cut wherever the order of one
account's movements could come out other than the story's: where an account credited earlier
in the chunk pays out (a cross-shard credit lands after its chunk's call, so paying it out in
the same call could find the money not there yet), and where an account that paid out earlier
in the chunk is credited (a cross-shard credit could land before that payment, which would then
see a balance the story never had).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import asyncpg

from actors.ledger.client import LedgerClient
from models.ledger.commands import Command, Deposit, OpenAccount, Transfer, Withdrawal
from models.ledger.types import AccountType, TransferStatus
from pipelines.history import Progress
from pipelines.records import Record

CURRENCY: Final = "USD"
MAX_CHUNK_MOVEMENTS: Final = 4_000
MAX_OPENINGS_PER_CALL: Final = 4_000
READ_MODEL_WAIT_S: Final = 60.0
_NAMESPACE: Final = uuid.UUID("2f0c3c52-6a43-4be1-9d55-1d5f0b8e6c1a")


def story_id(story: str, *parts: object) -> uuid.UUID:
    """The id of a story's account or movement: the same on every replay of that story."""
    return uuid.uuid5(_NAMESPACE, "/".join([story, *map(str, parts)]))


@dataclass
class ReplayReport:
    accounts: int = 0
    movements: int = 0
    completed: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    labelled: int = 0
    read_model_caught_up: bool = False


def parties(records: Sequence[Record]) -> list[str]:
    """Every account the story names, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        seen.setdefault(record.account, None)
        if record.counterparty is not None:
            seen.setdefault(record.counterparty, None)
    return list(seen)


def command_of(story: str, position: int, record: Record) -> Command:
    transfer_id = story_id(story, "movement", position)
    account = story_id(story, "account", record.account)
    metadata = {"story": story, "story_seq": str(position), "occurred_at_ms": str(record.at_ms), "kind": record.kind}
    if record.kind == "DEPOSIT":
        return Deposit(transfer_id, account, record.amount_minor, CURRENCY, metadata)
    if record.kind == "WITHDRAWAL" or record.counterparty is None:
        return Withdrawal(transfer_id, account, record.amount_minor, CURRENCY, metadata)
    payee = story_id(story, "account", record.counterparty)
    return Transfer(transfer_id, account, payee, record.amount_minor, CURRENCY, metadata=metadata)


def chunks(records: Sequence[Record], max_movements: int = MAX_CHUNK_MOVEMENTS) -> list[range]:
    """Consecutive ranges of the story, each safe to send as one call (see the module's note)."""
    cuts: list[range] = []
    start = 0
    credited: set[str] = set()
    paid: set[str] = set()
    for position, record in enumerate(records):
        pays_out = record.kind != "DEPOSIT"
        credits = record.counterparty if pays_out else None
        reorderable = (pays_out and record.account in credited) or (credits is not None and credits in paid)
        if position - start >= max_movements or reorderable:
            cuts.append(range(start, position))
            start, credited, paid = position, set(), set()
        if pays_out:
            paid.add(record.account)
        if credits is not None:
            credited.add(credits)
    if start < len(records):
        cuts.append(range(start, len(records)))
    return cuts


async def replay(
    database_url: str,
    shard_count: int,
    story: str,
    records: Sequence[Record],
    progress: Progress,
) -> ReplayReport:
    report = ReplayReport()
    ledger = LedgerClient(database_url, shard_count)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await _open_accounts(ledger, story, parties(records), report, progress)
        started = time.monotonic()
        for window in chunks(records):
            commands = [command_of(story, position, records[position]) for position in window]
            results = await ledger.execute_many(commands)
            labels = []
            for position, result in zip(window, results, strict=True):
                if result.accepted and result.status is TransferStatus.COMPLETED:
                    report.completed += 1
                    record = records[position]
                    if record.is_fraud:
                        labels.append((story_id(story, "movement", position), record.pattern or "unknown", story))
                else:
                    reason = result.reason or (result.status.value if result.status else "unknown")
                    report.refused[reason] = report.refused.get(reason, 0) + 1
            report.labelled += await _label(pool, labels)
            report.movements += len(window)
            rate = report.movements / max(time.monotonic() - started, 1e-9)
            progress(f"  movements {report.movements:,}/{len(records):,} ({rate:,.0f}/s)")
        report.read_model_caught_up = await _read_model_caught_up(pool, progress)
    finally:
        await pool.close()
        await ledger.close()
    return report


async def _open_accounts(
    ledger: LedgerClient, story: str, names: Sequence[str], report: ReplayReport, progress: Progress
) -> None:
    for start in range(0, len(names), MAX_OPENINGS_PER_CALL):
        part = names[start : start + MAX_OPENINGS_PER_CALL]
        commands: list[Command] = [
            OpenAccount(story_id(story, "open", name), story_id(story, "account", name), AccountType.CHECKING, CURRENCY)
            for name in part
        ]
        results = await ledger.execute_many(commands)
        refused = [name for name, result in zip(part, results, strict=True) if not result.accepted]
        if refused:
            raise RuntimeError(f"the ledger refused to open {len(refused)} of the story's accounts (e.g. {refused[0]})")
        report.accounts += len(part)
        progress(f"  accounts {report.accounts:,}/{len(names):,}")


async def _label(pool: asyncpg.Pool, labels: list[tuple[uuid.UUID, str, str]]) -> int:
    if not labels:
        return 0
    rows = await pool.fetch(
        """INSERT INTO synthetic_fraud_labels (transaction_id, pattern, story)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
           ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id""",
        [label[0] for label in labels],
        [label[1] for label in labels],
        [label[2] for label in labels],
    )
    return len(rows)


async def _read_model_caught_up(pool: asyncpg.Pool, progress: Progress) -> bool:
    """Wait (bounded) until the projector has brought every batch written so far into the read model."""
    written = await pool.fetch("SELECT shard, last_batch FROM ledger_shards")
    deadline = time.monotonic() + READ_MODEL_WAIT_S
    while time.monotonic() < deadline:
        rows = await pool.fetch("SELECT shard, batch FROM read_model_positions")
        projected = {row["shard"]: row["batch"] for row in rows}
        if all(projected.get(row["shard"], 0) >= row["last_batch"] for row in written):
            progress("  the transactions read model has every replayed movement")
            return True
        await asyncio.sleep(0.2)
    progress(f"  the read model is still behind after {READ_MODEL_WAIT_S:.0f} s: is the jobs actor running?")
    return False

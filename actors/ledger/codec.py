"""How ledger entries are stored: a journal entry ↔ posting rows, and the detail JSON that
lets a replay rebuild exactly the entry that was applied.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from models.ledger.entries import EntryKind, JournalEntry, Leg, OpenedAccount, Posting
from models.ledger.events import PostedLeg
from models.ledger.state import Account, Hold
from models.ledger.types import AccountStatus, AccountType

# Column order of ledger_postings as written by COPY.
POSTING_COLUMNS = (
    "shard",
    "batch",
    "seq",
    "entry_id",
    "kind",
    "transfer_id",
    "account_id",
    "currency",
    "amount_minor",
    "hold_delta_minor",
    "account_version",
    "balance_after_minor",
    "held_after_minor",
    "detail",
    "counted_minor",
    "counted_day",
)

PostingRow = tuple[Any, ...]


def hold_to_json(hold: Hold) -> dict[str, Any]:
    return {
        "pending_id": str(hold.pending_id),
        "debit_account_id": str(hold.debit_account_id),
        "credit_account_id": str(hold.credit_account_id),
        "amount_minor": hold.amount_minor,
        "currency": hold.currency,
        "expires_at_ms": hold.expires_at_ms,
        "counted_day": hold.counted_day,
    }


def hold_from_json(data: dict[str, Any]) -> Hold:
    return Hold(
        pending_id=uuid.UUID(data["pending_id"]),
        debit_account_id=uuid.UUID(data["debit_account_id"]),
        credit_account_id=uuid.UUID(data["credit_account_id"]),
        amount_minor=int(data["amount_minor"]),
        currency=data["currency"],
        expires_at_ms=int(data["expires_at_ms"]),
        counted_day=data.get("counted_day"),  # absent from holds journaled before daily limits were counted here
    )


def _detail(entry: JournalEntry) -> str | None:
    detail: dict[str, Any] = {}
    if entry.opened is not None:
        opened = entry.opened
        detail["opened"] = {
            "account_type": opened.account_type.value,
            "currency": opened.currency,
            "debit_limit_minor": opened.debit_limit_minor,
            "number": opened.number,
            "sequence": opened.sequence,
            "customer_id": None if opened.customer_id is None else str(opened.customer_id),
        }
    if entry.status_after is not None:
        detail["status_after"] = entry.status_after.value
    if entry.hold_created is not None:
        detail["hold_created"] = hold_to_json(entry.hold_created)
    if entry.hold_released is not None:
        detail["hold_released"] = str(entry.hold_released)
    if entry.overdraft_after_minor is not None:
        detail["overdraft_after_minor"] = entry.overdraft_after_minor
    if entry.daily_limit_after_minor is not None:
        detail["daily_limit_after_minor"] = entry.daily_limit_after_minor
    return json.dumps(detail) if detail else None


def posting_rows(
    shard: int, batch: int, first_seq: int, entry: JournalEntry, postings: Sequence[Posting]
) -> list[PostingRow]:
    """The rows of one applied entry; the entry's detail rides on its first leg."""
    detail = _detail(entry)
    counted_day = entry.counted_day
    rows = []
    for index, posting in enumerate(postings):
        leg = posting.leg
        rows.append(
            (
                shard,
                batch,
                first_seq + index,
                entry.entry_id,
                entry.kind,
                entry.transfer_id,
                leg.account_id,
                entry.currency,
                leg.amount_minor,
                leg.hold_delta_minor,
                posting.account_version,
                posting.balance_after_minor,
                posting.held_after_minor,
                detail if index == 0 else None,
                leg.counted_minor,
                counted_day if leg.counted_minor else None,
            )
        )
    return rows


def plain_transfer_rows(
    shard: int,
    batch: int,
    first_seq: int,
    transfer_id: uuid.UUID,
    currency: str,
    amount_minor: int,
    debit_id: uuid.UUID,
    debit: Account,
    credit_id: uuid.UUID,
    credit: Account,
) -> tuple[PostingRow, PostingRow]:
    """The rows posting_rows writes for a plain transfer's entry (models/ledger/plain.py), from
    the two accounts as they are after it: the entry's id is the transfer's, it has no detail,
    and its amount counts against the debit account's daily limit on the day that account counts."""
    kind = EntryKind.TRANSFER
    return (
        (
            shard, batch, first_seq, transfer_id, kind, transfer_id, debit_id, currency,
            -amount_minor, 0, debit.version, debit.balance_minor, debit.held_minor, None,
            amount_minor, debit.counted_day,
        ),
        (
            shard, batch, first_seq + 1, transfer_id, kind, transfer_id, credit_id, currency,
            amount_minor, 0, credit.version, credit.balance_minor, credit.held_minor, None,
            0, None,
        ),
    )  # fmt: skip


POSTED_LEG_COLUMNS = (
    "seq",
    "transfer_id",
    "account_id",
    "amount_minor",
    "currency",
    "account_version",
    "balance_after_minor",
    "held_after_minor",
)
_POSTED_LEG_INDEXES = tuple(POSTING_COLUMNS.index(column) for column in POSTED_LEG_COLUMNS)
SEQ_INDEX = POSTING_COLUMNS.index("seq")


def posted_leg(values: Sequence[Any]) -> tuple[int, PostedLeg]:
    """(seq, leg) of a posting, from its POSTED_LEG_COLUMNS values."""
    seq, transfer_id, account_id, amount_minor, currency, version, balance_after, held_after = values
    leg = PostedLeg(
        str(transfer_id), str(account_id), amount_minor, currency.strip(), version, balance_after, held_after
    )
    return seq, leg


def posted_legs_of(rows: Sequence[PostingRow], seqs: Sequence[int]) -> dict[int, PostedLeg]:
    """The legs at `seqs` of a batch's posting rows, as the journal would return them."""
    return dict(posted_leg([rows[seq][index] for index in _POSTED_LEG_INDEXES]) for seq in seqs)


def entry_from_rows(rows: Sequence[Any]) -> JournalEntry:
    """Rebuild the entry from its posting rows (records with the POSTING_COLUMNS fields)."""
    first = rows[0]
    detail: dict[str, Any] = json.loads(first["detail"]) if first["detail"] else {}
    opened = None
    if "opened" in detail:
        data = detail["opened"]
        opened = OpenedAccount(
            account_type=AccountType(data["account_type"]),
            currency=data["currency"],
            debit_limit_minor=int(data["debit_limit_minor"]),
            number=data["number"],
            sequence=int(data["sequence"]),
            customer_id=None if data["customer_id"] is None else uuid.UUID(data["customer_id"]),
        )
    counted_days = {row["counted_day"] for row in rows if row["counted_minor"]}
    assert len(counted_days) <= 1, f"entry {first['entry_id']} counts on one day"
    return JournalEntry(
        entry_id=first["entry_id"],
        kind=EntryKind(first["kind"]),
        currency=first["currency"].strip(),
        legs=tuple(
            Leg(row["account_id"], row["amount_minor"], row["hold_delta_minor"], row["counted_minor"]) for row in rows
        ),
        transfer_id=first["transfer_id"],
        opened=opened,
        status_after=AccountStatus(detail["status_after"]) if "status_after" in detail else None,
        hold_created=hold_from_json(detail["hold_created"]) if "hold_created" in detail else None,
        hold_released=uuid.UUID(detail["hold_released"]) if "hold_released" in detail else None,
        overdraft_after_minor=int(detail["overdraft_after_minor"]) if "overdraft_after_minor" in detail else None,
        daily_limit_after_minor=int(detail["daily_limit_after_minor"]) if "daily_limit_after_minor" in detail else None,
        counted_day=counted_days.pop() if counted_days else None,
    )

"""The audit trail's rules, without I/O: what one record says, how its fields are masked, and
how the records chain by hash so that an edit or a deletion made around the service is seen.

A record's hash is sha256 over the previous record's hash and the record's canonical JSON
(its fields with sorted keys, no spaces). The first record's previous hash is GENESIS_HASH.
A row altered in place no longer matches its hash; a row removed leaves a gap in the
sequence numbers and a previous-hash that matches nothing; a row inserted in the middle
cannot take a number that is already there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, TypeAlias

from models.failures import ServiceFailure
from models.identity import Principal
from models.paging import CursorError, decode_cursor, encode_cursor
from models.spreadsheet import csv_safe

GENESIS_HASH: Final = bytes(32)
MASK: Final = "***"
MAX_TEXT_CHARS: Final = 512  # a before/after value or an origin field is cut to this
MAX_CHANGED_FIELDS: Final = 32

# Never kept, not even in part.
SECRET_FIELDS: Final = frozenset(
    {
        "password",
        "new_password",
        "password_hash",
        "totp",
        "totp_secret",
        "mfa_secret",
        "code",
        "token",
        "access_token",
        "refresh_token",
        "secret",
        "ssn",
        "tax_id",
        "document_number",
    }
)
# Kept in part: enough for a person reading the trail to tell two customers apart.
PII_FIELDS: Final = frozenset({"email", "phone", "first_name", "last_name", "date_of_birth", "address"})

AuditValue: TypeAlias = str | int | bool | list[str] | None


class AuditAction(StrEnum):
    LOGIN = "auth.login"
    MFA_ENABLE = "auth.mfa.enable"
    MFA_DISABLE = "auth.mfa.disable"
    # The name of an action, not a password.
    PASSWORD_RESET = "auth.password.reset"  # nosec B105
    ROLES_CHANGE = "user.roles.change"
    KYC_DECISION = "customer.kyc.decide"
    DOCUMENT_UPLOAD = "customer.document.upload"
    DOCUMENT_VIEW = "customer.document.view"
    ACCOUNT_FREEZE = "account.freeze"
    ACCOUNT_UNFREEZE = "account.unfreeze"
    ACCOUNT_CLOSE = "account.close"
    ACCOUNT_LIMITS_CHANGE = "account.limits.change"
    TRANSACTION_REVERSE = "transaction.reverse"
    FRAUD_RULE_CREATE = "fraud.rule.create"
    FRAUD_RULE_CHANGE = "fraud.rule.change"
    FRAUD_LIST_ADD = "fraud.list.add"
    FRAUD_LIST_REMOVE = "fraud.list.remove"
    FRAUD_CASE_RESOLVE = "fraud.case.resolve"
    MODEL_PROMOTE = "fraud.model.promote"
    NOTIFICATION_SEND = "notification.admin.send"
    SAR_FILE = "compliance.sar.file"
    APPROVAL_REQUEST = "approval.request"
    APPROVAL_APPROVE = "approval.approve"
    APPROVAL_REJECT = "approval.reject"
    APPROVAL_SETTLE = "approval.settle"
    APPROVAL_POLICY_CHANGE = "approval.policy.change"


# What a customer is shown of their own trail (GET /api/v1/auth/activity): the records whose
# target is their user.
SECURITY_ACTIONS: Final = frozenset(
    {
        AuditAction.LOGIN,
        AuditAction.MFA_ENABLE,
        AuditAction.MFA_DISABLE,
        AuditAction.PASSWORD_RESET,
        AuditAction.ROLES_CHANGE,
    }
)


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class AuditOrigin:
    """Where a request came from, as the gateway saw it."""

    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    trace_id: str | None = None

    def as_json(self) -> dict[str, AuditValue]:
        return {
            "ip_address": _clipped(self.ip_address),
            "user_agent": _clipped(self.user_agent),
            "request_id": _clipped(self.request_id),
            "trace_id": _clipped(self.trace_id),
        }


@dataclass(frozen=True)
class AuditActor:
    """Who acted: a signed-in user with their roles and session, or nobody known (a failed
    login for an address without a user)."""

    user_id: uuid.UUID | None
    roles: tuple[str, ...] = ()
    session_id: uuid.UUID | None = None

    @classmethod
    def of(cls, principal: Principal) -> AuditActor:
        return cls(principal.user_id, tuple(sorted(principal.roles)), principal.session_id)


ANONYMOUS: Final = AuditActor(None)
# Someone running `bankflow` with the database's credentials: a person with the cluster's keys,
# not a user of the bank, so no user id.
OPERATOR: Final = AuditActor(None, ("operator",))


@dataclass(frozen=True)
class AuditEntry:
    """One action to record: who did what to which target, and how it ended. `changes` holds
    the changed fields' values before and after, masked (`changes()` builds it)."""

    action: AuditAction
    target_type: str
    target_id: str | None
    outcome: AuditOutcome
    actor: AuditActor
    origin: AuditOrigin
    changes: Mapping[str, Mapping[str, AuditValue]] = field(default_factory=dict)
    reason: str | None = None


def done_by(
    who: Principal | AuditActor,
    origin: AuditOrigin,
    action: AuditAction,
    target: tuple[str, str | None],
    before: Mapping[str, AuditValue] | None = None,
    after: Mapping[str, AuditValue] | None = None,
    reason: str | None = None,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
) -> AuditEntry:
    """The record of an action `who` carried out (a signed-in principal, or an actor without a
    session: a user proving who they are by a code, the operator): `target` is (type, id),
    `before` and `after` the changed fields' values (masked here)."""
    target_type, target_id = target
    return AuditEntry(
        action,
        target_type,
        target_id,
        outcome,
        who if isinstance(who, AuditActor) else AuditActor.of(who),
        origin,
        changes(before or {}, after or {}),
        reason,
    )


def _clipped(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT_CHARS]


def mask_value(name: str, value: AuditValue) -> AuditValue:
    """A field's value as the trail keeps it: secrets never, PII in part, the rest as it is."""
    if value is None:
        return None
    if name in SECRET_FIELDS:
        return MASK
    if name in PII_FIELDS:
        return _masked_pii(name, str(value))
    if isinstance(value, str):
        return _clipped(value)
    if isinstance(value, list):
        return [item[:MAX_TEXT_CHARS] for item in value]
    return value


def _masked_pii(name: str, text: str) -> str:
    if name == "email" and "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}{MASK}@{domain}"
    if name == "phone":
        return f"{MASK}{text[-2:]}" if len(text) > 4 else MASK
    return f"{text[:1]}{MASK}" if text else text


def changes(before: Mapping[str, AuditValue], after: Mapping[str, AuditValue]) -> dict[str, dict[str, AuditValue]]:
    """{"before": {...}, "after": {...}} over the fields whose values differ (or that only one
    side has), each masked by `mask_value`."""
    names = sorted(set(before) | set(after))
    changed = [name for name in names if before.get(name) != after.get(name) or (name in before) != (name in after)]
    assert len(changed) <= MAX_CHANGED_FIELDS, f"an audit record names at most {MAX_CHANGED_FIELDS} fields"
    return {
        "before": {name: mask_value(name, before.get(name)) for name in changed if name in before},
        "after": {name: mask_value(name, after.get(name)) for name in changed if name in after},
    }


@dataclass(frozen=True)
class AuditRecord:
    """A stored record: the entry as written, its place in the chain and its hash."""

    seq: int
    audit_id: uuid.UUID
    occurred_at: datetime
    action: str
    target_type: str
    target_id: str | None
    outcome: str
    actor_user_id: uuid.UUID | None
    actor_roles: tuple[str, ...]
    session_id: uuid.UUID | None
    changes: Mapping[str, object]
    origin: Mapping[str, object]
    reason: str | None
    prev_hash: bytes
    hash: bytes

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself."""
        body = {
            "seq": self.seq,
            "audit_id": str(self.audit_id),
            "occurred_at": self.occurred_at.isoformat(),
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "outcome": self.outcome,
            "actor_user_id": None if self.actor_user_id is None else str(self.actor_user_id),
            "actor_roles": list(self.actor_roles),
            "session_id": None if self.session_id is None else str(self.session_id),
            "changes": self.changes,
            "origin": self.origin,
            "reason": self.reason,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(prev_hash: bytes, record: AuditRecord) -> bytes:
    assert len(prev_hash) == len(GENESIS_HASH), "a previous hash is a sha256 digest"
    return hashlib.sha256(prev_hash + record.canonical()).digest()


def sealed(entry: AuditEntry, seq: int, prev_hash: bytes, audit_id: uuid.UUID, occurred_at: datetime) -> AuditRecord:
    """The record for `entry` at position `seq` after a record whose hash is `prev_hash`."""
    assert seq >= 1, "audit sequence numbers start at 1"
    assert occurred_at.tzinfo is not None, "an audit time is timezone-aware"
    unsealed = AuditRecord(
        seq=seq,
        audit_id=audit_id,
        occurred_at=occurred_at,
        action=entry.action.value,
        target_type=entry.target_type,
        target_id=_clipped(entry.target_id),
        outcome=entry.outcome.value,
        actor_user_id=entry.actor.user_id,
        actor_roles=entry.actor.roles,
        session_id=entry.actor.session_id,
        changes={side: dict(values) for side, values in entry.changes.items()},
        origin=entry.origin.as_json(),
        reason=_clipped(entry.reason),
        prev_hash=prev_hash,
        hash=b"",
    )
    return AuditRecord(**{**unsealed.__dict__, "hash": record_hash(prev_hash, unsealed)})


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


@dataclass
class ChainCheck:
    """Walks the records in sequence order, one page at a time, and keeps the first break."""

    checked: int = 0
    last_seq: int = 0
    last_hash: bytes = GENESIS_HASH
    first_break: ChainBreak | None = None

    def feed(self, records: Iterable[AuditRecord]) -> None:
        for record in records:
            if self.first_break is not None:
                return
            self._check(record)

    def _check(self, record: AuditRecord) -> None:
        self.checked += 1
        if record.seq != self.last_seq + 1:
            first_missing, last_missing = self.last_seq + 1, record.seq - 1
            missing = (
                f"record {first_missing} is"
                if first_missing == last_missing
                else (f"records {first_missing}–{last_missing} are")
            )
            self.first_break = ChainBreak(record.seq, f"{missing} missing")
        elif record.prev_hash != self.last_hash:
            self.first_break = ChainBreak(record.seq, "its previous hash is not the hash of the record before it")
        elif record_hash(record.prev_hash, record) != record.hash:
            self.first_break = ChainBreak(record.seq, "its content does not match its hash (altered)")
        self.last_seq, self.last_hash = record.seq, record.hash


@dataclass(frozen=True)
class AuditFilter:
    """Which records a search returns; every field given narrows it."""

    actor_user_id: uuid.UUID | None = None
    actions: Collection[str] = ()
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def seq_cursor(seq: int) -> str:
    """The cursor of the page after the record numbered `seq` (pages run newest first)."""
    return encode_cursor([str(seq)])


def seq_of_cursor(cursor: str | None) -> int | None:
    """The seq a page ends at, from the cursor this API gave; a 422 naming `cursor` otherwise."""
    if cursor is None:
        return None
    try:
        (seq,) = decode_cursor(cursor, 1)
        return int(seq)
    except (CursorError, ValueError):
        raise ServiceFailure(422, "validation_error", "cursor: is not one this API returned") from None


def newest_page(records: Sequence[AuditRecord], limit: int) -> tuple[Sequence[AuditRecord], str | None]:
    """A page of `limit` records out of the `limit + 1` read, and the next page's cursor when
    there was one more."""
    assert len(records) <= limit + 1, "a page reads one record more than it shows, no more"
    return records[:limit], seq_cursor(records[limit - 1].seq) if len(records) > limit else None


def own_security_events(user_id: uuid.UUID) -> AuditFilter:
    """A user's own security events: the records whose target is their user."""
    return AuditFilter(actions=tuple(sorted(SECURITY_ACTIONS)), target_type="user", target_id=str(user_id))


def activity_view(record: AuditRecord) -> dict[str, object]:
    """One of a user's own security events, as they are shown it: no staff ids, no hashes."""
    return {
        "seq": record.seq,
        "occurred_at": record.occurred_at.isoformat(),
        "action": record.action,
        "outcome": record.outcome,
        "reason": record.reason,
        "ip_address": record.origin.get("ip_address"),
        "user_agent": record.origin.get("user_agent"),
    }


AUDIT_EVENT_TYPE: Final = "audit.recorded"
AUDIT_EVENT_SOURCE: Final = "bankflow/audit"
AUDIT_PARTITION_KEY: Final = "audit-trail"


def record_view(record: AuditRecord) -> dict[str, object]:
    """A record as the API shows it."""
    return {
        "seq": record.seq,
        "audit_id": str(record.audit_id),
        "occurred_at": record.occurred_at.isoformat(),
        "action": record.action,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "outcome": record.outcome,
        "reason": record.reason,
        "actor": {
            "user_id": None if record.actor_user_id is None else str(record.actor_user_id),
            "roles": list(record.actor_roles),
            "session_id": None if record.session_id is None else str(record.session_id),
        },
        "changes": record.changes,
        "origin": record.origin,
        "hash": record.hash.hex(),
    }


CSV_COLUMNS: Final = (
    "seq",
    "occurred_at",
    "action",
    "outcome",
    "reason",
    "actor_user_id",
    "actor_roles",
    "session_id",
    "target_type",
    "target_id",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
    "trace_id",
    "hash",
)


def records_csv(records: Iterable[AuditRecord]) -> str:
    """The records as CSV, one per line under a header; `changes` as JSON in one cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        origin = record.origin
        cells = (
            str(record.seq),
            record.occurred_at.isoformat(),
            record.action,
            record.outcome,
            record.reason or "",
            "" if record.actor_user_id is None else str(record.actor_user_id),
            ";".join(record.actor_roles),
            "" if record.session_id is None else str(record.session_id),
            record.target_type,
            record.target_id or "",
            json.dumps(record.changes, sort_keys=True, ensure_ascii=False),
            str(origin.get("ip_address") or ""),
            str(origin.get("user_agent") or ""),
            str(origin.get("request_id") or ""),
            str(origin.get("trace_id") or ""),
            record.hash.hex(),
        )
        writer.writerow([csv_safe(cell) for cell in cells])
    return out.getvalue()

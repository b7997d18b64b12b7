"""Moving money on behalf of a person: transfers, deposits, withdrawals, payments (authorise,
capture, void), reversals and batches — each recorded in the read model, checked against the
limits and the fraud scorer, then executed through LedgerClient (never around it).

Used by the gateway (deployments/transactions/local.py) and by the actors that move money on their own
(scheduler, settlement), so every path obeys the same rules.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from actors import approvals
from actors.audit import append_alone
from actors.banking.directory import Directory
from actors.banking.records import Draft, InTransaction, StatusMove, TransactionRecords
from actors.ledger.client import AccountRecord, LedgerClient, PendingTransferNotFoundError
from models.approvals import Approved, approval_id_for, request_view
from models.audit import AuditAction, AuditOrigin, AuditOutcome, done_by
from models.failures import ServiceFailure
from models.fraud.check import Assessment, Scorer, ScoringRequest, Verdict
from models.identity import Principal, Role
from models.ledger.commands import Command, Deposit, Transfer, Withdrawal
from models.ledger.results import CommandResult
from models.ledger.types import RejectReason, TransferStatus, derived_id
from models.money import format_amount, minor_units
from models.paging import CursorError, decode_time_keyset, encode_time_keyset
from models.transactions import (
    MAX_BATCH_TRANSFERS,
    OUTGOING_KINDS,
    REVERSIBLE_KINDS,
    REVIEW_REJECTED_REASON,
    TransactionKind,
    TransactionStatus,
    event_of_settlement,
    reason_of_ledger,
    reason_of_settlement,
    status_of_ledger,
)

TRANSACTION_NOT_FOUND: Final = ServiceFailure(404, "not_found", "no such transaction")
SCORED_KINDS: Final = OUTGOING_KINDS  # every movement of money out of an account is scored
UNSETTLED: Final = frozenset(
    {TransactionStatus.PROCESSING, TransactionStatus.PENDING, TransactionStatus.PENDING_REVIEW}
)


@dataclass(frozen=True)
class MoneyRules:
    max_transfer_units: int
    authorisation_s: int
    review_hold_s: int = 3 * 24 * 3600

    def max_transfer_minor(self, currency: str) -> int:
        return self.max_transfer_units * int(10 ** minor_units(currency))


@dataclass(frozen=True)
class Movement:
    """One requested movement, as parsed at the edge (amounts already in minor units)."""

    kind: TransactionKind
    account_id: uuid.UUID  # the customer's account: source of outgoing money, destination of incoming
    amount_minor: int
    currency: str
    counterparty_account_id: uuid.UUID | None = None  # a transfer's destination
    # A transfer's destination by its number, instead of its id: `resolved` finds the id.
    counterparty_account_number: str | None = None
    description: str | None = None
    counterparty: str | None = None  # a merchant's or another bank's name
    hold_s: int | None = None  # a payment authorisation's lifetime, if not the default


def invalid(field: str, problem: str, code: str = "validation_error") -> ServiceFailure:
    return ServiceFailure(422, code, f"{field}: {problem}")


def transaction_view(row: asyncpg.Record, history: Sequence[asyncpg.Record] | None = None) -> dict[str, Any]:
    currency = row["currency"].strip()
    captured = row["captured_minor"]
    view: dict[str, Any] = {
        "transaction_id": str(row["transaction_id"]),
        "kind": row["kind"],
        "status": row["status"],
        "failure_reason": row["reason"] if row["status"] in ("FAILED", "RETURNED") else None,
        "from_account_id": None if row["from_account_id"] is None else str(row["from_account_id"]),
        "to_account_id": None if row["to_account_id"] is None else str(row["to_account_id"]),
        "amount": format_amount(row["amount_minor"], currency),
        "captured_amount": None if captured is None else format_amount(captured, currency),
        "currency": currency,
        "description": row["description"],
        "counterparty": row["counterparty"],
        "reversal_of": None if row["reversal_of"] is None else str(row["reversal_of"]),
        "fraud": None
        if row["fraud_verdict"] is None
        else {
            "verdict": row["fraud_verdict"],
            "score": row["fraud_score"],
            "reasons": _json_list(row["fraud_reasons"]),
        },
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }
    if history is not None:
        view["status_history"] = [
            {"status": item["status"], "reason": item["reason"], "at": item["at"].isoformat()} for item in history
        ]
    return view


def _json_list(value: Any) -> list[str]:
    return list(json.loads(value)) if isinstance(value, str) else list(value or [])


class TransactionService:
    def __init__(
        self,
        records: TransactionRecords,
        ledger: LedgerClient,
        directory: Directory,
        scorer: Scorer,
        rules: MoneyRules,
    ) -> None:
        self.records = records
        self._ledger = ledger
        self._directory = directory
        self._scorer = scorer
        self._rules = rules

    # --- movements ----------------------------------------------------------------------------

    async def move(self, principal: Principal, movement: Movement, transaction_id: uuid.UUID) -> dict[str, Any]:
        """Transfer, deposit, withdrawal or payment authorisation, as the principal."""
        movement = await self.resolved(movement)
        await self.check_movement(principal, movement)
        return transaction_view(await self.execute(principal.user_id, movement, transaction_id))

    async def resolved(self, movement: Movement, numbers: dict[str, uuid.UUID] | None = None) -> Movement:
        """The movement with its destination's id, when it named the destination by account number
        (an account able to receive money, as a lookup finds it; else 404 `account_not_found`).
        `numbers` caches what a batch already resolved."""
        number = movement.counterparty_account_number
        if number is None:
            return movement
        numbers = {} if numbers is None else numbers
        account_id = numbers.get(number)
        if account_id is None:
            account_id = numbers[number] = (await self._directory.payable(number)).record.account_id
        return replace(movement, counterparty_account_id=account_id)

    async def check_movement(
        self, principal: Principal, movement: Movement, seen: dict[uuid.UUID, AccountRecord] | None = None
    ) -> None:
        """Access, currency, per-movement maximum and destination; `seen` caches accounts across a batch."""
        seen = {} if seen is None else seen
        account = seen.get(movement.account_id)
        if account is None:
            account = seen[movement.account_id] = await self._directory.owned_account(principal, movement.account_id)
        if account.currency != movement.currency:
            raise invalid("currency", f"the account holds {account.currency}", "currency_mismatch")
        if movement.kind in OUTGOING_KINDS and movement.amount_minor > self._rules.max_transfer_minor(
            movement.currency
        ):
            raise invalid("amount", "is above the largest single movement allowed", "limit_exceeded")
        if movement.hold_s is not None and not 1 <= movement.hold_s <= self._rules.authorisation_s:
            raise invalid("expires_in_s", f"must be between 1 and {self._rules.authorisation_s} seconds")
        if movement.kind is TransactionKind.TRANSFER:
            destination = movement.counterparty_account_id
            assert destination is not None
            to_field = "to_account_id" if movement.counterparty_account_number is None else "to_account_number"
            if destination == movement.account_id:
                raise invalid(to_field, "must differ from the source account", "same_account")
            target = seen.get(destination)
            if target is None:
                target = seen[destination] = await self._directory.customer_account(destination)
            if target.currency != movement.currency:
                raise invalid(to_field, f"the destination holds {target.currency}", "currency_mismatch")

    async def execute(
        self, user_id: uuid.UUID, movement: Movement, transaction_id: uuid.UUID, also: InTransaction | None = None
    ) -> asyncpg.Record:
        """Record, check limits and fraud, and run one movement through the ledger (access already checked).

        The same transaction id again returns the recorded transaction (resuming it if a crash
        interrupted it); the same id with another body is a conflict.
        """
        draft = _draft(movement, transaction_id, user_id)
        assessment = None
        if movement.kind in SCORED_KINDS:
            # The balance before the movement is a feature (how much of it the movement drains).
            balance = await self._ledger.balance(movement.account_id)
            available = None if balance is None else balance.available_minor
            assessment = await self._scorer.assess(_scoring_request(movement, transaction_id, user_id, available))
        fraud = None if assessment is None else (assessment.verdict.value, assessment.score, list(assessment.reasons))
        row, created = await self.records.create(draft, TransactionStatus.PROCESSING, fraud, also)
        if not created:
            if row["fingerprint"] != draft.fingerprint():
                raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
            if TransactionStatus(row["status"]) is not TransactionStatus.PROCESSING:
                return await self.refresh(row)
            assessment = _stored_assessment(row)
        if assessment is not None and assessment.verdict is Verdict.BLOCK:
            return await self._fail(transaction_id, "fraud_blocked")
        review = assessment is not None and assessment.verdict is Verdict.REVIEW
        result = await self._ledger.execute(self._command(movement, transaction_id, review))
        if result.reason == RejectReason.DUPLICATE_ID_CONFLICT:
            raise ServiceFailure(409, "idempotency_conflict", "this transaction id was used for another movement")
        status = status_of_ledger(result.status, held_for_review=review)
        if movement.kind is TransactionKind.EXTERNAL_OUT and status is TransactionStatus.COMPLETED:
            status = TransactionStatus.PENDING  # the money has left the account; the rails answer later
        waiting = status in (TransactionStatus.PENDING_REVIEW, TransactionStatus.PENDING)
        moved = await self.records.move(
            transaction_id,
            status,
            reason_of_ledger(result.status, result.reason),
            event_type="transaction.processing" if waiting and movement.kind in SCORED_KINDS else None,
            only_from=frozenset({TransactionStatus.PROCESSING}),
        )
        return moved or await self._current(transaction_id)

    async def record_incoming(
        self, user_id: uuid.UUID, movement: Movement, transaction_id: uuid.UUID, also: InTransaction
    ) -> asyncpg.Record:
        """An incoming external transfer: PENDING, no money yet; the rails credit it when they settle."""
        draft = _draft(movement, transaction_id, user_id)
        row, created = await self.records.create(draft, TransactionStatus.PENDING, None, also)
        if not created and row["fingerprint"] != draft.fingerprint():
            raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
        return row

    def _command(self, movement: Movement, transaction_id: uuid.UUID, review: bool) -> Command:
        amount, currency, account = movement.amount_minor, movement.currency, movement.account_id
        match movement.kind:
            case TransactionKind.DEPOSIT | TransactionKind.EXTERNAL_IN:
                return Deposit(transaction_id, account, amount, currency)
            case TransactionKind.WITHDRAWAL | TransactionKind.EXTERNAL_OUT if not review:
                return Withdrawal(transaction_id, account, amount, currency)
            case TransactionKind.TRANSFER:
                destination = movement.counterparty_account_id
                assert destination is not None
                timeout_ms = self._rules.review_hold_s * 1000 if review else None
                return Transfer(transaction_id, account, destination, amount, currency, timeout_ms)
            case TransactionKind.PAYMENT:
                settlement = self._ledger.settlement_account_id(account, currency)
                timeout_s = self._rules.review_hold_s if review else (movement.hold_s or self._rules.authorisation_s)
                return Transfer(transaction_id, account, settlement, amount, currency, timeout_s * 1000)
            case _:  # an outgoing movement held for review: towards the rails once an analyst posts it
                settlement = self._ledger.settlement_account_id(account, currency)
                return Transfer(transaction_id, account, settlement, amount, currency, self._rules.review_hold_s * 1000)

    async def _fail(self, transaction_id: uuid.UUID, reason: str) -> asyncpg.Record:
        moved = await self.records.move(
            transaction_id,
            TransactionStatus.FAILED,
            reason,
            event_type="transaction.failed",
            only_from=frozenset({TransactionStatus.PROCESSING}),
        )
        return moved or await self._current(transaction_id)

    async def _current(self, transaction_id: uuid.UUID) -> asyncpg.Record:
        row = await self.records.get(transaction_id)
        assert row is not None
        return row

    # --- payments: capture and void -------------------------------------------------------------

    async def capture(
        self, principal: Principal, transaction_id: uuid.UUID, amount_minor: int | None
    ) -> dict[str, Any]:
        row = await self._payment(principal, transaction_id)
        if amount_minor is not None and amount_minor > row["amount_minor"]:
            raise invalid("amount", "is more than was authorised", "amount_exceeds_authorisation")
        try:
            result = await self._ledger.post_pending(
                derived_id(transaction_id, "capture"), transaction_id, amount_minor
            )
        except PendingTransferNotFoundError:
            raise TRANSACTION_NOT_FOUND from None
        captured = amount_minor if amount_minor is not None else row["amount_minor"]
        return await self._finish_hold(row, result, TransactionStatus.COMPLETED, captured)

    async def void(self, principal: Principal, transaction_id: uuid.UUID) -> dict[str, Any]:
        row = await self._payment(principal, transaction_id)
        try:
            result = await self._ledger.void_pending(derived_id(transaction_id, "void"), transaction_id)
        except PendingTransferNotFoundError:
            raise TRANSACTION_NOT_FOUND from None
        return await self._finish_hold(row, result, TransactionStatus.FAILED, None)

    async def _payment(self, principal: Principal, transaction_id: uuid.UUID) -> asyncpg.Record:
        row = await self._visible(principal, transaction_id)
        if row["from_account_id"] is not None:
            await self._directory.owned_account(principal, row["from_account_id"])
        if row["kind"] != TransactionKind.PAYMENT.value:
            raise ServiceFailure(409, "not_a_payment", "only a payment authorisation can be captured or voided")
        if row["status"] == TransactionStatus.PENDING_REVIEW.value:
            raise ServiceFailure(409, "under_review", "the payment is held for a fraud review")
        return row

    async def _finish_hold(
        self, row: asyncpg.Record, result: CommandResult, status: TransactionStatus, captured: int | None
    ) -> dict[str, Any]:
        transaction_id = row["transaction_id"]
        if not result.accepted:
            if result.reason == RejectReason.PENDING_EXPIRED.value:
                await self.refresh(row)
            if result.reason == RejectReason.DUPLICATE_ID_CONFLICT.value:
                raise ServiceFailure(409, "idempotency_conflict", "the payment was already captured differently")
            raise ServiceFailure(409, result.reason or "rejected", f"the authorisation cannot change: {result.reason}")
        reason = reason_of_ledger(result.status, None) if status is TransactionStatus.FAILED else None
        moved = await self.records.move(
            transaction_id, status, reason, captured_minor=captured, only_from=frozenset({TransactionStatus.PENDING})
        )
        return transaction_view(moved or await self._current(transaction_id))

    # --- fraud review -----------------------------------------------------------------------------

    async def decide_review(self, principal: Principal, transaction_id: uuid.UUID, approve: bool) -> dict[str, Any]:
        """An analyst's decision on a movement held for review: let it go on, or void its hold."""
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin may decide a fraud review")
        row = await self.records.get(transaction_id)
        if row is None:
            raise TRANSACTION_NOT_FOUND
        if row["status"] != TransactionStatus.PENDING_REVIEW.value:
            return transaction_view(await self.refresh(row))
        kind = TransactionKind(row["kind"])
        if not approve:
            result = await self._ledger.void_pending(derived_id(transaction_id, "void"), transaction_id)
            status, reason = TransactionStatus.FAILED, REVIEW_REJECTED_REASON
        elif kind is TransactionKind.PAYMENT:  # the hold is the authorisation: it now waits for capture
            result, status, reason = None, TransactionStatus.PENDING, None
        else:
            result = await self._ledger.post_pending(derived_id(transaction_id, "capture"), transaction_id)
            status = status_of_ledger(result.status)
            if kind is TransactionKind.EXTERNAL_OUT and status is TransactionStatus.COMPLETED:
                status = TransactionStatus.PENDING  # towards the rails, which answer later
            reason = reason_of_ledger(result.status, result.reason)
        if result is not None and not result.accepted:
            return transaction_view(await self.refresh(row))
        moved = await self.records.move(
            transaction_id,
            status,
            reason,
            event_type="transaction.failed" if status is TransactionStatus.FAILED else None,
            only_from=frozenset({TransactionStatus.PENDING_REVIEW}),
        )
        return transaction_view(moved or await self._current(transaction_id))

    # --- reversal -------------------------------------------------------------------------------

    async def _reversible(self, transaction_id: uuid.UUID) -> asyncpg.Record:
        """The transaction's row, if a reversal can undo it; else the refusal."""
        original = await self.records.get(transaction_id)
        if original is None:
            raise TRANSACTION_NOT_FOUND
        if original["status"] == TransactionStatus.REVERSED.value:
            raise ServiceFailure(409, "already_reversed", "this transaction was reversed already")
        if TransactionKind(original["kind"]) not in REVERSIBLE_KINDS:
            raise ServiceFailure(409, "not_reversible", f"a {original['kind']} cannot be reversed")
        if original["status"] != TransactionStatus.COMPLETED.value:
            raise ServiceFailure(409, "not_reversible", "only a completed transaction can be reversed")
        return original

    async def reverse(
        self,
        principal: Principal,
        transaction_id: uuid.UUID,
        reason: str,
        reversal_id: uuid.UUID,
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """Undo a completed movement with the opposite entry. Under four eyes (the policy of
        transaction.reverse), the maker's call opens a request and answers {"approval": …}; the
        checker's approval calls again with `approved`, and the reversal is made."""
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin may reverse a transaction")
        original = await self._reversible(transaction_id)
        currency = original["currency"].strip()
        amount = original["captured_minor"] or original["amount_minor"]
        if approved is None:
            governing = await approvals.policy(self.records.pool, AuditAction.TRANSACTION_REVERSE)
            if governing is not None and governing.required:
                opened = await approvals.open_request(
                    self.records.pool,
                    governing,
                    approval_id_for(AuditAction.TRANSACTION_REVERSE, reversal_id),
                    ("transaction", str(transaction_id)),
                    {"transaction_id": str(transaction_id), "reason": reason, "reversal_id": str(reversal_id)},
                    f"Reverse the {original['kind'].lower()} of {format_amount(amount, currency)} {currency}",
                    principal,
                    reason,
                    origin,
                )
                return {"approval": request_view(opened, datetime.now(UTC))}
        source, destination = original["from_account_id"], original["to_account_id"]
        draft = Draft(
            reversal_id,
            TransactionKind.REVERSAL,
            destination,
            source,
            amount,
            currency,
            reason,
            None,
            principal.user_id,
            reversal_of=transaction_id,
        )
        try:
            row, created = await self.records.create(draft, TransactionStatus.PROCESSING)
        except asyncpg.UniqueViolationError:
            raise ServiceFailure(409, "already_reversed", "this transaction is being or was reversed") from None
        if not created and row["fingerprint"] != draft.fingerprint():
            raise ServiceFailure(409, "idempotency_conflict", "this idempotency key was used for another request")
        kind = TransactionKind(original["kind"])
        command: Command
        # The bank takes the money back: it counts against no customer's daily limit.
        if kind is TransactionKind.DEPOSIT:
            command = Withdrawal(reversal_id, destination, amount, currency, counts_toward_daily_limit=False)
        elif kind is TransactionKind.WITHDRAWAL:
            command = Deposit(reversal_id, source, amount, currency)
        else:
            payee = destination or self._ledger.settlement_account_id(source, currency)
            command = Transfer(reversal_id, payee, source, amount, currency, counts_toward_daily_limit=False)
        result = await self._ledger.execute(command)
        status = status_of_ledger(result.status)
        moved = await self.records.move(
            reversal_id,
            status,
            reason_of_ledger(result.status, result.reason),
            only_from=frozenset({TransactionStatus.PROCESSING}),
        )
        if status is TransactionStatus.COMPLETED:
            await self.records.move(
                transaction_id,
                TransactionStatus.REVERSED,
                None,
                event_type="transaction.reversed",
                only_from=frozenset({TransactionStatus.COMPLETED}),
            )
        reversed_ = status is TransactionStatus.COMPLETED
        entry = done_by(
            principal,
            origin,
            AuditAction.TRANSACTION_REVERSE,
            ("transaction", str(transaction_id)),
            {"status": original["status"]},
            {
                "status": TransactionStatus.REVERSED.value if reversed_ else original["status"],
                "reversal_id": str(reversal_id),
                **({} if approved is None else approved.audit_fields()),
            },
            reason,
            AuditOutcome.SUCCESS if reversed_ else AuditOutcome.FAILURE,
        )
        # The ledger committed the reversal in its journal; its record follows, once per reversal id.
        await append_alone(self.records.pool, entry, uuid.uuid5(reversal_id, AuditAction.TRANSACTION_REVERSE.value))
        return transaction_view(moved or await self._current(reversal_id))

    # --- batches --------------------------------------------------------------------------------

    async def transfer_batch(
        self, principal: Principal, movements: Sequence[Movement], transaction_ids: Sequence[uuid.UUID]
    ) -> dict[str, Any]:
        """Each transfer with its own result, in one pass: checks, one insert, one ledger batch, one update."""
        assert 0 < len(movements) <= MAX_BATCH_TRANSFERS, "a batch is one ledger call: the route bounds it"
        assert len(transaction_ids) == len(movements)
        seen: dict[uuid.UUID, AccountRecord] = {}
        numbers: dict[str, uuid.UUID] = {}
        checked: list[Movement] = []
        for position, requested in enumerate(movements):
            try:
                movement = await self.resolved(requested, numbers)
                await self.check_movement(principal, movement, seen)
            except ServiceFailure as refusal:
                failure = refusal.failure
                raise ServiceFailure(
                    failure.status, failure.code, f"transfers[{position}]: {failure.message}"
                ) from None
            checked.append(movement)
        movements = checked
        sources = list({movement.account_id for movement in movements})
        available = {
            account_id: None if balance is None else balance.available_minor
            for account_id, balance in zip(sources, await self._ledger.balances(sources), strict=True)
        }
        assessments = await self._scorer.assess_many(
            [
                _scoring_request(movement, transaction_id, principal.user_id, available[movement.account_id])
                for movement, transaction_id in zip(movements, transaction_ids, strict=True)
            ]
        )
        drafts = [
            _draft(movement, transaction_id, principal.user_id)
            for movement, transaction_id in zip(movements, transaction_ids, strict=True)
        ]
        rows = await self.records.create_many(
            drafts, [(a.verdict.value, a.score, list(a.reasons)) for a in assessments]
        )
        for position, (row, draft) in enumerate(zip(rows, drafts, strict=True)):
            if row["fingerprint"] != draft.fingerprint():
                raise ServiceFailure(
                    409, "idempotency_conflict", f"transfers[{position}]: this id was used for another request"
                )
        batch = _Batch(movements, transaction_ids, rows)
        self._admit(batch)
        commands = [self._command(movements[p], transaction_ids[p], _held_for_review(rows[p])) for p in batch.runnable]
        results = await self._ledger.execute_many(commands) if commands else []
        for position, result in zip(batch.runnable, results, strict=True):
            status = status_of_ledger(result.status, held_for_review=_held_for_review(rows[position]))
            event = "transaction.processing" if status is TransactionStatus.PENDING_REVIEW else None
            batch.settle(transaction_ids[position], status, reason_of_ledger(result.status, result.reason), event)
        moved = {row["transaction_id"]: row for row in await self.records.move_many(batch.outcomes)}
        return {"items": [transaction_view(row) for row in await self._settled(rows, moved)]}

    async def _settled(
        self, recorded: Sequence[asyncpg.Record], moved: dict[uuid.UUID, asyncpg.Record]
    ) -> list[asyncpg.Record]:
        """The batch's rows as they are now: as this call moved them, else read again (another
        writer, the projector or a concurrent retry, may have moved them first)."""
        stale = [row["transaction_id"] for row in recorded if row["transaction_id"] not in moved]
        fresh = dict(zip(stale, await self.records.many(stale), strict=True)) if stale else {}
        return [moved.get(row["transaction_id"]) or fresh[row["transaction_id"]] for row in recorded]

    def _admit(self, batch: _Batch) -> None:
        """Decide which recorded transfers go to the ledger: those still processing (a retried
        batch's settled ones are answered as recorded) and not blocked by the stored verdict.
        The ledger decides the rest, funds and daily limit alike, in the batch's order."""
        for position, row in enumerate(batch.rows):
            transaction_id = batch.transaction_ids[position]
            if TransactionStatus(row["status"]) is not TransactionStatus.PROCESSING:
                continue
            if _blocked(row):
                batch.settle(transaction_id, TransactionStatus.FAILED, "fraud_blocked", "transaction.failed")
            else:
                batch.runnable.append(position)

    # --- reads ----------------------------------------------------------------------------------

    async def get(self, principal: Principal, transaction_id: uuid.UUID) -> dict[str, Any]:
        row = await self.refresh(await self._visible(principal, transaction_id))
        return transaction_view(row, await self.records.history(transaction_id))

    async def _visible(self, principal: Principal, transaction_id: uuid.UUID) -> asyncpg.Record:
        row = await self.records.get(transaction_id)
        if row is None:
            raise TRANSACTION_NOT_FOUND
        if principal.is_staff:
            return row
        for account_id in (row["from_account_id"], row["to_account_id"]):
            if account_id is None:
                continue
            try:
                await self._directory.readable_account(principal, account_id)
            except ServiceFailure:
                continue
            return row
        raise TRANSACTION_NOT_FOUND

    async def refresh(self, row: asyncpg.Record) -> asyncpg.Record:
        """Bring an unsettled transaction up to its ledger transfer (a hold expired, a saga ended)."""
        status = TransactionStatus(row["status"])
        if status not in UNSETTLED or row["kind"] in (TransactionKind.EXTERNAL_IN, TransactionKind.EXTERNAL_OUT):
            return row
        record = await self._ledger.transfer_record(row["transaction_id"])
        if record is None or record.settling or record.status is TransferStatus.PENDING:
            return row
        new_status = status_of_ledger(record.status)
        if new_status is status:
            return row
        captured = record.posted_minor if record.posted_minor is not None and record.kind == "PENDING" else None
        reason = reason_of_settlement(status, record.status, record.reason)
        moved = await self.records.move(
            row["transaction_id"],
            new_status,
            reason,
            event_type=event_of_settlement(new_status, reason, TransactionKind(row["kind"])),
            captured_minor=captured,
            only_from=frozenset({status}),
        )
        return moved or await self._current(row["transaction_id"])

    async def of_account(
        self, principal: Principal, account_id: uuid.UUID, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        await self._directory.readable_account(principal, account_id)
        after: tuple[datetime, uuid.UUID] | None = None
        if cursor is not None:
            try:
                after = decode_time_keyset(cursor)
            except CursorError:
                raise invalid("cursor", "is not one this API returned") from None
        rows = await self.records.of_account(account_id, limit + 1, after)
        page = [await self.refresh(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_time_keyset(last["created_at"], last["transaction_id"])
        return {"items": [transaction_view(row) for row in page], "next_cursor": next_cursor}


@dataclass
class _Batch:
    movements: Sequence[Movement]
    transaction_ids: Sequence[uuid.UUID]
    rows: list[asyncpg.Record]
    runnable: list[int] = field(default_factory=list)
    outcomes: list[StatusMove] = field(default_factory=list)

    def settle(
        self, transaction_id: uuid.UUID, status: TransactionStatus, reason: str | None, event_type: str | None
    ) -> None:
        """A recorded transfer's outcome, moved from PROCESSING with the others once all are known."""
        move = StatusMove(
            transaction_id=transaction_id,
            from_status=TransactionStatus.PROCESSING,
            status=status,
            reason=reason,
            event_type=event_type,
        )
        self.outcomes.append(move)


def _blocked(row: asyncpg.Record) -> bool:
    """By the verdict stored with the row, so that a retried batch decides as the first attempt did."""
    return bool(row["fraud_verdict"] == Verdict.BLOCK.value)


def _held_for_review(row: asyncpg.Record) -> bool:
    return bool(row["fraud_verdict"] == Verdict.REVIEW.value)


def _scoring_request(
    movement: Movement, transaction_id: uuid.UUID, user_id: uuid.UUID, balance_minor: int | None
) -> ScoringRequest:
    return ScoringRequest(
        transaction_id,
        movement.kind.value,
        movement.account_id,
        movement.counterparty_account_id,
        movement.amount_minor,
        movement.currency,
        user_id,
        counterparty=movement.counterparty,
        balance_minor=balance_minor,
    )


def _draft(movement: Movement, transaction_id: uuid.UUID, user_id: uuid.UUID) -> Draft:
    incoming = movement.kind in (TransactionKind.DEPOSIT, TransactionKind.EXTERNAL_IN)
    return Draft(
        transaction_id,
        movement.kind,
        None if incoming else movement.account_id,
        movement.account_id if incoming else movement.counterparty_account_id,
        movement.amount_minor,
        movement.currency,
        movement.description,
        movement.counterparty,
        user_id,
    )


def _stored_assessment(row: asyncpg.Record) -> Assessment | None:
    if row["fraud_verdict"] is None:
        return None
    return Assessment(Verdict(row["fraud_verdict"]), row["fraud_score"], tuple(_json_list(row["fraud_reasons"])))

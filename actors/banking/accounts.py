"""Accounts on behalf of a person: open (KYC approved only), read, balance from the account's
actor, freeze/unfreeze (support/admin), close (zero balance), daily limits (admin) and
statements. Every write goes through LedgerClient."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

import asyncpg

from actors import approvals
from actors.audit import append_alone
from actors.banking.directory import ACCOUNT_NOT_FOUND, Directory
from actors.banking.records import TransactionRecords
from actors.banking.transactions import MoneyRules, invalid
from actors.ledger.client import AccountRecord, LedgerClient
from models.approvals import Approved, approval_id_for, request_view
from models.audit import AuditAction, AuditOrigin, AuditValue, done_by
from models.failures import ServiceFailure
from models.freezes import FreezeReason, unfreeze_needs_checker
from models.identity import Principal, Role
from models.ledger.commands import OpenAccount, StatusAction
from models.ledger.results import AccountBalance
from models.ledger.types import CUSTOMER_ACCOUNT_TYPES, AccountType, RejectReason, derived_id
from models.money import format_amount, is_known_currency
from models.statements import MAX_STATEMENT_LINES, Statement, StatementLine, period_problem

KYC_APPROVED: Final = "APPROVED"
_STATUS_ACTIONS: Final = {
    "freeze": StatusAction.FREEZE,
    "unfreeze": StatusAction.UNFREEZE,
    "close": StatusAction.CLOSE,
}
_STATUS_AUDIT_ACTIONS: Final = {
    StatusAction.FREEZE: AuditAction.ACCOUNT_FREEZE,
    StatusAction.UNFREEZE: AuditAction.ACCOUNT_UNFREEZE,
    StatusAction.CLOSE: AuditAction.ACCOUNT_CLOSE,
}
_KIND_LABELS: Final = {
    "DEPOSIT": "Deposit",
    "WITHDRAWAL": "Withdrawal",
    "TRANSFER": "Transfer",
    "SAGA_DEBIT": "Transfer out",
    "SAGA_CREDIT": "Transfer in",
    "SAGA_REFUND": "Transfer refunded",
    "POST": "Card payment",
}


def account_view(record: AccountRecord, balance: AccountBalance | None) -> dict[str, Any]:
    currency = record.currency
    daily_limit_minor = None if balance is None else balance.daily_limit_minor
    return {
        "account_id": str(record.account_id),
        "number": record.number,
        "customer_id": None if record.customer_id is None else str(record.customer_id),
        "account_type": record.account_type.value,
        "currency": currency,
        "status": None if balance is None else balance.status.value,
        "balance": format_amount(0 if balance is None else balance.balance_minor, currency),
        "available_balance": format_amount(0 if balance is None else balance.available_minor, currency),
        "held": format_amount(0 if balance is None else balance.held_minor, currency),
        "overdraft_limit": format_amount(0 if balance is None else balance.overdraft_limit_minor, currency),
        "daily_outgoing_limit": format_amount(daily_limit_minor or 0, currency),
        "opened_at": record.opened_at.isoformat(),
    }


class AccountService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ledger: LedgerClient,
        directory: Directory,
        records: TransactionRecords,
        rules: MoneyRules,
    ) -> None:
        self._pool = pool
        self._ledger = ledger
        self._directory = directory
        self._records = records
        self._rules = rules

    async def open(
        self,
        principal: Principal,
        account_type: str,
        currency: str,
        command_id: uuid.UUID,
        customer_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        kind = AccountType(account_type)
        if kind not in CUSTOMER_ACCOUNT_TYPES:
            raise invalid("account_type", "must be CHECKING or SAVINGS")
        if not is_known_currency(currency):
            raise invalid("currency", f"{currency!r} is not an ISO 4217 currency code")
        owner = await self._owner_for_opening(principal, customer_id)
        account_id = derived_id(command_id, "account")
        command = OpenAccount(
            command_id, account_id, kind, currency, owner, debit_limit_minor=self._rules.max_transfer_minor(currency)
        )
        result = await self._ledger.execute(command)
        if result.reason == RejectReason.DUPLICATE_ID_CONFLICT.value:
            raise ServiceFailure(409, "idempotency_conflict", "this idempotency key opened a different account")
        if not result.accepted:
            raise ServiceFailure(422, result.reason or "rejected", f"the account cannot be opened: {result.reason}")
        return await self.get(principal, account_id)

    async def _owner_for_opening(self, principal: Principal, customer_id: uuid.UUID | None) -> uuid.UUID:
        if customer_id is not None and not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin opens an account for another customer")
        if customer_id is None:
            standing = await self._directory.standing(principal.user_id)
            if standing is None:
                raise ServiceFailure(403, "kyc_required", "create your customer profile and pass KYC first")
        else:
            standing = await self._directory.standing_of_customer(customer_id)
            if standing is None:
                raise ServiceFailure(404, "not_found", "no such customer")
        if standing.kyc_status != KYC_APPROVED:
            raise ServiceFailure(403, "kyc_required", f"KYC must be approved first (it is {standing.kyc_status})")
        return standing.customer_id

    async def get(self, principal: Principal, account_id: uuid.UUID) -> dict[str, Any]:
        record = await self._directory.readable_account(principal, account_id)
        return account_view(record, await self._ledger.balance(account_id))

    async def lookup(self, principal: Principal, number: str) -> dict[str, Any]:
        """Whom a number pays, before paying it: the holder's display name and the currency, nothing else."""
        payable = await self._directory.payable(number)
        return {
            "number": payable.record.number,
            "holder_name": payable.holder_name,
            "currency": payable.record.currency,
        }

    async def of_user(self, principal: Principal, user_id: uuid.UUID) -> dict[str, Any]:
        if user_id != principal.user_id and not principal.is_staff:
            raise ServiceFailure(404, "not_found", "no such user")
        standing = await self._directory.standing(user_id)
        if standing is None:
            return {"items": []}
        records = await self._ledger.accounts_of_customer(standing.customer_id)
        balances = await self._ledger.balances([record.account_id for record in records])
        return {"items": [account_view(record, balance) for record, balance in zip(records, balances, strict=True)]}

    async def balance(self, principal: Principal, account_id: uuid.UUID) -> dict[str, Any]:
        record = await self._directory.readable_account(principal, account_id)
        balance = await self._ledger.balance(account_id)
        if balance is None:
            raise ACCOUNT_NOT_FOUND
        return {
            "account_id": str(account_id),
            "currency": record.currency,
            "balance": format_amount(balance.balance_minor, record.currency),
            "available_balance": format_amount(balance.available_minor, record.currency),
            "held": format_amount(balance.held_minor, record.currency),
            "status": balance.status.value,
            "version": balance.version,
        }

    async def change_status(
        self,
        principal: Principal,
        account_id: uuid.UUID,
        action: str,
        command_id: uuid.UUID,
        origin: AuditOrigin,
        approved: Approved | None = None,
        freeze_reason: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Freeze (with its reason) or unfreeze (support/admin), or close (the owner, or an admin).
        Under four eyes (the policies of account.close, for an admin closing a customer's
        account, and account.unfreeze, for lifting a freeze for fraud) the maker's call opens a
        request and answers {"approval": …}; the checker's approval calls again with `approved`."""
        status_action = _STATUS_ACTIONS[action]
        if status_action is StatusAction.CLOSE:
            record = await self._directory.owned_account(principal, account_id)
        else:
            record = await self._directory.readable_account(principal, account_id)
            if not principal.is_staff:
                raise ServiceFailure(403, "forbidden", "only support or admin may freeze or unfreeze an account")
        before = await self.get(principal, account_id)
        if approved is None:
            asked = await self._ask_for_checker_of(status_action, principal, record, before, command_id, origin)
            if asked is not None:
                return {"approval": asked}
        result = await self._ledger.change_status(command_id, account_id, status_action)
        if not result.accepted:
            reason = result.reason or "rejected"
            conflict = "idempotency_conflict" if reason == RejectReason.DUPLICATE_ID_CONFLICT.value else reason
            raise ServiceFailure(409, conflict, f"the account cannot {action}: {reason}")
        extra = {} if approved is None else approved.audit_fields()
        if status_action is StatusAction.FREEZE:
            why = FreezeReason(freeze_reason or FreezeReason.OTHER)
            await self._pool.execute(
                """INSERT INTO account_freezes (account_id, reason, note, frozen_by) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (account_id) DO UPDATE SET reason = EXCLUDED.reason, note = EXCLUDED.note,
                       frozen_by = EXCLUDED.frozen_by, frozen_at = now()""",
                account_id,
                why.value,
                note,
                principal.user_id,
            )
            extra["freeze_reason"] = why.value
        elif status_action is StatusAction.UNFREEZE:
            await self._pool.execute("DELETE FROM account_freezes WHERE account_id = $1", account_id)
        after = await self.get(principal, account_id)
        await self._audit(
            _STATUS_AUDIT_ACTIONS[status_action],
            principal,
            account_id,
            origin,
            before,
            after,
            command_id,
            extra=extra,
            reason=note,
        )
        return after

    async def _ask_for_checker_of(
        self,
        status_action: StatusAction,
        maker: Principal,
        record: AccountRecord,
        account: dict[str, Any],
        command_id: uuid.UUID,
        origin: AuditOrigin,
    ) -> dict[str, Any] | None:
        """The request for a second admin when a policy governs this change of status, else None."""
        if status_action is StatusAction.CLOSE:
            if not await self._closing_for_someone_else(maker, record, account):
                return None
            governed, summary = AuditAction.ACCOUNT_CLOSE, f"Close account {record.number}"
        elif status_action is StatusAction.UNFREEZE:
            frozen_for = await self._pool.fetchval(
                "SELECT reason FROM account_freezes WHERE account_id = $1", record.account_id
            )
            reason = None if frozen_for is None else FreezeReason(frozen_for)
            if account["status"] != "FROZEN" or not unfreeze_needs_checker(reason):
                return None
            governed, summary = AuditAction.ACCOUNT_UNFREEZE, f"Unfreeze account {record.number}, frozen for fraud"
        else:
            return None
        governing = await approvals.policy(self._pool, governed)
        if governing is None or not governing.governs():
            return None
        opened = await approvals.open_request(
            self._pool,
            governing,
            approval_id_for(governed, command_id),
            ("account", str(record.account_id)),
            {"account_id": str(record.account_id), "command_id": str(command_id)},
            summary,
            maker,
            None,
            origin,
        )
        return request_view(opened, datetime.now(UTC))

    async def _closing_for_someone_else(self, maker: Principal, record: AccountRecord, account: dict[str, Any]) -> bool:
        """Whether staff close a customer's account (not their own). A balance or hold that is not
        zero is refused now, so that nobody is asked to approve what the ledger would refuse."""
        if record.customer_id is not None and record.customer_id == await self._directory.customer_of(maker):
            return False
        zero = format_amount(0, account["currency"])
        if account["status"] == "CLOSED":
            raise ServiceFailure(409, RejectReason.ACCOUNT_CLOSED.value, "the account cannot close: account_closed")
        if account["balance"] != zero or account["held"] != zero:
            reason = RejectReason.BALANCE_NOT_ZERO.value
            raise ServiceFailure(409, reason, f"the account cannot close: {reason} (it is {account['balance']})")
        return True

    async def set_limits(
        self,
        principal: Principal,
        account_id: uuid.UUID,
        daily_limit_minor: int | None,
        overdraft_limit_minor: int | None,
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """An admin sets the daily outgoing limit, the overdraft line, or both. Both are the
        ledger's (its shard decides every movement against them, in the account's turn); a line
        may not be lowered below what the account owes now (409 overdraft_in_use), and a lower
        daily limit leaves what was sent today counted. Under four eyes (the policy of
        account.limits.change, for amounts above its threshold) the maker's call opens a request
        and answers {"approval": …}; the checker's approval calls again with `approved`."""
        if not principal.has_role(Role.ADMIN):
            raise ServiceFailure(403, "forbidden", "only an admin may change an account's limits")
        await self._directory.readable_account(principal, account_id)
        before = await self.get(principal, account_id)
        if approved is None:
            asked = await self._ask_for_checker(
                principal, account_id, before, daily_limit_minor, overdraft_limit_minor, origin
            )
            if asked is not None:
                return {"approval": asked}
        if overdraft_limit_minor is not None:
            result = await self._ledger.set_overdraft(uuid.uuid4(), account_id, overdraft_limit_minor)
            if not result.accepted:
                reason = result.reason or "rejected"
                raise ServiceFailure(409, reason, f"the overdraft line cannot be set: {reason}")
        if daily_limit_minor is not None:
            result = await self._ledger.set_daily_limit(uuid.uuid4(), account_id, daily_limit_minor)
            if not result.accepted:
                reason = result.reason or "rejected"
                raise ServiceFailure(409, reason, f"the daily limit cannot be set: {reason}")
        after = await self.get(principal, account_id)
        approval_fields = {} if approved is None else approved.audit_fields()
        await self._audit(
            AuditAction.ACCOUNT_LIMITS_CHANGE, principal, account_id, origin, before, after, extra=approval_fields
        )
        return after

    async def _ask_for_checker(
        self,
        maker: Principal,
        account_id: uuid.UUID,
        account: dict[str, Any],
        daily_limit_minor: int | None,
        overdraft_limit_minor: int | None,
        origin: AuditOrigin,
    ) -> dict[str, Any] | None:
        """The request for a second admin when the policy governs these limits, else None."""
        governing = await approvals.policy(self._pool, AuditAction.ACCOUNT_LIMITS_CHANGE)
        currency = account["currency"]
        asked = {"daily outgoing limit": daily_limit_minor, "overdraft line": overdraft_limit_minor}
        amounts = {name: Decimal(format_amount(minor, currency)) for name, minor in asked.items() if minor is not None}
        if governing is None or not governing.governs(amounts.values()):
            return None
        described = " and ".join(f"the {name} to {amount} {currency}" for name, amount in amounts.items())
        opened = await approvals.open_request(
            self._pool,
            governing,
            uuid.uuid4(),
            ("account", str(account_id)),
            {
                "account_id": str(account_id),
                "daily_limit_minor": daily_limit_minor,
                "overdraft_limit_minor": overdraft_limit_minor,
            },
            f"Set {described} on account {account['number']}",
            maker,
            None,
            origin,
        )
        return request_view(opened, datetime.now(UTC))

    async def _audit(
        self,
        action: AuditAction,
        principal: Principal,
        account_id: uuid.UUID,
        origin: AuditOrigin,
        before: dict[str, Any],
        after: dict[str, Any],
        command_id: uuid.UUID | None = None,
        extra: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        """The audit record of a change the ledger has committed (its journal is another
        transaction than the trail's, so the record follows the commit). A command repeated
        with its id is recorded once."""
        fields = ("status", "daily_outgoing_limit", "overdraft_limit")
        was: dict[str, AuditValue] = {name: before[name] for name in fields}
        now: dict[str, AuditValue] = {name: after[name] for name in fields} | (extra or {})
        entry = done_by(principal, origin, action, ("account", str(account_id)), was, now, reason)
        audit_id = None if command_id is None else uuid.uuid5(command_id, action.value)
        await append_alone(self._pool, entry, audit_id)

    async def statement(self, principal: Principal, account_id: uuid.UUID, start: date, end: date) -> Statement:
        record = await self._directory.readable_account(principal, account_id)
        if problem := period_problem(start, end):
            raise invalid("to", problem)
        begin = datetime.combine(start, time.min, UTC)
        finish = datetime.combine(end + timedelta(days=1), time.min, UTC)
        opening, items, cut = await self._ledger.postings_between(
            account_id, begin, finish, max_items=MAX_STATEMENT_LINES
        )
        if cut:
            raise invalid("to", f"more than {MAX_STATEMENT_LINES} entries: ask for a shorter period")
        described = await self._records.descriptions([item.transfer_id for item in items if item.transfer_id])
        lines = tuple(
            StatementLine(
                item.created_at,
                item.transfer_id,
                item.kind,
                described.get(item.transfer_id) or _KIND_LABELS.get(item.kind, item.kind.title())
                if item.transfer_id
                else _KIND_LABELS.get(item.kind, item.kind.title()),
                item.amount_minor,
                item.balance_after_minor,
            )
            for item in items
        )
        closing = lines[-1].balance_after_minor if lines else opening
        return Statement(
            account_id,
            record.number,
            record.account_type.value,
            record.currency,
            await self._directory.holder_name(record.customer_id),
            start,
            end,
            opening,
            lines,
            closing,
        )

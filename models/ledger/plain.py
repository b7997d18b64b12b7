"""The hot path: a plain transfer, decided and applied in one step.

A plain transfer moves money between two active customer accounts of one shard, in their
currency, with no hold and no metadata: nearly every transfer a bank makes. The general
rules (`decide`, then `apply_entry`) build a Decision, a JournalEntry, its Legs and Postings
for it; this does the same checks and the same changes without them, at a third of the cost.

It accepts exactly what `decide` would accept as such a transfer and leaves the ledger
exactly as `apply_entry` would (tests/test_ledger_plain.py holds it to both). Anything else,
every rejection included, returns None and goes the general way.
"""

from __future__ import annotations

from models.ledger.commands import Transfer
from models.ledger.routing import shard_of
from models.ledger.state import Account, Overlay
from models.ledger.types import AccountStatus, AccountType
from models.ledger.view import DailyLimits
from models.money import MAX_AMOUNT_MINOR, is_known_currency

_ACTIVE = AccountStatus.ACTIVE
_CHECKING = AccountType.CHECKING
_SAVINGS = AccountType.SAVINGS


def _plain_party(account: Account | None, currency: str) -> bool:
    return (
        account is not None
        and account.status is _ACTIVE
        and account.currency == currency
        and (account.account_type is _CHECKING or account.account_type is _SAVINGS)
    )


def apply_plain_transfer(
    overlay: Overlay, command: Transfer, shard_index: int, shard_count: int, day: int, limits: DailyLimits
) -> tuple[Account, Account] | None:
    """Apply `command` if it is a plain transfer the rules accept on `day`; the debit and credit
    accounts as they are after it, or None (nothing changed) if it needs the general rules."""
    amount, currency = command.amount_minor, command.currency
    debit_id, credit_id = command.debit_account_id, command.credit_account_id
    if not command.is_plain or debit_id == credit_id:
        return None
    if not (0 < amount <= MAX_AMOUNT_MINOR and is_known_currency(currency)):
        return None
    if shard_count != 1:
        assert shard_of(debit_id, shard_count) == shard_index, "a transfer is decided on its debit account's shard"
        if shard_of(credit_id, shard_count) != shard_index:
            return None
    debit, credit = overlay.account(debit_id), overlay.account(credit_id)
    if not (_plain_party(debit, currency) and _plain_party(credit, currency)):
        return None
    assert debit is not None and credit is not None
    if amount > debit.debit_limit_minor or debit.spendable_minor < amount:
        return None
    counted_minor = debit.counted_on(day)
    if counted_minor + amount > limits.of(debit):
        return None
    debit, credit = overlay.account_for_update(debit_id), overlay.account_for_update(credit_id)
    debit.balance_minor -= amount
    debit.version += 1
    debit.counted_day, debit.counted_minor = day, counted_minor + amount
    credit.balance_minor += amount
    credit.version += 1
    assert debit.spendable_minor >= 0, "a customer account never holds more than it has and may borrow"
    return debit, credit

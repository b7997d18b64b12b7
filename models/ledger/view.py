"""The view a shard's decisions see: its overlay state plus the facts of where it stands."""

from __future__ import annotations

import uuid
from typing import Final

from models.ledger.routing import internal_account_id, shard_of
from models.ledger.state import Account, Hold, Overlay
from models.ledger.types import AccountType
from models.money import minor_units

# What may leave a customer account per UTC day unless an admin set its own limit, in major
# units of its currency (the settings' default; a shard is given the deployment's figure).
DEFAULT_DAILY_LIMIT_UNITS: Final = 50_000


class DailyLimits:
    """The bank's default daily limit in each currency's minor units (computed once per currency:
    the plain path asks for it per transfer)."""

    def __init__(self, default_units: int = DEFAULT_DAILY_LIMIT_UNITS) -> None:
        assert default_units >= 0
        self.default_units = default_units
        self._minor: dict[str, int] = {}

    def default_minor(self, currency: str) -> int:
        minor = self._minor.get(currency)
        if minor is None:
            minor = self._minor[currency] = self.default_units * 10 ** minor_units(currency)
        return minor

    def of(self, account: Account) -> int:
        """What may leave `account` per day: its own limit, else the default."""
        own = account.daily_limit_minor
        return self.default_minor(account.currency) if own is None else own


class ShardView:
    """Implements decide.LedgerView for shard `shard_index` of `shard_count`, at time `now_ms`."""

    def __init__(
        self, overlay: Overlay, shard_index: int, shard_count: int, now_ms: int, limits: DailyLimits | None = None
    ) -> None:
        self._overlay = overlay
        self.shard_index = shard_index
        self.shard_count = shard_count
        self.now_ms = now_ms
        self.limits = DailyLimits() if limits is None else limits

    @property
    def account_sequence(self) -> int:
        return self._overlay.account_sequence

    def account(self, account_id: uuid.UUID) -> Account | None:
        return self._overlay.account(account_id)

    def hold(self, pending_id: uuid.UUID) -> Hold | None:
        return self._overlay.hold(pending_id)

    def is_local(self, account_id: uuid.UUID) -> bool:
        return shard_of(account_id, self.shard_count) == self.shard_index

    def internal_account_id(self, account_type: AccountType, currency: str) -> uuid.UUID:
        return internal_account_id(self.shard_index, self.shard_count, account_type, currency)

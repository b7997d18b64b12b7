"""The view a shard's decisions see: its overlay state plus the facts of where it stands."""

from __future__ import annotations

import uuid

from models.ledger.routing import internal_account_id, shard_of
from models.ledger.state import Account, Hold, Overlay
from models.ledger.types import AccountType


class ShardView:
    """Implements decide.LedgerView for shard `shard_index` of `shard_count`, at time `now_ms`."""

    def __init__(self, overlay: Overlay, shard_index: int, shard_count: int, now_ms: int) -> None:
        self._overlay = overlay
        self.shard_index = shard_index
        self.shard_count = shard_count
        self.now_ms = now_ms

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

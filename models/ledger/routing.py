"""Which shard hosts an account: a stable hash of the account id, and the shards' own
internal accounts, whose ids are chosen so that they hash to their shard.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

from models.ledger.types import AccountType, derived_id

MAX_INTERNAL_ID_ATTEMPTS = 100_000


def shard_of(account_id: uuid.UUID, shard_count: int) -> int:
    """The shard hosting `account_id`; the same for the same id and count, on every machine."""
    if shard_count == 1:
        return 0
    digest = hashlib.blake2b(account_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big") % shard_count


@lru_cache(maxsize=4096)
def internal_account_id(shard: int, shard_count: int, account_type: AccountType, currency: str) -> uuid.UUID:
    """The id of shard `shard`'s internal account of that type and currency (deterministic)."""
    assert 0 <= shard < shard_count
    for attempt in range(MAX_INTERNAL_ID_ATTEMPTS):
        candidate = derived_id("internal", account_type, currency, shard_count, shard, attempt)
        if shard_of(candidate, shard_count) == shard:
            return candidate
    raise AssertionError("no internal account id hashes to the shard")  # probability ~ 0 for sane counts

"""The account behaviour the features need, kept in memory: what the Redis velocity store
(actors/fraud/velocity.py) keeps online, with the same windows and bounds, for replaying a
history offline (training, evaluation). Pure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from models.fraud.features import DAY_MS, MAX_VELOCITY_EVENTS, Behaviour, RecentMovements


@dataclass
class _Account:
    recent: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=MAX_VELOCITY_EVENTS))
    count: int = 0
    total_minor: int = 0
    payees: dict[str, int] = field(default_factory=dict)


class BehaviourTracker:
    """Feed movements in time order; ask for an account's behaviour before each one."""

    def __init__(self) -> None:
        self._accounts: dict[str, _Account] = {}
        self._payers: dict[str, dict[str, int]] = {}  # payee → payer → last time it paid

    def behaviour(self, account: str, payee: str | None, at_ms: int, balance_minor: int | None) -> Behaviour:
        state = self._accounts.get(account) or _Account()
        while state.recent and state.recent[0][0] <= at_ms - DAY_MS:
            state.recent.popleft()
        payers = self._payers.get(payee or "", {})
        return Behaviour(
            recent=RecentMovements.of(state.recent),
            lifetime_count=state.count,
            lifetime_sum_minor=state.total_minor,
            counterparty_first_seen_ms=state.payees.get(payee or ""),
            balance_minor=balance_minor,
            destination_payers_24h=sum(1 for paid_at in payers.values() if paid_at > at_ms - DAY_MS),
        )

    def record(self, account: str, payee: str | None, amount_minor: int, at_ms: int) -> None:
        state = self._accounts.setdefault(account, _Account())
        state.recent.append((at_ms, amount_minor))
        state.count += 1
        state.total_minor += amount_minor
        if payee:
            state.payees.setdefault(payee, at_ms)
            self._payers.setdefault(payee, {})[account] = at_ms

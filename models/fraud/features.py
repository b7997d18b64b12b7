"""The fraud features: ONE definition, used by the online scorer and by the training
pipeline, so that what a model learnt on is exactly what it is shown in service. Pure.

A feature vector describes one movement against the recent behaviour of its account:
how its amount compares with the account's usual amounts, when it happens, whether the
counterparty is new, how fast money has been leaving (velocity over 1 minute, 1 hour and
24 hours), how much of the balance it drains, and how many accounts paid the destination
lately (fan-in: mules collect from many).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Final

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS
# Movements remembered per account for velocity (a bound: older or extra ones are forgotten).
MAX_VELOCITY_EVENTS: Final = 2_000

FEATURE_NAMES: Final = (
    "log_amount",
    "amount_vs_average",
    "hour_of_day",
    "is_night",
    "new_counterparty",
    "counterparty_age_days",
    "count_1m",
    "count_1h",
    "count_24h",
    "log_sum_1h",
    "log_sum_24h",
    "drained_fraction",
    "destination_fan_in_24h",
    "kind_transfer",
    "kind_withdrawal",
    "kind_payment",
    "kind_external",
)


@dataclass(frozen=True)
class Movement:
    """What is being scored."""

    kind: str  # TRANSFER, WITHDRAWAL, PAYMENT, EXTERNAL_OUT…
    amount_minor: int
    at_ms: int
    counterparty: str | None  # the destination account, merchant or external account


class RecentMovements:
    """An account's earlier outgoing movements, (at_ms, amount_minor) in time order, with their
    running sums: a window's count and sum take two binary searches, not a pass. A batch scores
    thousands of one account's movements, each against up to MAX_VELOCITY_EVENTS of them (a pass
    each cost 8 s of an 8,190-transfer batch), and its observations share one account's arrays."""

    __slots__ = ("_start", "_stop", "_sums_minor", "_times_ms")

    def __init__(self, times_ms: Sequence[int], sums_minor: Sequence[int], start: int, stop: int) -> None:
        assert len(sums_minor) == len(times_ms) + 1, "a running sum before each movement and after the last"
        assert 0 <= start <= stop <= len(times_ms)
        self._times_ms = times_ms
        self._sums_minor = sums_minor
        self._start = start
        self._stop = stop

    @classmethod
    def of(cls, movements: Iterable[tuple[int, int]]) -> RecentMovements:
        """From (at_ms, amount_minor) pairs in any order."""
        ordered = sorted(movements)
        times_ms = [at_ms for at_ms, _ in ordered]
        return cls(times_ms, list(accumulate((amount for _, amount in ordered), initial=0)), 0, len(times_ms))

    def after(self, bound_ms: int) -> RecentMovements:
        """The movements later than `bound_ms`, sharing these arrays."""
        start = bisect_right(self._times_ms, bound_ms, self._start, self._stop)
        return RecentMovements(self._times_ms, self._sums_minor, start, self._stop)

    def window(self, after_ms: int, until_ms: int) -> tuple[int, int]:
        """Count and sum of the movements with after_ms < at_ms <= until_ms."""
        low = bisect_right(self._times_ms, after_ms, self._start, self._stop)
        high = max(low, bisect_right(self._times_ms, until_ms, self._start, self._stop))
        return high - low, self._sums_minor[high] - self._sums_minor[low]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        times_ms, sums = self._times_ms, self._sums_minor
        for index in range(self._start, self._stop):
            yield times_ms[index], sums[index + 1] - sums[index]

    def __len__(self) -> int:
        return self._stop - self._start

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecentMovements) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"RecentMovements({list(self)!r})"


NO_RECENT_MOVEMENTS: Final = RecentMovements.of(())


@dataclass(frozen=True)
class Behaviour:
    """The account's recent past, as the velocity store knows it."""

    recent: RecentMovements  # earlier outgoing movements
    lifetime_count: int
    lifetime_sum_minor: int
    counterparty_first_seen_ms: int | None  # None: never paid before
    balance_minor: int | None  # available balance before the movement, when known
    destination_payers_24h: int  # distinct accounts that paid the destination in 24 h


@dataclass(frozen=True)
class _Velocity:
    count_1m: int
    count_1h: int
    sum_1h_minor: int
    count_24h: int
    sum_24h_minor: int


def _velocity(recent: RecentMovements, now_ms: int) -> _Velocity:
    """Counts and sums over the windows (now - span, now]."""
    count_1m, _ = recent.window(now_ms - MINUTE_MS, now_ms)
    count_1h, sum_1h = recent.window(now_ms - HOUR_MS, now_ms)
    count_24h, sum_24h = recent.window(now_ms - DAY_MS, now_ms)
    return _Velocity(count_1m, count_1h, sum_1h, count_24h, sum_24h)


def features(movement: Movement, behaviour: Behaviour) -> dict[str, float]:
    at = datetime.fromtimestamp(movement.at_ms / 1000, UTC)
    average = behaviour.lifetime_sum_minor / behaviour.lifetime_count if behaviour.lifetime_count else 0.0
    velocity = _velocity(behaviour.recent, movement.at_ms)
    first_seen = behaviour.counterparty_first_seen_ms
    balance = behaviour.balance_minor
    return {
        "log_amount": math.log10(1 + movement.amount_minor),
        "amount_vs_average": movement.amount_minor / average if average > 0 else 1.0,
        "hour_of_day": float(at.hour),
        "is_night": 1.0 if at.hour < 6 else 0.0,
        "new_counterparty": 1.0 if first_seen is None else 0.0,
        "counterparty_age_days": -1.0 if first_seen is None else (movement.at_ms - first_seen) / DAY_MS,
        "count_1m": float(velocity.count_1m),
        "count_1h": float(velocity.count_1h),
        "count_24h": float(velocity.count_24h),
        "log_sum_1h": math.log10(1 + velocity.sum_1h_minor),
        "log_sum_24h": math.log10(1 + velocity.sum_24h_minor),
        "drained_fraction": -1.0 if not balance or balance <= 0 else min(1.0, movement.amount_minor / balance),
        "destination_fan_in_24h": float(behaviour.destination_payers_24h),
        "kind_transfer": 1.0 if movement.kind == "TRANSFER" else 0.0,
        "kind_withdrawal": 1.0 if movement.kind == "WITHDRAWAL" else 0.0,
        "kind_payment": 1.0 if movement.kind == "PAYMENT" else 0.0,
        "kind_external": 1.0 if movement.kind.startswith("EXTERNAL") else 0.0,
    }


def vector(named: dict[str, float]) -> list[float]:
    """The features in FEATURE_NAMES order, as a model takes them."""
    return [named[name] for name in FEATURE_NAMES]

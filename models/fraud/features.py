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
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class Behaviour:
    """The account's recent past, as the velocity store knows it."""

    recent: tuple[tuple[int, int], ...]  # (at_ms, amount_minor) of earlier outgoing movements, any order
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


def _velocity(recent: tuple[tuple[int, int], ...], now_ms: int) -> _Velocity:
    """Counts and sums over the windows (now - span, now], in one pass over up to
    MAX_VELOCITY_EVENTS movements (each nested in the next: a minute in an hour in a day)."""
    minute_start_ms, hour_start_ms, day_start_ms = now_ms - MINUTE_MS, now_ms - HOUR_MS, now_ms - DAY_MS
    count_1m = count_1h = sum_1h = count_24h = sum_24h = 0
    for at_ms, amount in recent:
        if day_start_ms < at_ms <= now_ms:
            count_24h += 1
            sum_24h += amount
            if at_ms > hour_start_ms:
                count_1h += 1
                sum_1h += amount
                if at_ms > minute_start_ms:
                    count_1m += 1
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

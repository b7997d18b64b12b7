"""A synthetic transaction history in the PaySim style, seeded and reproducible. Pure Python.

Customers live daily rhythms: a salary once a month, bills, card payments at merchants in
waking hours, transfers to a few friends. Fraud is injected in four patterns, each labelled:
  - account_takeover: at night, a victim's balance is drained to a new mule account, which
    cashes out at once;
  - card_testing: a burst of small payments to one new merchant within minutes;
  - mule_fan_in: several victims each send a medium amount to the same new mule in a few hours;
  - new_payee_night: one large transfer to a never-paid payee at an odd hour.
Every record carries the balance before it, so features (models/fraud/features.py) can be
computed by replaying the history in time order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from pipelines.records import Record

HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS
START_MS: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z
PATTERNS: Final = ("account_takeover", "card_testing", "mule_fan_in", "new_payee_night")


@dataclass(frozen=True)
class StoryConfig:
    customers: int = 1_000
    days: int = 30
    merchants: int = 150
    fraud_events_per_pattern: int = 20
    seed: int = 42


class _Bank:
    def __init__(self) -> None:
        self.balances: dict[str, int] = {}
        self.records: list[Record] = []

    def move(
        self,
        at_ms: int,
        kind: str,
        account: str,
        counterparty: str | None,
        amount_minor: int,
        pattern: str | None = None,
    ) -> bool:
        balance = self.balances.get(account, 0)
        if kind != "DEPOSIT" and amount_minor > balance:
            return False
        self.records.append(
            Record(at_ms, kind, account, counterparty, amount_minor, balance, pattern is not None, pattern)
        )
        self.balances[account] = balance + (amount_minor if kind == "DEPOSIT" else -amount_minor)
        if kind == "TRANSFER" and counterparty is not None and counterparty.startswith("C"):
            self.balances[counterparty] = self.balances.get(counterparty, 0) + amount_minor
        return True


def _waking_time(rng: random.Random, day: int) -> int:
    hour = min(22, max(7, int(rng.gauss(14, 3.5))))
    return START_MS + day * DAY_MS + hour * HOUR_MS + rng.randrange(HOUR_MS)


def _night_time(rng: random.Random, day: int) -> int:
    return START_MS + day * DAY_MS + rng.randrange(1, 5) * HOUR_MS + rng.randrange(HOUR_MS)


def generate(config: StoryConfig) -> list[Record]:
    """The whole story, in time order."""
    # Seeded for a reproducible story; nothing here is a secret.
    rng = random.Random(config.seed)  # nosec B311
    bank = _Bank()
    customers = [f"C{index:06d}" for index in range(config.customers)]
    merchants = [f"M{index:05d}" for index in range(config.merchants)]
    salary = {c: rng.randint(250_000, 900_000) for c in customers}
    payday = {c: rng.randint(0, 27) for c in customers}
    friends = {c: rng.sample(customers, 3) for c in customers}
    favourites = {c: rng.sample(merchants, 12) for c in customers}
    for customer in customers:  # an opening balance, so nobody starts at zero
        bank.move(START_MS, "DEPOSIT", customer, None, rng.randint(50_000, 400_000))
    fraud_days = {
        pattern: sorted(rng.randrange(config.days) for _ in range(config.fraud_events_per_pattern))
        for pattern in PATTERNS
    }
    mules = iter(f"C9{index:05d}" for index in range(100_000))
    planned: list[tuple[int, int, Any]] = []  # (time, tiebreak, action)
    sequence = 0

    def plan(at_ms: int, action: Any) -> None:
        nonlocal sequence
        planned.append((at_ms, sequence, action))
        sequence += 1

    for day in range(config.days):
        for customer in customers:
            if day % 28 == payday[customer]:
                plan(START_MS + day * DAY_MS + 8 * HOUR_MS, ("DEPOSIT", customer, None, salary[customer], None))
            if day % 30 == payday[customer] % 30:
                plan(
                    _waking_time(rng, day),
                    ("PAYMENT", customer, f"BILL{payday[customer] % 7}", rng.randint(5_000, 60_000), None),
                )
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                merchant = rng.choice(favourites[customer]) if rng.random() < 0.9 else rng.choice(merchants)
                amount = int(rng.lognormvariate(7.6, 0.9))
                plan(_waking_time(rng, day), ("PAYMENT", customer, merchant, max(100, amount), None))
            if rng.random() < 0.15:
                plan(
                    _waking_time(rng, day),
                    ("TRANSFER", customer, rng.choice(friends[customer]), rng.randint(1_000, 30_000), None),
                )
    for pattern, days in fraud_days.items():
        for day in days:
            _inject(pattern, day, rng, customers, mules, plan)
    planned.sort(key=lambda item: (item[0], item[1]))
    for at_ms, _, action in planned:
        if callable(action):
            action(bank, at_ms)
            continue
        kind, account, counterparty, amount, pattern = action
        bank.move(at_ms, kind, account, counterparty, amount, pattern)
    # A cash-out is booked with its drain, minutes ahead of it: put every record in time order.
    return sorted(bank.records, key=lambda record: record.at_ms)


def _inject(pattern: str, day: int, rng: random.Random, customers: list[str], mules: Iterator[str], plan: Any) -> None:
    victim = rng.choice(customers)
    if pattern == "account_takeover":
        mule = next(mules)
        at_ms = _night_time(rng, day)

        def drain(bank: _Bank, at: int, victim: str = victim, mule: str = mule) -> None:
            amount = int(bank.balances.get(victim, 0) * rng.uniform(0.8, 1.0))
            if amount > 0 and bank.move(at, "TRANSFER", victim, mule, amount, pattern):
                bank.move(at + rng.randint(60_000, 600_000), "WITHDRAWAL", mule, None, amount, pattern)

        plan(at_ms, drain)
    elif pattern == "card_testing":
        merchant = f"MX{rng.randrange(10**6):06d}"
        at_ms = _waking_time(rng, day)
        for burst in range(rng.randint(6, 14)):
            plan(
                at_ms + burst * rng.randint(5_000, 40_000), ("PAYMENT", victim, merchant, rng.randint(50, 300), pattern)
            )
        # the tested card then buys something big at another new merchant
        plan(
            at_ms + 20 * 60_000,
            ("PAYMENT", victim, f"MX{rng.randrange(10**6):06d}", rng.randint(40_000, 120_000), pattern),
        )
    elif pattern == "mule_fan_in":
        mule = next(mules)
        at_ms = _waking_time(rng, day)
        for victim_of_ring in rng.sample(customers, rng.randint(5, 9)):
            plan(
                at_ms + rng.randrange(3 * HOUR_MS),
                ("TRANSFER", victim_of_ring, mule, rng.randint(20_000, 80_000), pattern),
            )
    else:  # new_payee_night
        plan(
            _night_time(rng, day),
            ("TRANSFER", victim, f"X{rng.randrange(10**8):08d}", rng.randint(150_000, 400_000), pattern),
        )

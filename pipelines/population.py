"""A second population model, written apart from pipelines/synthetic.py and sharing no sampling
code with it (tests/test_fraud_pipeline.py checks the imports), so that a model trained on one
world can be judged on a world it never saw. Its design is PaySim's (clients, merchants,
fraudsters and mules); its figures are a real mobile-money service's, as PaySim publishes them
(pipelines/paysim_figures.py). Pure Python, seeded and reproducible.

Clients open with the service's balances and may go into an overdraft by balance tier. Each does
each action as many times in the period as the service's client profiles say (cash-ins as often
as its mix of actions asks for beside cash-outs), at hours drawn from its daily rhythm (evenings),
for amounts drawn from its per-action distributions; payments go to merchants, transfers to other
clients. Fraud is PaySim's: a fraudster takes an account over and TRANSFERs its whole balance to
a mule, a new account, which CASH_OUTs the same amount one to three hours later. Both legs are
fraud, each its own typology.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from pipelines.paysim_figures import (
    ACTION_SHARES,
    AMOUNT_LOGNORMAL,
    COUNTS_PER_CLIENT,
    HOUR_WEIGHTS,
    INITIAL_BALANCES,
    OVERDRAFT_TIERS,
    PAYSIM_KINDS,
)
from pipelines.records import Record

T = TypeVar("T")
MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS
TYPOLOGIES: Final = ("takeover_transfer", "mule_cash_out")
MAX_CLIENTS: Final = 200_000
MAX_DAYS: Final = 366
PROFILE_DAYS: Final = 30  # the client profiles count a month's actions
MIN_DRAINED_MINOR: Final = 100_000  # a takeover empties an account holding at least this
VICTIM_TRIES: Final = 50


@dataclass(frozen=True, kw_only=True)
class PopulationConfig:
    clients: int = 3_000
    days: int = 30
    merchants: int = 600
    takeovers_per_1000_clients: float = 14.0  # a month's; about 0.15 % of movements are fraud
    seed: int = 1_000_003
    start_ms: int = 1_798_761_600_000  # 2027-01-01T00:00:00Z: another time than the story's

    def __post_init__(self) -> None:
        assert 1 <= self.clients <= MAX_CLIENTS, f"clients: 1 to {MAX_CLIENTS:,}"
        assert 1 <= self.days <= MAX_DAYS, f"days: 1 to {MAX_DAYS}"
        assert self.merchants >= 1 and self.takeovers_per_1000_clients >= 0


@dataclass(frozen=True, kw_only=True, order=True)
class _Planned:
    at_ms: int
    sequence: int
    action: str  # one of PAYSIM_KINDS, or "TAKEOVER" (its victim and amount are decided when it happens)
    account: str
    counterparty: str | None
    amount_minor: int
    typology: str | None


def _pick(rng: random.Random, table: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _ in table]
    return rng.choices(values, weights=[weight for _, weight in table])[0]


def _overdraft_minor(balance_minor: int) -> int:
    balance_units = balance_minor / 100
    for (low, high), limit_units in OVERDRAFT_TIERS:
        if balance_units >= low and (high is None or balance_units < high):
            return limit_units * 100
    return 0  # already below zero: no further overdraft


class _Service:
    """Balances, the movements made, and what is still to happen, in time order."""

    def __init__(self) -> None:
        self.balances_minor: dict[str, int] = {}
        self.records: list[Record] = []
        self.pending: list[_Planned] = []
        self._sequence = 0

    def plan(
        self,
        at_ms: int,
        action: str,
        account: str,
        counterparty: str | None,
        amount_minor: int,
        typology: str | None = None,
    ) -> None:
        self._sequence += 1
        heapq.heappush(
            self.pending,
            _Planned(
                at_ms=at_ms,
                sequence=self._sequence,
                action=action,
                account=account,
                counterparty=counterparty,
                amount_minor=amount_minor,
                typology=typology,
            ),
        )

    def move(self, planned: _Planned, amount_minor: int, account: str) -> bool:
        """The movement if the account can make it (its balance and overdraft allow), recorded."""
        kind = PAYSIM_KINDS[planned.action]
        balance = self.balances_minor.get(account, 0)
        if kind != "DEPOSIT" and amount_minor > balance + _overdraft_minor(balance):
            return False
        self.records.append(
            Record(
                planned.at_ms,
                kind,
                account,
                planned.counterparty,
                amount_minor,
                balance,
                planned.typology is not None,
                planned.typology,
            )
        )
        self.balances_minor[account] = balance + (amount_minor if kind == "DEPOSIT" else -amount_minor)
        if kind == "TRANSFER" and planned.counterparty is not None:
            self.balances_minor[planned.counterparty] = self.balances_minor.get(planned.counterparty, 0) + amount_minor
        return True


def _when(rng: random.Random, config: PopulationConfig) -> int:
    hour = _pick(rng, list(enumerate(HOUR_WEIGHTS)))
    return config.start_ms + rng.randrange(config.days) * DAY_MS + hour * HOUR_MS + rng.randrange(HOUR_MS)


def _amount_minor(rng: random.Random, action: str) -> int:
    mu, sigma = AMOUNT_LOGNORMAL[action]
    return max(100, round(rng.lognormvariate(mu, sigma) * 100))


def _times_in_period(rng: random.Random, action: str, days: int) -> int:
    low, high = _pick(rng, COUNTS_PER_CLIENT[action])
    expected = rng.randint(low, high) * days / PROFILE_DAYS
    return math.floor(expected) + (1 if rng.random() < expected % 1 else 0)


def generate_population(config: PopulationConfig) -> list[Record]:
    """The whole history, in time order."""
    # Seeded for a reproducible world; nothing here is a secret.
    rng = random.Random(config.seed)  # nosec B311
    service = _Service()
    clients = [f"P{index:07d}" for index in range(config.clients)]
    merchants = [f"PM{index:05d}" for index in range(config.merchants)]
    cash_in_per_cash_out = ACTION_SHARES["CASH_IN"] / ACTION_SHARES["CASH_OUT"]
    for client in clients:
        low, high = _pick(rng, INITIAL_BALANCES)
        opening_minor = rng.randrange(low * 100, high * 100)
        service.plan(config.start_ms, "CASH_IN", client, None, max(1, opening_minor))
        times = {action: _times_in_period(rng, action, config.days) for action in COUNTS_PER_CLIENT}
        times["CASH_IN"] = round(times["CASH_OUT"] * cash_in_per_cash_out + rng.random())
        for action, count in times.items():
            for _ in range(count):
                counterparty = rng.choice(merchants) if action == "PAYMENT" else None
                if action == "TRANSFER":
                    counterparty = rng.choice(clients)
                    if counterparty == client:
                        continue
                service.plan(_when(rng, config), action, client, counterparty, _amount_minor(rng, action))
    takeovers = round(config.clients * config.takeovers_per_1000_clients / 1000 * config.days / PROFILE_DAYS)
    for index in range(takeovers):
        service.plan(_when(rng, config), "TAKEOVER", "", f"PX{index:06d}", 0, TYPOLOGIES[0])
    while service.pending:
        planned = heapq.heappop(service.pending)
        if planned.action != "TAKEOVER":
            service.move(planned, planned.amount_minor, planned.account)
            continue
        _take_over(rng, service, planned, clients)
    return sorted(service.records, key=lambda record: record.at_ms)


def _take_over(rng: random.Random, service: _Service, planned: _Planned, clients: Sequence[str]) -> None:
    """A fraudster empties an account into a mule, which cashes the money out hours later."""
    for _ in range(VICTIM_TRIES):
        victim = rng.choice(clients)
        balance_minor = service.balances_minor.get(victim, 0)
        if balance_minor >= MIN_DRAINED_MINOR:
            break
    else:
        return  # nobody worth robbing today
    transfer = _Planned(
        at_ms=planned.at_ms,
        sequence=planned.sequence,
        action="TRANSFER",
        account=victim,
        counterparty=planned.counterparty,
        amount_minor=balance_minor,
        typology=TYPOLOGIES[0],
    )
    if service.move(transfer, balance_minor, victim):
        assert planned.counterparty is not None
        cash_out_at_ms = planned.at_ms + rng.randint(1 * HOUR_MS, 3 * HOUR_MS)
        service.plan(cash_out_at_ms, "CASH_OUT", planned.counterparty, None, balance_minor, TYPOLOGIES[1])

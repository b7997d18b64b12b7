"""Figures of a real mobile-money service, as PaySim publishes them (github.com/EdgarLopezPhD/PaySim,
`paramFiles/`, aggregated from one month of a service's logs), reduced here to the tables the
calibrated population model (pipelines/population.py) draws from. Data only: no PaySim code.

Derived from the files at that repository's HEAD:
- ACTION_SHARES, AMOUNT_LOGNORMAL: `aggregatedTransactions.csv` (per action, the counts, sums and
  standard deviations of every hour of the month), pooled per action; each action's amounts as
  the lognormal with that mean and standard deviation.
- HOUR_WEIGHTS: the same file's counts by hour of the day, all actions together.
- INITIAL_BALANCES: `initialBalancesDistribution.csv`, its 302 ranges merged into 8.
- OVERDRAFT_TIERS: `overdraftLimits.csv` as it stands.
- COUNTS_PER_CLIENT: `clientsProfiles.csv` (how many times a client does an action in the month),
  the ranges of 100 and more left out (they are agents and merchants, not the customers
  simulated here) and the rest renormalised.
Amounts are in the service's currency units; BankFlow records them in minor units (× 100).
"""

from __future__ import annotations

from typing import Final

# PaySim's transaction types (its CSV schema's `type`) as BankFlow's movement kinds.
PAYSIM_KINDS: Final = {
    "CASH_IN": "DEPOSIT",
    "CASH_OUT": "WITHDRAWAL",
    "DEBIT": "WITHDRAWAL",
    "PAYMENT": "PAYMENT",
    "TRANSFER": "TRANSFER",
}
# action → share of all movements
ACTION_SHARES: Final = {"CASH_IN": 0.2000, "CASH_OUT": 0.3650, "DEBIT": 0.0046, "PAYMENT": 0.3491, "TRANSFER": 0.0813}
# action → (mu, sigma) of the natural log of the amount, in currency units
AMOUNT_LOGNORMAL: Final = {
    "CASH_IN": (11.797, 0.669),
    "CASH_OUT": (11.827, 0.673),
    "DEBIT": (7.535, 1.424),
    "PAYMENT": (9.130, 0.809),
    "TRANSFER": (12.712, 1.389),
}
# hour of the day (0–23) → share of the day's movements: evenings, hardly any between 3 and 6
HOUR_WEIGHTS: Final = (
    0.0329, 0.0118, 0.0028, 0.0003, 0.0, 0.0, 0.0006, 0.0035, 0.0095, 0.0140, 0.0117, 0.0163,
    0.0246, 0.0358, 0.0441, 0.0443, 0.0612, 0.0697, 0.1057, 0.1294, 0.1288, 0.1024, 0.0852, 0.0652,
)  # fmt: skip
# (from, to) currency units → share of clients opening with a balance in that range
INITIAL_BALANCES: Final = (
    ((0, 100), 0.6714),
    ((100, 1_000), 0.0219),
    ((1_000, 10_000), 0.0478),
    ((10_000, 50_000), 0.1076),
    ((50_000, 100_000), 0.0559),
    ((100_000, 200_000), 0.0400),
    ((200_000, 500_000), 0.0408),
    ((500_000, 1_008_000), 0.0143),
)
# (balance from, balance to or None) → how far below zero a client with that balance may go
OVERDRAFT_TIERS: Final = (
    ((0, 50_000), 25_000),
    ((50_000, 100_000), 75_000),
    ((100_000, 200_000), 150_000),
    ((200_000, None), 200_000),
)
# action → ((from, to) times in the month, share of clients)
_RANGES: Final = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 9), (10, 99))
COUNTS_PER_CLIENT: Final = {
    action: tuple(zip(_RANGES, shares, strict=True))
    for action, shares in {
        "CASH_OUT": (0.4966, 0.2304, 0.1144, 0.0594, 0.0739, 0.0168),
        "DEBIT": (0.6420, 0.1638, 0.0692, 0.0365, 0.0578, 0.0302),
        "PAYMENT": (0.2939, 0.1587, 0.1071, 0.0794, 0.3075, 0.0531),
        "TRANSFER": (0.5325, 0.1941, 0.0933, 0.0519, 0.0867, 0.0411),
    }.items()
}

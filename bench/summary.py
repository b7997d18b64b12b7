"""The figures `make bench` ends on: the API's money path against the baselines of the same run.

One line, the last one `python -m bench` prints, so that a run can be compared with the goals
at a glance (each figure a ratio or a difference within the run, never a bare time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bench.output import say

# The API benchmark's stack runs as many shards as the in-process ledger benchmark, so that the
# batch endpoint is compared with the ledger it stands on.
BENCH_SHARDS: Final = 1
# The concurrencies at which the single transfer's share of Serve's ceiling is judged (the
# summary gives the lower); concurrency 1 is judged by latency instead.
LOADED_CONCURRENCIES: Final = frozenset({16, 64})
# The batch whose transfers mostly cross shards (each a saga: debit, credit on the other shard),
# on a stack of this many shards, against the in-process ledger of as many.
CROSS_SHARDS: Final = 2
CROSS_SHARE: Final = 0.75


@dataclass(frozen=True, kw_only=True)
class ApiFigures:
    transfer_ratio_by_concurrency: Mapping[int, float]  # transfers/s over trivial req/s
    transfer_p50_ms_alone: float  # at concurrency 1
    trivial_p50_ms_alone: float
    batch_transfers_per_s: float

    @property
    def transfer_ratio(self) -> float:
        loaded = [r for c, r in self.transfer_ratio_by_concurrency.items() if c in LOADED_CONCURRENCIES]
        return min(loaded or self.transfer_ratio_by_concurrency.values())


@dataclass(frozen=True, kw_only=True)
class RunFigures:
    """What one `make bench` run measured that the goals name."""

    api: ApiFigures
    ledger_transfers_per_s: float  # the in-process ledger, the batch endpoint's denominator
    fraud_p99_added_ms: float
    notifications_ratio: float  # consumer events/s over raw consume events/s
    # the batch endpoint with CROSS_SHARE of its transfers across CROSS_SHARDS shards, and the
    # in-process ledger on as many shards (its uniform workload: about half across)
    cross_shard_batch_per_s: float | None = None
    cross_shard_ledger_per_s: float | None = None

    def summary_line(self) -> str:
        assert self.ledger_transfers_per_s > 0, "the ledger benchmark ran"
        batch_ratio = self.api.batch_transfers_per_s / self.ledger_transfers_per_s
        return (
            f"api: transfer {self.api.transfer_ratio:.2f} of serve ceiling, batch {batch_ratio:.3f} of ledger, "
            f"fraud p99 {self.fraud_p99_added_ms:+.1f} ms, notifications {self.notifications_ratio:.3f} of raw consume"
        )


def say_summary(figures: RunFigures) -> None:
    """Print the goals' checks (one line each), then the summary line, last."""
    api = figures.api
    alone_margin_ms = api.transfer_p50_ms_alone - api.trivial_p50_ms_alone
    say(
        f"single transfer alone: p50 {alone_margin_ms:+.1f} ms over the trivial endpoint's "
        f"({api.transfer_p50_ms_alone:.1f} against {api.trivial_p50_ms_alone:.1f} ms)"
    )
    crossing, ledger = figures.cross_shard_batch_per_s, figures.cross_shard_ledger_per_s
    if crossing is not None and ledger:
        say(
            f"batch with {CROSS_SHARE:.0%} of its transfers across {CROSS_SHARDS} shards: "
            f"{crossing:,.0f} transfers/s, {crossing / ledger:.3f} of the {CROSS_SHARDS}-shard ledger"
        )
    say(figures.summary_line())

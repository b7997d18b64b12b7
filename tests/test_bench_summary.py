"""The line `make bench` ends on: each figure the goals name, as a ratio or a difference of one run."""

from __future__ import annotations

import random
import uuid

import pytest

from bench.api import Crossing, Party, batch_transfers
from bench.summary import ApiFigures, RunFigures, say_summary
from models.ledger.routing import shard_of


def _figures(ratios: dict[int, float], batch_per_s: float = 30_000.0) -> ApiFigures:
    return ApiFigures(
        transfer_ratio_by_concurrency=ratios,
        transfer_p50_ms_alone=20.0,
        trivial_p50_ms_alone=8.0,
        batch_transfers_per_s=batch_per_s,
    )


def test_the_line_names_each_goal_with_the_lower_loaded_ratio() -> None:
    line = RunFigures(
        api=_figures({1: 0.9, 16: 0.7, 64: 0.55}),
        ledger_transfers_per_s=75_000.0,
        fraud_p99_added_ms=8.25,
        notifications_ratio=0.125,
    ).summary_line()
    assert line == (
        "api: transfer 0.55 of serve ceiling, batch 0.400 of ledger, fraud p99 +8.2 ms, "
        "notifications 0.125 of raw consume"
    )


def test_without_a_loaded_run_the_ratio_is_the_lowest_measured() -> None:
    assert _figures({1: 0.4, 4: 0.3}).transfer_ratio == pytest.approx(0.3)


def test_the_summary_is_the_last_line(capsys: pytest.CaptureFixture[str]) -> None:
    say_summary(
        RunFigures(
            api=_figures({16: 0.6, 64: 0.61}),
            ledger_transfers_per_s=60_000.0,
            fraud_p99_added_ms=-1.0,
            notifications_ratio=0.01,
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2] == "single transfer alone: p50 +12.0 ms over the trivial endpoint's (20.0 against 8.0 ms)"
    assert lines[-1].startswith("api: transfer 0.60 of serve ceiling, batch 0.500 of ledger, fraud p99 -1.0 ms")


def test_the_cross_shard_batch_is_said_before_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    say_summary(
        RunFigures(
            api=_figures({16: 0.6}),
            ledger_transfers_per_s=60_000.0,
            fraud_p99_added_ms=1.0,
            notifications_ratio=0.1,
            cross_shard_batch_per_s=3_000.0,
            cross_shard_ledger_per_s=40_000.0,
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[-2] == "batch with 75% of its transfers across 2 shards: 3,000 transfers/s, 0.075 of the 2-shard ledger"
    )
    assert lines[-1].startswith("api: transfer 0.60")


def test_a_crossing_batch_sends_its_share_to_other_shards() -> None:
    accounts = [str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{n}")) for n in range(40)]
    party = Party(headers={}, accounts=accounts[:8])
    items = batch_transfers(party, accounts, 4_000, random.Random(3), Crossing(2, 0.75))
    crossing = sum(
        shard_of(uuid.UUID(item["from_account_id"]), 2) != shard_of(uuid.UUID(item["to_account_id"]), 2)
        for item in items
    )
    assert all(item["from_account_id"] != item["to_account_id"] for item in items)
    assert 0.72 < crossing / len(items) < 0.78  # a fixed seed: the same draw every run

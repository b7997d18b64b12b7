"""The System page's key figures, read from hand-written expositions of two nodes: buckets of
every shard summed, quantiles interpolated as Prometheus' histogram_quantile does, and None
for what the scrape does not have yet. No stack."""

from __future__ import annotations

import math

import pytest

from actors.metrics_figures import histogram_quantile, key_figures
from actors.metrics_scrape import merge_node_answers

RAY_LABELS = 'Component="core_worker",NodeAddress="{node}",SessionName="session_1",Version="2.60.0"'

# Shard 0 on node 10.0.0.1, shard 1 on node 10.0.0.2: cumulative bucket counts, count, sum.
SHARD_BUCKETS = {
    "0": {"1.0": 2, "2.5": 5, "5.0": 8, "10.0": 9, "25.0": 10, "+Inf": 10},
    "1": {"1.0": 0, "2.5": 1, "5.0": 4, "10.0": 8, "25.0": 10, "+Inf": 10},
}
SHARD_SUMS = {"0": 40.0, "1": 80.0}


def _node(node: str, shard: str, lag_s: float, requests: dict[str, int]) -> str:
    labels = RAY_LABELS.format(node=node)
    lines = [
        "# HELP ray_bankflow_outbox_lag_s Age of the oldest event not yet published to Kafka, seconds.",
        "# TYPE ray_bankflow_outbox_lag_s gauge",
        f"ray_bankflow_outbox_lag_s{{{labels}}} {lag_s}",
        "# HELP ray_bankflow_ledger_commit_latency_ms Time to journal one batch in PostgreSQL, milliseconds.",
        "# TYPE ray_bankflow_ledger_commit_latency_ms histogram",
    ]
    for bound, count in SHARD_BUCKETS[shard].items():
        lines.append(f'ray_bankflow_ledger_commit_latency_ms_bucket{{{labels},le="{bound}",shard="{shard}"}} {count}.0')
    lines += [
        f'ray_bankflow_ledger_commit_latency_ms_count{{{labels},shard="{shard}"}} {SHARD_BUCKETS[shard]["+Inf"]}.0',
        f'ray_bankflow_ledger_commit_latency_ms_sum{{{labels},shard="{shard}"}} {SHARD_SUMS[shard]}',
        "# HELP ray_bankflow_api_requests_total HTTP requests answered by the gateway.",
        "# TYPE ray_bankflow_api_requests_total counter",
    ]
    for status, count in requests.items():
        route = 'route="/api/v1/transactions/transfer",method="POST"'
        lines.append(f'ray_bankflow_api_requests_total{{{labels},{route},status="{status}"}} {count}.0')
    return "\n".join(lines) + "\n"


NODE_A = _node("10.0.0.1", "0", 3.5, {"200": 50, "404": 20, "500": 6})
NODE_B = _node("10.0.0.2", "1", 12.25, {"200": 20, "503": 4})


def _scrape(*nodes: str) -> bytes:
    """What `scrape_cluster()` answers for these nodes: their families merged."""
    return merge_node_answers([f"http://10.0.0.{i}:8080/metrics" for i in range(len(nodes))], list(nodes))


def test_figures_of_two_nodes_sum_the_shards_buckets_and_interpolate_the_quantiles() -> None:
    figures = key_figures(_scrape(NODE_A, NODE_B))

    assert figures["outbox_lag_s"] == 12.25  # the worst of the two samples
    latency = figures["commit_latency_ms"]
    # Summed per bound: 1.0→2, 2.5→6, 5.0→12, 10.0→17, 25.0→20, +Inf→20; sum 120.
    assert latency["count"] == 20
    assert latency["mean"] == pytest.approx(6.0)
    # p50: rank 10 falls in (2.5, 5.0], which holds 12 - 6 = 6; 10 - 6 = 4 of them: 2.5 + 2.5 * 4/6.
    assert latency["p50"] == pytest.approx(25 / 6)
    # p99: rank 19.8 falls in (10, 25], which holds 3; 2.8 of them: 10 + 15 * 2.8/3 = 24.
    assert latency["p99"] == pytest.approx(24.0)
    assert figures["api"] == {"requests": 100, "errors_5xx": 10, "error_rate": pytest.approx(0.1)}


def test_figures_read_an_unmerged_exposition_too() -> None:
    figures = key_figures((NODE_A + NODE_B.replace("# HELP", "# X").replace("# TYPE", "# Y")).encode())
    assert figures["commit_latency_ms"]["count"] == 20
    assert figures["api"]["requests"] == 100


def test_absent_metrics_give_null_figures() -> None:
    other = '# TYPE ray_bankflow_ledger_mailbox_commands gauge\nray_bankflow_ledger_mailbox_commands{shard="0"} 3.0\n'
    for exposition in (b"", other.encode()):
        assert key_figures(exposition) == {
            "outbox_lag_s": None,
            "commit_latency_ms": {"count": None, "mean": None, "p50": None, "p99": None},
            "api": {"requests": None, "errors_5xx": None, "error_rate": None},
        }


def test_zero_counts_give_null_means_quantiles_and_rates() -> None:
    labels = RAY_LABELS.format(node="10.0.0.1")
    text = "\n".join(
        [
            "# TYPE ray_bankflow_outbox_lag_s gauge",
            f"ray_bankflow_outbox_lag_s{{{labels}}} 0.0",
            "# TYPE ray_bankflow_ledger_commit_latency_ms histogram",
            *(
                f'ray_bankflow_ledger_commit_latency_ms_bucket{{{labels},le="{bound}",shard="0"}} 0.0'
                for bound in ("1.0", "10.0", "+Inf")
            ),
            f'ray_bankflow_ledger_commit_latency_ms_count{{{labels},shard="0"}} 0.0',
            f'ray_bankflow_ledger_commit_latency_ms_sum{{{labels},shard="0"}} 0.0',
            "# TYPE ray_bankflow_api_requests_total counter",
            f'ray_bankflow_api_requests_total{{{labels},route="/healthz",method="GET",status="500"}} 0.0',
        ]
    )
    figures = key_figures((text + "\n").encode())
    assert figures["outbox_lag_s"] == 0.0  # no lag is a figure, not an absence
    assert figures["commit_latency_ms"] == {"count": 0, "mean": None, "p50": None, "p99": None}
    assert figures["api"] == {"requests": 0, "errors_5xx": 0, "error_rate": None}


def test_histogram_quantile_follows_prometheus() -> None:
    inf = math.inf
    # The first bucket starts at 0.
    assert histogram_quantile(0.5, [(1.0, 4), (inf, 4)]) == pytest.approx(0.5)
    # A rank beyond the highest finite bound answers that bound.
    assert histogram_quantile(0.99, [(1.0, 1), (10.0, 2), (inf, 100)]) == 10.0
    # Unordered input, exactly on a bucket's upper bound.
    assert histogram_quantile(0.5, [(inf, 10), (2.0, 5), (1.0, 0)]) == pytest.approx(2.0)
    # Nodes a moment apart: a count lower than the previous bound's is raised to it.
    assert histogram_quantile(0.5, [(1.0, 4), (2.0, 3), (inf, 8)]) == pytest.approx(1.0)
    assert histogram_quantile(0.5, [(1.0, 0), (inf, 0)]) is None
    assert histogram_quantile(0.5, [(1.0, 3), (2.0, 4)]) is None  # no +Inf bucket
    assert histogram_quantile(0.5, [(inf, 4)]) is None
    with pytest.raises(ValueError, match="within"):
        histogram_quantile(0.0, [(1.0, 0), (inf, 4)])


def test_an_exposition_that_does_not_parse_is_refused() -> None:
    with pytest.raises(ValueError):
        key_figures(b"ray_bankflow_outbox_lag_s{oops 1\n")

"""A few key figures of the cluster's metrics, for the back office's System page: how far the
outbox is behind, how long a journal commit takes, how many API requests fail.

Pure: it reads the Prometheus exposition that `actors.metrics_scrape.scrape_cluster()` returns
(every node's samples of each family; Ray's exporter names them with the `ray_` prefix) and
does no I/O. A figure whose metric is not in the exposition is None (the process recording it
has not exported yet), as is a ratio or mean of nothing (a count of zero).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, TypedDict

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from actors.metrics import EXPORT_PREFIX

OUTBOX_LAG: Final = EXPORT_PREFIX + "bankflow_outbox_lag_s"
COMMIT_LATENCY: Final = EXPORT_PREFIX + "bankflow_ledger_commit_latency_ms"
API_REQUESTS: Final = EXPORT_PREFIX + "bankflow_api_requests_total"
QUANTILES: Final = (0.5, 0.99)


class LatencyFigures(TypedDict):
    count: int | None
    mean: float | None
    p50: float | None
    p99: float | None


class ApiFigures(TypedDict):
    requests: int | None
    errors_5xx: int | None
    error_rate: float | None


class KeyFigures(TypedDict):
    outbox_lag_s: float | None
    commit_latency_ms: LatencyFigures
    api: ApiFigures


def _samples(exposition: bytes) -> dict[str, list[Sample]]:
    """Every sample by its own name (`…_bucket`, `…_total`), whatever family the parser put it
    in: it names a counter's family without `_total`, and an untyped one as the sample."""
    by_name: dict[str, list[Sample]] = defaultdict(list)
    for family in text_string_to_metric_families(exposition.decode()):
        for sample in family.samples:
            if math.isfinite(sample.value):
                by_name[sample.name].append(sample)
    return by_name


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """The q-quantile of cumulative `(upper bound, count)` buckets, as Prometheus'
    `histogram_quantile` estimates it: linear interpolation inside the bucket where the rank
    falls (the first bucket starting at 0); a rank in the +Inf bucket gives the highest finite
    bound. None without observations or without a +Inf bucket."""
    if not 0 < q <= 1:
        raise ValueError(f"a quantile is within (0, 1], not {q}")
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return None
    # Counts must not decrease with the bound; nodes scraped a moment apart may disagree a little.
    bounds = [bound for bound, _ in ordered]
    counts = [count for _, count in ordered]
    for i in range(1, len(counts)):
        counts[i] = max(counts[i], counts[i - 1])
    observations = counts[-1]
    if observations <= 0:
        return None
    rank = q * observations
    b = next((i for i in range(len(counts) - 1) if counts[i] >= rank), len(counts) - 1)
    if b == len(counts) - 1:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start, end, in_bucket = 0.0, bounds[b], counts[b]
    if b > 0:
        start = bounds[b - 1]
        in_bucket -= counts[b - 1]
        rank -= counts[b - 1]
    return start + (end - start) * (rank / in_bucket)


def _summed_buckets(samples: Iterable[Sample]) -> list[tuple[float, float]]:
    """The cluster's histogram: every shard's and node's cumulative count summed per bound."""
    by_bound: dict[float, float] = defaultdict(float)
    for sample in samples:
        bound = sample.labels.get("le")
        if bound is not None:
            by_bound[float(bound)] += sample.value
    return list(by_bound.items())


def _latency(samples: Mapping[str, list[Sample]], name: str) -> LatencyFigures:
    buckets = _summed_buckets(samples.get(name + "_bucket", []))
    counts = samples.get(name + "_count")
    if counts is None and not buckets:
        return {"count": None, "mean": None, "p50": None, "p99": None}
    if counts is not None:
        count = round(sum(sample.value for sample in counts))
    else:
        count = round(max((value for bound, value in buckets if math.isinf(bound)), default=0.0))
    sums = samples.get(name + "_sum")
    mean = sum(sample.value for sample in sums) / count if sums is not None and count > 0 else None
    p50, p99 = (histogram_quantile(q, buckets) if count > 0 else None for q in QUANTILES)
    return {"count": count, "mean": mean, "p50": p50, "p99": p99}


def _api(samples: Mapping[str, list[Sample]]) -> ApiFigures:
    requests = samples.get(API_REQUESTS)
    if requests is None:
        return {"requests": None, "errors_5xx": None, "error_rate": None}
    total = round(sum(sample.value for sample in requests))
    errors = round(sum(sample.value for sample in requests if sample.labels.get("status", "").startswith("5")))
    return {"requests": total, "errors_5xx": errors, "error_rate": errors / total if total > 0 else None}


def key_figures(exposition: bytes) -> KeyFigures:
    """Outbox lag (the worst over the relay's samples), journal commit latency (the cluster's
    histogram: count, mean, p50, p99) and the API's requests and 5xx share, from one scrape.

    Raises ValueError when the exposition does not parse."""
    samples = _samples(exposition)
    lags = samples.get(OUTBOX_LAG)
    return {
        "outbox_lag_s": max(sample.value for sample in lags) if lags else None,
        "commit_latency_ms": _latency(samples, COMMIT_LATENCY),
        "api": _api(samples),
    }

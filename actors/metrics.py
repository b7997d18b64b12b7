"""BankFlow's operational metrics: one catalogue of every metric the actors and deployments record.

They are Ray metrics (`ray.util.metrics`): each process records, the Ray metrics agent on its
node exports them in Prometheus format with the prefix `ray_`, and the gateway serves every
node's export at `GET /metrics` (actors/metrics_scrape.py). The dashboards and alert rules in
kuberay/observability name only metrics from this catalogue; a test scrapes them all.

A counter whose labels are known in advance starts at zero (`start_at_zero`), the Prometheus
convention: a series that does not exist until its first event hides it from `rate()` and
from the alerts that watch it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from ray.util.metrics import Counter, Gauge, Histogram

from models.notifications import Channel

EXPORT_PREFIX: Final = "ray_"  # what Ray's exporter puts before every application metric

LATENCY_BOUNDARIES_MS: Final = [1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 10_000.0]
BATCH_BOUNDARIES_COMMANDS: Final = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1_024.0, 4_096.0]

FRAUD_UNANSWERED_REASONS: Final = ("timeout", "error")
NOTIFICATION_CHANNELS: Final = tuple(channel.value.lower() for channel in Channel)
NOTIFICATION_OUTCOMES: Final = ("sent", "failed", "skipped", "retried")
NOTIFICATION_EVENT_RESULTS: Final = ("consumed", "dead_letter")


class ZeroStartCounter(Counter):
    """A counter that can announce a label set at zero before its first event."""

    def start_at_zero(self, tags: dict[str, str] | None = None) -> None:
        # Counter.inc refuses 0; recording it through the metric's own path creates the series.
        self._record(0, tags=tags)


@dataclass(frozen=True)
class LedgerMetrics:
    batch_commands: Histogram
    commit_latency_ms: Histogram
    committed_commands: Counter
    mailbox_commands: Gauge
    sagas_in_flight: Gauge
    oldest_saga_age_s: Gauge
    snapshot_age_s: Gauge
    shard_starts: Counter


@dataclass(frozen=True)
class OutboxMetrics:
    lag_s: Gauge
    published_events: ZeroStartCounter
    relay_failures: ZeroStartCounter


@dataclass(frozen=True)
class ApiMetrics:
    requests: Counter
    request_latency_ms: Histogram


@dataclass(frozen=True)
class FraudMetrics:
    decisions: Counter
    scoring_latency_ms: Histogram
    unanswered: ZeroStartCounter


@dataclass(frozen=True)
class NotificationMetrics:
    deliveries: ZeroStartCounter
    events: ZeroStartCounter


SHARD: Final = ("shard",)


@cache
def ledger_metrics() -> LedgerMetrics:
    return LedgerMetrics(
        batch_commands=Histogram(
            "bankflow_ledger_batch_commands",
            "Commands per group commit of a shard (one PostgreSQL transaction).",
            boundaries=BATCH_BOUNDARIES_COMMANDS,
            tag_keys=SHARD,
        ),
        commit_latency_ms=Histogram(
            "bankflow_ledger_commit_latency_ms",
            "Time to journal one batch in PostgreSQL, milliseconds.",
            boundaries=LATENCY_BOUNDARIES_MS,
            tag_keys=SHARD,
        ),
        committed_commands=Counter(
            "bankflow_ledger_committed_commands_total", "Commands applied and journaled.", tag_keys=SHARD
        ),
        mailbox_commands=Gauge(
            "bankflow_ledger_mailbox_commands", "Commands waiting in a shard's mailbox.", tag_keys=SHARD
        ),
        sagas_in_flight=Gauge(
            "bankflow_ledger_sagas_in_flight", "Cross-shard transfers a shard is driving.", tag_keys=SHARD
        ),
        oldest_saga_age_s=Gauge(
            "bankflow_ledger_oldest_saga_age_s",
            "Age of the oldest cross-shard transfer a shard has not finished, seconds (0: none).",
            tag_keys=SHARD,
        ),
        snapshot_age_s=Gauge(
            "bankflow_ledger_snapshot_age_s", "Seconds since a shard's last snapshot.", tag_keys=SHARD
        ),
        shard_starts=Counter(
            "bankflow_ledger_shard_starts_total",
            "Shard incarnations started (first start and every restart).",
            tag_keys=SHARD,
        ),
    )


@cache
def outbox_metrics() -> OutboxMetrics:
    metrics = OutboxMetrics(
        lag_s=Gauge("bankflow_outbox_lag_s", "Age of the oldest event not yet published to Kafka, seconds."),
        published_events=ZeroStartCounter("bankflow_outbox_published_events_total", "Events published to Kafka."),
        relay_failures=ZeroStartCounter(
            "bankflow_outbox_relay_failures_total", "Times the relay lost Kafka or PostgreSQL and started over."
        ),
    )
    metrics.published_events.start_at_zero()
    metrics.relay_failures.start_at_zero()
    return metrics


@cache
def api_metrics() -> ApiMetrics:
    return ApiMetrics(
        requests=Counter(
            "bankflow_api_requests_total",
            "HTTP requests answered by the gateway, by route template, method and status.",
            tag_keys=("route", "method", "status"),
        ),
        request_latency_ms=Histogram(
            "bankflow_api_request_latency_ms",
            "Gateway request latency by route template and method, milliseconds.",
            boundaries=LATENCY_BOUNDARIES_MS,
            tag_keys=("route", "method"),
        ),
    )


@cache
def fraud_metrics() -> FraudMetrics:
    metrics = FraudMetrics(
        decisions=Counter(
            "bankflow_fraud_decisions_total",
            "Fraud verdicts by outcome and the model version that scored them.",
            tag_keys=("outcome", "model_version"),
        ),
        scoring_latency_ms=Histogram(
            "bankflow_fraud_scoring_latency_ms",
            "Time to score one call's movements (features, model, storage), milliseconds.",
            boundaries=LATENCY_BOUNDARIES_MS,
        ),
        unanswered=ZeroStartCounter(
            "bankflow_fraud_unanswered_total",
            "Scoring calls the money path settled by policy: the Fraud deployment timed out or failed.",
            tag_keys=("reason",),
        ),
    )
    for reason in FRAUD_UNANSWERED_REASONS:
        metrics.unanswered.start_at_zero({"reason": reason})
    return metrics


@cache
def notification_metrics() -> NotificationMetrics:
    metrics = NotificationMetrics(
        deliveries=ZeroStartCounter(
            "bankflow_notifications_total",
            "Notification delivery attempts by channel and outcome.",
            tag_keys=("channel", "outcome"),
        ),
        events=ZeroStartCounter(
            "bankflow_notification_events_total",
            "Domain events the notifications consumer took in, by result.",
            tag_keys=("result",),
        ),
    )
    for channel in NOTIFICATION_CHANNELS:
        for outcome in NOTIFICATION_OUTCOMES:
            metrics.deliveries.start_at_zero({"channel": channel, "outcome": outcome})
    for result in NOTIFICATION_EVENT_RESULTS:
        metrics.events.start_at_zero({"result": result})
    return metrics

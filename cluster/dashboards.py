"""The Grafana dashboards of BankFlow, written as data here and rendered to JSON in
kuberay/observability/dashboards/ by `bankflow kuberay render` (a test fails on drift).

Every query names metrics of the catalogue in actors/metrics.py (exported with Ray's `ray_`
prefix); a test scrapes /metrics after a workload and finds each of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cluster.kuberay import Rendered

DASHBOARD_DIR: Final = Path("kuberay/observability/dashboards")
PANEL_WIDTH: Final = 12
PANEL_HEIGHT: Final = 8
GRID_COLUMNS: Final = 24
RATE_WINDOW: Final = "5m"
GRAFANA_SCHEMA_VERSION: Final = 39


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: tuple[Panel, ...]


def _quantile(q: float, histogram: str, by: str = "") -> str:
    group = f"le, {by}" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) (rate({histogram}_bucket[{RATE_WINDOW}])))"


def _rate(counter: str, by: str = "", selector: str = "") -> str:
    grouping = f"sum by ({by}) " if by else "sum "
    return f"{grouping}(rate({counter}{selector}[{RATE_WINDOW}]))"


SERVER_ERRORS: Final = '{status=~"5.."}'
API_ERROR_RATIO: Final = (
    _rate("ray_bankflow_api_requests_total", selector=SERVER_ERRORS)
    + " / clamp_min("
    + _rate("ray_bankflow_api_requests_total")
    + ", 1e-9)"
)

OVERVIEW = Dashboard(
    "bankflow-overview",
    "BankFlow / Overview",
    "Is money flowing, and where is it stuck?",
    (
        Panel(
            "Ledger commands committed per second",
            (Query(_rate("ray_bankflow_ledger_committed_commands_total"), "commands/s"),),
            "ops",
        ),
        Panel(
            "API requests per second by status",
            (Query(_rate("ray_bankflow_api_requests_total", "status"), "{{status}}"),),
            "reqps",
        ),
        Panel("API 5xx ratio", (Query(API_ERROR_RATIO, "5xx share"),), "percentunit"),
        Panel(
            "Outbox lag (oldest unpublished event)",
            (Query("max(ray_bankflow_outbox_lag_s)", "lag"),),
            "s",
            "Events committed with the journal but not yet on Kafka.",
        ),
        Panel(
            "Oldest unfinished cross-shard transfer",
            (Query("max(ray_bankflow_ledger_oldest_saga_age_s)", "age"),),
            "s",
        ),
        Panel(
            "Fraud decisions per second by outcome",
            (Query(_rate("ray_bankflow_fraud_decisions_total", "outcome"), "{{outcome}}"),),
            "ops",
        ),
    ),
)

LEDGER = Dashboard(
    "bankflow-ledger",
    "BankFlow / Ledger",
    "Account shards: group commit, mailboxes, sagas, snapshots and the outbox.",
    (
        Panel(
            "Commands per group commit",
            (
                Query(_quantile(0.5, "ray_bankflow_ledger_batch_commands"), "p50"),
                Query(_quantile(0.99, "ray_bankflow_ledger_batch_commands"), "p99"),
            ),
        ),
        Panel(
            "Journal commit latency by shard (p99)",
            (Query(_quantile(0.99, "ray_bankflow_ledger_commit_latency_ms", "shard"), "shard {{shard}}"),),
            "ms",
        ),
        Panel(
            "Commands committed per second by shard",
            (Query(_rate("ray_bankflow_ledger_committed_commands_total", "shard"), "shard {{shard}}"),),
            "ops",
        ),
        Panel(
            "Mailbox depth by shard",
            (Query("max by (shard) (ray_bankflow_ledger_mailbox_commands)", "shard {{shard}}"),),
            "short",
            "Commands waiting for their shard's next batch.",
        ),
        Panel(
            "Sagas in flight",
            (Query("max by (shard) (ray_bankflow_ledger_sagas_in_flight)", "shard {{shard}}"),),
        ),
        Panel(
            "Oldest saga by shard",
            (Query("max by (shard) (ray_bankflow_ledger_oldest_saga_age_s)", "shard {{shard}}"),),
            "s",
        ),
        Panel(
            "Unsnapshotted changes age by shard",
            (Query("max by (shard) (ray_bankflow_ledger_snapshot_age_s)", "shard {{shard}}"),),
            "s",
            "How long journaled changes have waited for a snapshot: what a restart would replay.",
        ),
        Panel(
            "Shard incarnations in the last hour",
            (Query("count by (shard) (max_over_time(ray_bankflow_ledger_shard_starts_total[1h]))", "shard {{shard}}"),),
        ),
        Panel(
            "Outbox: published events per second and relay failures",
            (
                Query(_rate("ray_bankflow_outbox_published_events_total"), "published/s"),
                Query("sum(increase(ray_bankflow_outbox_relay_failures_total[5m]))", "relay failures (5m)"),
            ),
        ),
        Panel("Outbox lag", (Query("max(ray_bankflow_outbox_lag_s)", "lag"),), "s"),
    ),
)

API = Dashboard(
    "bankflow-api",
    "BankFlow / API",
    "The gateway: requests by route and status, latency.",
    (
        Panel(
            "Requests per second by route",
            (Query(_rate("ray_bankflow_api_requests_total", "route, method"), "{{method}} {{route}}"),),
            "reqps",
        ),
        Panel(
            "Latency p99 by route",
            (
                Query(
                    _quantile(0.99, "ray_bankflow_api_request_latency_ms", "route, method"),
                    "{{method}} {{route}}",
                ),
            ),
            "ms",
        ),
        Panel(
            "Latency p50 by route",
            (
                Query(
                    _quantile(0.5, "ray_bankflow_api_request_latency_ms", "route, method"),
                    "{{method}} {{route}}",
                ),
            ),
            "ms",
        ),
        Panel(
            "Errors per second by route and status",
            (
                Query(
                    _rate("ray_bankflow_api_requests_total", "route, status", '{status=~"4..|5.."}'),
                    "{{status}} {{route}}",
                ),
            ),
            "reqps",
        ),
        Panel("5xx ratio", (Query(API_ERROR_RATIO, "5xx share"),), "percentunit"),
        Panel(
            "Rate-limited requests per second",
            (Query(_rate("ray_bankflow_api_requests_total", "route", '{status="429"}'), "{{route}}"),),
            "reqps",
        ),
    ),
)

FRAUD = Dashboard(
    "bankflow-fraud",
    "BankFlow / Fraud",
    "Scoring in the money path: verdicts, the model serving them, latency, fallbacks.",
    (
        Panel(
            "Decisions per second by outcome",
            (Query(_rate("ray_bankflow_fraud_decisions_total", "outcome"), "{{outcome}}"),),
            "ops",
        ),
        Panel(
            "Decisions per second by model version",
            (Query(_rate("ray_bankflow_fraud_decisions_total", "model_version"), "{{model_version}}"),),
            "ops",
        ),
        Panel(
            "Scoring latency",
            (
                Query(_quantile(0.5, "ray_bankflow_fraud_scoring_latency_ms"), "p50"),
                Query(_quantile(0.99, "ray_bankflow_fraud_scoring_latency_ms"), "p99"),
            ),
            "ms",
        ),
        Panel(
            "Calls settled by policy (Fraud did not answer)",
            (Query(_rate("ray_bankflow_fraud_unanswered_total", "reason"), "{{reason}}"),),
            "ops",
        ),
    ),
)

NOTIFICATIONS = Dashboard(
    "bankflow-notifications",
    "BankFlow / Notifications",
    "Events taken in, messages delivered, failed and retried, by channel.",
    (
        Panel(
            "Sent per second by channel",
            (Query(_rate("ray_bankflow_notifications_total", "channel", '{outcome="sent"}'), "{{channel}}"),),
            "ops",
        ),
        Panel(
            "Failed per second by channel",
            (Query(_rate("ray_bankflow_notifications_total", "channel", '{outcome="failed"}'), "{{channel}}"),),
            "ops",
        ),
        Panel(
            "Retried and skipped per second",
            (
                Query(
                    _rate("ray_bankflow_notifications_total", "channel, outcome", '{outcome=~"retried|skipped"}'),
                    "{{outcome}} {{channel}}",
                ),
            ),
            "ops",
        ),
        Panel(
            "Events consumed and dead-lettered per second",
            (Query(_rate("ray_bankflow_notification_events_total", "result"), "{{result}}"),),
            "ops",
        ),
    ),
)

DASHBOARDS: Final = (OVERVIEW, LEDGER, API, FRAUD, NOTIFICATIONS)


def grafana_json(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as Grafana imports it; the Prometheus data source is chosen on import."""
    columns = GRID_COLUMNS // PANEL_WIDTH
    panels = []
    for index, panel in enumerate(dashboard.panels):
        panels.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": panel.title,
                "description": panel.description,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {
                    "h": PANEL_HEIGHT,
                    "w": PANEL_WIDTH,
                    "x": (index % columns) * PANEL_WIDTH,
                    "y": (index // columns) * PANEL_HEIGHT,
                },
                "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
                "targets": [
                    {
                        "refId": chr(ord("A") + position),
                        "expr": query.expr,
                        "legendFormat": query.legend,
                        "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    }
                    for position, query in enumerate(panel.queries)
                ],
            }
        )
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": ["bankflow"],
        "timezone": "utc",
        "schemaVersion": GRAFANA_SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                }
            ]
        },
        "panels": panels,
    }


def render(root: Path) -> list[Rendered]:
    return [
        Rendered(root / DASHBOARD_DIR / f"{dashboard.uid}.json", json.dumps(grafana_json(dashboard), indent=2) + "\n")
        for dashboard in DASHBOARDS
    ]


def write(root: Path) -> list[Rendered]:
    rendered = render(root)
    for one in rendered:
        one.write()
    return rendered


def drifted(root: Path) -> list[Path]:
    """The dashboards whose committed JSON is missing or differs from what this module renders."""
    return [one.path for one in render(root) if one.is_stale()]

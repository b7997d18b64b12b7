"""Metrics: the catalogue, the dashboards and alert rules built on it, and a live scrape of
/metrics after a workload that finds every metric they name."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

import httpx
import kubernetes_validate
import pytest
import yaml
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from actors import metrics as catalogue
from actors.metrics_scrape import (
    MAX_NODE_EXPOSITION_BYTES,
    ScrapeError,
    merge_node_answers,
    metrics_urls,
    scrape_nodes,
)
from cluster import dashboards
from deployments.observability import UNMATCHED_ROUTE, route_template
from tests.banking_client import Customer, deposit, open_account
from tests.conftest import METRICS_TOKEN
from tests.kustomize import kustomize

ROOT = Path(__file__).resolve().parent.parent
ALERTS = ROOT / "kuberay" / "observability" / "alerts.yaml"
METRIC_NAME = re.compile(r"\bray_bankflow_[a-z0-9_]+")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# What operators asked to be woken for; each has a rule and a runbook line.
REQUIRED_ALERTS = {
    "BankFlowOutboxLagHigh",
    "BankFlowSagaStuck",
    "BankFlowApiErrorRateHigh",
    "BankFlowFraudTimeouts",
    "BankFlowShardRestarting",
}
SCRAPE_WAIT_S = 90  # Ray's agents export what processes record every few seconds
LARGE_EXPORT_BYTES = 6 * 1024 * 1024  # what a node of a stack that has carried some load exports
# A node's agent writes its export a piece at a time; pauses between the pieces mean that a
# reader which takes what has arrived so far sees only a part.
SERVED_CHUNK_BYTES = 64 * 1024
SERVED_PAUSE_S = 0.002


def _alert_rules() -> list[dict[str, object]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    exprs = []
    for path in sorted((ROOT / dashboards.DASHBOARD_DIR).glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["targets"], f"{path.name}: panel {panel['title']!r} queries nothing"
            exprs.extend(target["expr"] for target in panel["targets"])
    return exprs


def _named_metrics() -> set[str]:
    texts = [*_dashboard_exprs(), *(str(rule["expr"]) for rule in _alert_rules())]
    return {name for text in texts for name in METRIC_NAME.findall(text)}


def _catalogue_names() -> set[str]:
    """Every exported name of the catalogue (Ray adds `ray_`; histograms export three series)."""
    groups = (
        catalogue.ledger_metrics(),
        catalogue.outbox_metrics(),
        catalogue.api_metrics(),
        catalogue.fraud_metrics(),
        catalogue.notification_metrics(),
    )
    names: set[str] = set()
    for group in groups:
        for metric in vars(group).values():
            exported = catalogue.EXPORT_PREFIX + metric.info["name"]
            if isinstance(metric, catalogue.Histogram):
                names.update(exported + suffix for suffix in HISTOGRAM_SUFFIXES)
            else:
                names.add(exported)
    return names


def test_the_dashboards_are_what_their_spec_renders() -> None:
    assert not dashboards.drifted(ROOT), "run `bankflow kuberay render` and commit the dashboards"
    assert {path.stem for path in (ROOT / dashboards.DASHBOARD_DIR).glob("*.json")} == {
        "bankflow-overview",
        "bankflow-ledger",
        "bankflow-api",
        "bankflow-fraud",
        "bankflow-notifications",
    }


def test_dashboards_and_alerts_name_only_catalogued_metrics() -> None:
    named = _named_metrics()
    assert named, "the dashboards and alerts name no metric"
    assert named - _catalogue_names() == set()


def test_every_alert_has_a_runbook_line_in_the_rule_and_the_readme() -> None:
    rules = _alert_rules()
    names = {str(rule["alert"]) for rule in rules}
    assert names >= REQUIRED_ALERTS
    readme = (ROOT / "README.md").read_text()
    for rule in rules:
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert len(str(annotations.get("runbook", ""))) > 40, f"{rule['alert']} has no runbook line"
        assert f"`{rule['alert']}`" in readme, f"the README's alert runbook does not cover {rule['alert']}"


def test_the_monitoring_stack_gets_every_dashboard_and_the_rules_as_valid_configmaps() -> None:
    maps = {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(kustomize("observability")) if doc}
    for doc in maps.values():
        kubernetes_validate.validate(doc, "1.33", strict=True)
    dashboards_map = maps["bankflow-grafana-dashboards"]
    assert dashboards_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    committed = {path.name: path.read_text() for path in (ROOT / dashboards.DASHBOARD_DIR).glob("*.json")}
    assert dashboards_map["data"] == committed
    assert maps["bankflow-prometheus-rules"]["data"] == {"bankflow-alerts.yaml": ALERTS.read_text()}


def test_expositions_of_several_nodes_merge_into_one_valid_exposition() -> None:
    node = """# HELP ray_bankflow_x_total x
# TYPE ray_bankflow_x_total counter
ray_bankflow_x_total{{NodeAddress="{address}"}} {value}
# HELP ray_bankflow_h_ms h
# TYPE ray_bankflow_h_ms histogram
ray_bankflow_h_ms_bucket{{NodeAddress="{address}",le="1.0"}} 1.0
ray_bankflow_h_ms_bucket{{NodeAddress="{address}",le="+Inf"}} 2.0
ray_bankflow_h_ms_count{{NodeAddress="{address}"}} 2.0
ray_bankflow_h_ms_sum{{NodeAddress="{address}"}} 3.0
"""
    merged = merge_node_answers(
        ["http://10.0.0.1:1/metrics", "http://10.0.0.2:1/metrics"],
        [node.format(address="10.0.0.1", value=1), node.format(address="10.0.0.2", value=5)],
    )
    text = merged.decode()
    assert text.count("# TYPE ray_bankflow_x_total counter") == 1
    families = {family.name: family for family in text_string_to_metric_families(text)}
    counter = families["ray_bankflow_x"]
    assert sorted(sample.value for sample in counter.samples) == [1.0, 5.0]
    assert len(families["ray_bankflow_h_ms"].samples) == 8


def test_a_node_whose_metrics_do_not_parse_is_left_out_of_the_scrape() -> None:
    good = '# TYPE ray_bankflow_x_total counter\nray_bankflow_x_total{NodeAddress="10.0.0.1"} 4.0\n'
    garbled = '# TYPE ray_bankflow_x_total counter\nray_bankflow_x_total{NodeAddress="10.0.0.2" 4.0\n'
    urls = ["http://10.0.0.1:1/metrics", "http://10.0.0.2:1/metrics", "http://10.0.0.3:1/metrics"]
    merged = merge_node_answers(urls, [good, garbled, TimeoutError()]).decode()
    (family,) = text_string_to_metric_families(merged)
    assert [sample.labels["NodeAddress"] for sample in family.samples] == ["10.0.0.1"]
    with pytest.raises(ScrapeError, match="none of the 2 Ray nodes"):
        merge_node_answers(urls[1:], [garbled, TimeoutError()])


@cache
def _exposition(min_bytes: int) -> bytes:
    """Valid exposition text of at least `min_bytes`: histograms by route, as Ray exports them."""
    lines: list[str] = []
    size = 0
    family = 0
    while size < min_bytes:
        name, start = f"ray_bankflow_f{family}_ms", len(lines)
        lines += [f"# HELP {name} latency {family}\n", f"# TYPE {name} histogram\n"]
        for route in range(100):
            # Labels in the order the merged exposition writes them, so that lines compare as text.
            node, path = 'Component="core_worker",NodeAddress="127.0.0.1"', f'route="/api/v1/r{route}"'
            for bound in ("1.0", "5.0", "25.0", "+Inf"):
                lines.append(f'{name}_bucket{{{node},le="{bound}",{path}}} {route}.0\n')
            lines += [f"{name}_count{{{node},{path}}} {route}.0\n", f"{name}_sum{{{node},{path}}} {family}.0\n"]
        size += sum(map(len, lines[start:]))
        family += 1
    return "".join(lines).encode()


def _samples(exposition: bytes) -> list[str]:
    return [line for line in exposition.decode().splitlines() if line and not line.startswith("#")]


@asynccontextmanager
async def _metrics_agents(exports: Mapping[str, bytes], declare_length: bool) -> AsyncIterator[dict[str, str]]:
    """Nodes' metrics agents on 127.0.0.1, each sending its export in pieces: their URLs by name."""

    async def export(request: web.Request) -> web.StreamResponse:
        body = exports[request.match_info["node"]]
        response = web.StreamResponse(headers={"Content-Type": "text/plain; version=0.0.4"})
        if declare_length:
            response.content_length = len(body)
        await response.prepare(request)
        try:
            for start in range(0, len(body), SERVED_CHUNK_BYTES):
                await response.write(body[start : start + SERVED_CHUNK_BYTES])
                await asyncio.sleep(SERVED_PAUSE_S)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the scraper refused the export part-way: what the refusal test wants
        return response

    app = web.Application()
    app.router.add_get("/{node}/metrics", export)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield {node: f"http://127.0.0.1:{port}/{node}/metrics" for node in exports}
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_a_large_export_sent_in_pieces_is_read_to_its_end(declare_length: bool) -> None:
    export = _exposition(LARGE_EXPORT_BYTES)
    async with _metrics_agents({"node-1": export}, declare_length) as urls:
        merged = await scrape_nodes([urls["node-1"]])
    # Every sample, the last one too: a prefix cut at a line's end would parse, short of samples.
    assert sorted(_samples(merged)) == sorted(_samples(export))


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_an_export_over_the_bound_is_refused_not_parsed_cut_short(
    declare_length: bool, caplog: pytest.LogCaptureFixture
) -> None:
    small = _exposition(1)
    exports = {"big": _exposition(MAX_NODE_EXPOSITION_BYTES + 1), "small": small}
    with caplog.at_level(logging.ERROR, logger="bankflow.metrics"):
        async with _metrics_agents(exports, declare_length) as urls:
            merged = await scrape_nodes([urls["big"], urls["small"]])
            with pytest.raises(ScrapeError, match="none of the 1 Ray nodes"):
                await scrape_nodes([urls["big"]])
    assert sorted(_samples(merged)) == sorted(_samples(small))
    refusals = [  # other loggers of this process (a test's in-process shard) may log errors meanwhile
        record.getMessage()
        for record in caplog.records
        if record.name == "bankflow.metrics" and record.levelno == logging.ERROR
    ]
    assert len(refusals) == 2
    assert all(urls["big"] in message and "refused" in message for message in refusals)


def test_only_live_nodes_with_a_metrics_port_are_scraped() -> None:
    nodes = [
        {"Alive": True, "NodeManagerAddress": "10.0.0.1", "MetricsExportPort": 8080},
        {"Alive": False, "NodeManagerAddress": "10.0.0.2", "MetricsExportPort": 8080},
        {"Alive": True, "NodeManagerAddress": "10.0.0.3", "MetricsExportPort": 0},
    ]
    assert metrics_urls(nodes) == ["http://10.0.0.1:8080/metrics"]


def test_requests_are_labelled_by_route_template_never_by_raw_path() -> None:
    class Route:
        path = "/api/v1/accounts/{account_id}"

    assert route_template({"route": Route()}) == "/api/v1/accounts/{account_id}"
    assert route_template({"path": "/wp-admin/../etc"}) == UNMATCHED_ROUTE


def test_metrics_need_their_token(api: httpx.Client) -> None:
    assert api.get("/metrics").status_code == 401
    wrong = api.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"


def test_staff_read_the_key_figures_and_a_customer_is_refused(
    api: httpx.Client, admin: dict[str, str], ada: Customer
) -> None:
    refused = api.get("/api/v1/admin/system/figures", headers=ada.headers)  # ada: `new_customer`
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "forbidden"

    deadline = time.monotonic() + SCRAPE_WAIT_S
    figures = api.get("/api/v1/admin/system/figures", headers=admin)
    while figures.status_code == 503 and time.monotonic() < deadline:  # a metrics agent is still starting
        assert figures.json()["error"]["code"] == "unavailable"
        assert figures.headers["retry-after"] == "5"
        time.sleep(2)
        figures = api.get("/api/v1/admin/system/figures", headers=admin)
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert set(body) == {"outbox_lag_s", "commit_latency_ms", "api", "scraped_at"}
    assert set(body["commit_latency_ms"]) == {"count", "mean", "p50", "p99"}
    assert set(body["api"]) == {"requests", "errors_5xx", "error_rate"}
    assert body["outbox_lag_s"] is None or body["outbox_lag_s"] >= 0
    assert body["api"]["requests"] is None or body["api"]["requests"] >= body["api"]["errors_5xx"] >= 0
    assert body["api"]["error_rate"] is None or 0 <= body["api"]["error_rate"] <= 1


def test_a_scrape_after_a_workload_has_every_metric_the_dashboards_and_alerts_name(
    api: httpx.Client, ada: Customer, bob: Customer
) -> None:
    source = open_account(api, ada)
    deposit(api, ada, source, "500.00")
    destinations = [open_account(api, bob) for _ in range(4)]  # some land on other shards: sagas
    for destination in destinations:
        body = {"from_account_id": source, "to_account_id": destination, "amount": "12.50", "currency": "USD"}
        response = api.post("/api/v1/transactions/transfer", json=body, headers=ada.headers)
        assert response.status_code == 201, response.text
    assert api.get("/api/v1/accounts/not-a-uuid/balance", headers=ada.headers).status_code == 422

    wanted = _named_metrics()
    token = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    missing = wanted
    deadline = time.monotonic() + SCRAPE_WAIT_S
    while missing and time.monotonic() < deadline:
        scrape = api.get("/metrics", headers=token)
        if scrape.status_code == 503:  # a node's metrics agent is still starting
            assert scrape.json()["error"]["code"] == "unavailable"
            time.sleep(2)
            continue
        assert scrape.status_code == 200, scrape.text
        assert scrape.headers["content-type"].startswith("text/plain")
        sample_names = {
            sample.name for family in text_string_to_metric_families(scrape.text) for sample in family.samples
        }
        missing = wanted - sample_names
        if missing:
            time.sleep(2)
    assert missing == set(), f"named by a dashboard or alert but not in /metrics: {sorted(missing)}"
    routes = re.findall(r'ray_bankflow_api_requests_total\{[^}]*route="([^"]+)"', scrape.text)
    assert "/api/v1/transactions/transfer" in routes
    assert all("not-a-uuid" not in route for route in routes)

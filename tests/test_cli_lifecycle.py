"""`bankflow up` / `down` as a person runs them: idempotent, and nothing left behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from actors.settings import Settings
from cluster.embedded import ray_head
from cluster.embedded.process import load_record, stop_session
from tests.conftest import isolated_settings
from tests.ledger_harness import check_invariants

SERVICES = ("postgres", "kafka", "redis", "smtp", "ray")
COMMAND_TIMEOUT_S = 240


def _environment(settings: Settings) -> dict[str, str]:
    names = (
        "data_dir",
        "postgres_port",
        "kafka_port",
        "redis_port",
        "smtp_port",
        "ray_port",
        "http_port",
        "ray_dashboard",
        "ray_object_store_mb",
        "account_shards",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BANKFLOW_", "RAY_"))}
    env.update({f"BANKFLOW_{name.upper()}": str(getattr(settings, name)) for name in names})
    env["BANKFLOW_ADMIN_PASSWORD"] = settings.admin_password.get_secret_value()
    return env


def _bankflow(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cluster.cli", *arguments],
        env=_environment(settings),
        cwd=settings.data_dir.parent,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


def _sessions(settings: Settings) -> dict[str, int]:
    sessions = {}
    for name in SERVICES:
        record = load_record(settings.run_dir, name)
        assert record is not None, f"{name} was not recorded"
        sessions[name] = record.session_id
    return sessions


def _processes_of(settings: Settings, sessions: dict[str, int]) -> list[str]:
    """Every live process that belongs to the stack: by session, or naming its data dir."""
    left = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            in_session = os.getsid(process.pid) in sessions.values()
            names_data_dir = str(settings.data_dir) in " ".join(process.info["cmdline"] or [])
            if (in_session or names_data_dir) and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {' '.join(process.info['cmdline'] or [])[:120]}")
        except (OSError, psutil.Error):
            continue
    return left


def _ready(settings: Settings) -> int:
    return httpx.get(f"http://127.0.0.1:{settings.http_port}/readyz", timeout=20).status_code


def test_foreground_up_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / ".bankflow")
    process = subprocess.Popen(
        [sys.executable, "-m", "cluster.cli", "up", "--foreground"],
        env=_environment(settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = []
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    for line in process.stdout:
        output.append(line)
        if "BankFlow is up" in line or time.monotonic() > deadline:
            break
    assert any("BankFlow is up" in line for line in output), "".join(output)
    sessions = _sessions(settings)
    assert _ready(settings) == 200

    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=COMMAND_TIMEOUT_S)
    assert process.returncode == 0, "".join(output) + rest
    assert _processes_of(settings, sessions) == []


def _driver(settings: Settings, *arguments: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.ledger_driver", *arguments],
        env=_environment(settings),
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    document: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return document


# Three `up`s (each a minute or more on two cores, longer beside the rest of a busy machine) and
# a ledger rebuilt from its journal: more than the suite's default bound, still bounded.
@pytest.mark.timeout(720)
def test_up_twice_is_harmless_the_ledger_survives_ray_dying_and_down_leaves_nothing(tmp_path: Path) -> None:
    """One stack for three promises, since each `up` costs a minute: a second `up` reuses what
    runs; Ray killed outright (no clean shutdown) is healed by the next `up`, which rebuilds every
    shard from its snapshot plus the journal after it, the ledger exactly as acknowledged; and
    `down` leaves no process behind."""
    settings = isolated_settings(tmp_path / ".bankflow", account_shards=2)
    try:
        first = _bankflow(settings, "up", "--demo")
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"http://127.0.0.1:{settings.http_port}" in first.stdout
        assert "KYC approved" in first.stdout, "a fresh install seeds the demo customer"
        sessions = _sessions(settings)
        assert _ready(settings) == 200

        second = _bankflow(settings, "up")
        assert second.returncode == 0, second.stdout + second.stderr
        assert _sessions(settings) == sessions, "a second `up` must reuse what runs"
        assert "up to date" in second.stdout
        assert _ready(settings) == 200

        status = _bankflow(settings, "status")
        assert status.returncode == 0, status.stdout + status.stderr
        endpoints = json.loads((settings.run_dir / "endpoints.json").read_text())
        assert endpoints["http_url"] == f"http://127.0.0.1:{settings.http_port}"

        _the_ledger_recovers_after_ray_is_killed(settings)
        sessions = _sessions(settings)  # Ray's is new
    finally:
        down = _bankflow(settings, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert _processes_of(settings, sessions) == []
    assert not (settings.run_dir / "endpoints.json").exists()

    again = _bankflow(settings, "down")
    assert again.returncode == 0
    assert "not running" in again.stdout


def _the_ledger_recovers_after_ray_is_killed(settings: Settings) -> None:
    loaded = _driver(settings, "load")
    accounts = list(loaded["accounts"])  # type: ignore[call-overload]
    stop_session(settings.run_dir, ray_head.NAME, first_signal=signal.SIGKILL)
    again = _bankflow(settings, "up")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _ready(settings) == 200
    after = _driver(settings, "balances", *accounts)
    assert after["balances"] == loaded["balances"]
    stats = _driver(settings, "stats")["shards"]
    assert isinstance(stats, list), stats
    # Recovered from the snapshot plus the journal written after it (on whichever shards it fell).
    assert sum(shard["replayed_entries"] for shard in stats) > 0, stats
    database_url = json.loads((settings.run_dir / "endpoints.json").read_text())["database_url"]
    asyncio.run(check_invariants(database_url))

"""Child processes of the embedded stack: start detached, record, wait for readiness, stop.

Every process the stack starts is the leader of a new session and is recorded in
`<data_dir>/run/<name>.json`. Its daemons and workers (PostgreSQL backends, Ray's GCS,
raylet and workers) stay in that session, so `bankflow down` stops exactly the session's
members: what `bankflow up` started, all of it, and nothing else. Linux never hands out a
pid that is still some process's session id, so a recorded session cannot name a stranger.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess  # nosec B404
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

LOG_TAIL_LINES = 15
POLL_INTERVAL_S = 0.1
STOP_TIMEOUT_S = 20.0


class ServiceError(RuntimeError):
    """A service could not be started or reached; the message names it."""


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    session_id: int
    port: int
    log_path: str

    def members(self) -> list[psutil.Process]:
        """Live processes of this record's session and their descendants.

        Descendants count too because some servers (PostgreSQL) put each child in a
        session of its own.
        """
        found: dict[int, psutil.Process] = {}
        for process in psutil.process_iter():
            try:
                if os.getsid(process.pid) != self.session_id:
                    continue
                for member in (process, *process.children(recursive=True)):
                    if member.status() != psutil.STATUS_ZOMBIE:
                        found[member.pid] = member
            except (OSError, psutil.Error):
                continue
        return list(found.values())

    def is_alive(self) -> bool:
        return bool(self.members())


def _record_path(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.json"


def save_record(run_dir: Path, record: ProcessRecord) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = _record_path(run_dir, record.name)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(record)))
    temporary.replace(path)


def load_record(run_dir: Path, name: str) -> ProcessRecord | None:
    path = _record_path(run_dir, name)
    if not path.exists():
        return None
    return ProcessRecord(**json.loads(path.read_text()))


def running_record(run_dir: Path, name: str) -> ProcessRecord | None:
    """The recorded session for `name` if any of its processes still runs."""
    record = load_record(run_dir, name)
    if record is not None and record.is_alive():
        return record
    return None


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, avoid: frozenset[int] = frozenset(), host: str = "127.0.0.1") -> list[int]:
    """`count` distinct ports nothing listens on right now, none of them in `avoid`."""
    probes: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probes.append(probe)  # held open until all are chosen, so the kernel never repeats one
            probe.bind((host, 0))
            port: int = probe.getsockname()[1]
            if port not in avoid:
                ports.append(port)
    finally:
        for probe in probes:
            probe.close()
    return ports


def require_free_port(service: str, host: str, port: int, setting: str) -> None:
    if not port_is_free(host, port):
        raise ServiceError(
            f"{service}: port {host}:{port} is already in use by another program; "
            f"stop it or choose another port with {setting}"
        )


def tcp_accepts(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def log_tail(log_path: Path) -> str:
    if not log_path.exists():
        return "    (no log written)"
    lines = log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
    return "\n".join("    " + line for line in lines) or "    (log is empty)"


def check_executable(service: str, binary: Path) -> None:
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise ServiceError(f"{service}: binary {binary} is missing or not executable")


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    run_dir: Path,
    log_path: Path,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> tuple[subprocess.Popen[bytes], ProcessRecord]:
    """Start `argv` as the leader of a new session (it outlives this command) and record it."""
    check_executable(name, Path(argv[0]))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        # Argv is built by the stack, never from input.
        child = subprocess.Popen(  # nosec B603
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            user=user,
        )
    record = ProcessRecord(name=name, session_id=child.pid, port=port, log_path=str(log_path))
    save_record(run_dir, record)
    return child, record


def wait_ready(
    name: str,
    is_ready: Callable[[], bool],
    *,
    timeout_s: float,
    record: ProcessRecord | None = None,
) -> None:
    """Poll `is_ready` until it holds; fail fast if the service died, fail at the bound otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_ready():
            return
        if record is not None and not record.is_alive():
            raise ServiceError(
                f"{name}: the process exited during start-up; last lines of "
                f"{record.log_path}:\n{log_tail(Path(record.log_path))}"
            )
        time.sleep(POLL_INTERVAL_S)
    where = f"; last lines of {record.log_path}:\n{log_tail(Path(record.log_path))}" if record else ""
    raise ServiceError(f"{name}: not ready after {timeout_s:.0f} s{where}")


def _is_gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def wait_gone(processes: Sequence[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until every process has exited (or is a zombie awaiting its reaper); return the rest."""
    deadline = time.monotonic() + timeout_s
    remaining = [process for process in processes if not _is_gone(process)]
    while remaining and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S / 2)
        remaining = [process for process in remaining if not _is_gone(process)]
    return remaining


def signal_processes(processes: Sequence[psutil.Process], signum: int) -> None:
    for process in processes:
        try:
            process.send_signal(signum)
        except psutil.Error:
            continue


def stop_session(
    run_dir: Path,
    name: str,
    *,
    first_signal: int = signal.SIGTERM,
    leader_only: bool = False,
    timeout_s: float = STOP_TIMEOUT_S,
) -> int:
    """Stop every process of the recorded session: `first_signal`, a bounded wait, then SIGKILL.

    With `leader_only`, the first signal goes to the session leader alone (PostgreSQL's
    postmaster shuts its backends down itself). Returns how many processes were stopped.
    """
    record = load_record(run_dir, name)
    if record is None:
        return 0
    members = record.members()
    if members:
        targets = [p for p in members if p.pid == record.session_id] if leader_only else members
        signal_processes(targets or members, first_signal)
        wait_gone(members, timeout_s)
        leftovers = record.members()
        signal_processes(leftovers, signal.SIGKILL)
        wait_gone(leftovers, timeout_s)
    _record_path(run_dir, name).unlink(missing_ok=True)
    return len(members)

"""The whole stack: bring every component up in order, report on it, take it down.

A component whose setting is empty is embedded (started and stopped by us); one whose
setting names a server is external (checked, never started or stopped). `up` is
idempotent: what already runs is reused.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import ray
from pydantic import SecretStr

from actors import outbox_relay
from actors.banking import jobs
from actors.kafka_admin import ensure_topics
from actors.ledger import placement
from actors.notifications import actor as notifications
from actors.probes import ProbeResult, probe_kafka, probe_postgres, probe_redis, probe_smtp
from actors.settings import ENDPOINTS_FILE, Settings
from cluster import migrations, ray_runtime, serve_app
from cluster.demo import DemoError, seed_demo
from cluster.embedded import kafka, postgres, ray_head, redis, smtp
from cluster.embedded.process import ServiceError

Progress = Callable[[str], None]
LOCK_FILE = "stack.lock"
LEDGER_STOP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Endpoints:
    database_url: str
    database_owner_url: str
    kafka_bootstrap: str
    redis_url: str
    smtp_url: str
    ray_address: str
    http_url: str


def http_url(settings: Settings) -> str:
    # Comparing with the wildcard address to print a reachable URL, not binding to it.
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::") else settings.http_host  # nosec B104
    return f"http://{host}:{settings.http_port}"


@contextmanager
def _stack_lock(settings: Settings) -> Iterator[None]:
    """One `up`/`down` at a time per data dir."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    with (settings.run_dir / LOCK_FILE).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _require(result: ProbeResult, setting: str) -> None:
    if not result.ok:
        raise ServiceError(f"{result.component}: cannot reach the server named by {setting}: {result.detail}")


def _postgres(settings: Settings) -> tuple[str, str, str]:
    """The services' DSN, the schema owner's (empty: the same), and where the server is."""
    if settings.database_url:
        _require(asyncio.run(probe_postgres(settings.database_url)), "BANKFLOW_DATABASE_URL")
        if settings.database_owner_url:
            _require(asyncio.run(probe_postgres(settings.database_owner_url)), "BANKFLOW_DATABASE_OWNER_URL")
        return settings.database_url, settings.database_owner_url, "external"
    owner = postgres.start(settings)
    return postgres.service_dsn(settings.postgres_port), owner, f"embedded 127.0.0.1:{settings.postgres_port}"


def _kafka(settings: Settings) -> tuple[str, str]:
    if settings.kafka_bootstrap:
        asyncio.run(ensure_topics(settings.kafka_bootstrap))
        _require(asyncio.run(probe_kafka(settings.kafka_bootstrap)), "BANKFLOW_KAFKA_BOOTSTRAP")
        return settings.kafka_bootstrap, "external"
    return kafka.start(settings), f"embedded 127.0.0.1:{settings.kafka_port}"


def _redis(settings: Settings) -> tuple[str, str]:
    if settings.redis_url:
        _require(asyncio.run(probe_redis(settings.redis_url)), "BANKFLOW_REDIS_URL")
        return settings.redis_url, "external"
    return redis.start(settings), f"embedded 127.0.0.1:{settings.redis_port}"


def _smtp(settings: Settings) -> tuple[str, str]:
    external = settings.smtp_url.get_secret_value()
    if external:
        _require(asyncio.run(probe_smtp(external)), "BANKFLOW_SMTP_URL")
        return external, "external"
    return smtp.start(settings), f"embedded 127.0.0.1:{settings.smtp_port}"


def _ray(settings: Settings) -> tuple[str, str]:
    if settings.ray_address:
        return settings.ray_address, "external"
    return ray_head.start(settings), f"embedded {ray_head.address(settings)}"


def _write_endpoints(settings: Settings, endpoints: Endpoints) -> None:
    path = settings.data_dir / ENDPOINTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(endpoints), indent=2))


def _timed(progress: Progress, index: int, total: int, label: str, action: Callable[[], str]) -> None:
    progress(f"[{index}/{total}] {label:<12} …")
    started = time.monotonic()
    detail = action()
    progress(f"[{index}/{total}] {label:<12} ok  {detail} ({time.monotonic() - started:.1f} s)")


def up(settings: Settings, progress: Progress = print, *, demo: bool = False) -> Endpoints:
    """Bring the stack up (or confirm it is up); return where each component answers.
    With `demo`, a demo customer is created too (once)."""
    settings = settings.with_dev_keys().with_document_store()
    found: dict[str, str] = {}

    def service(name: str, start: Callable[[Settings], tuple[str, str]]) -> Callable[[], str]:
        def run() -> str:
            found[name], where = start(settings)
            return where

        return run

    def start_postgres() -> str:
        found["database_url"], found["database_owner_url"], where = _postgres(settings)
        return where

    def migrate() -> str:
        applied = asyncio.run(migrations.apply_migrations(settings.with_addresses(found).migration_url))
        return f"{len(applied)} applied" if applied else "up to date"

    def start_ledger() -> str:
        resolved = settings.with_addresses(found)
        ray_runtime.connect(resolved)
        return ledger_up(resolved)

    def deploy() -> str:
        serve_app.deploy(settings.with_addresses(found))
        return f"application {serve_app.APP_NAME} RUNNING"

    admin_password: list[str | None] = [settings.admin_password.get_secret_value() or None]

    def admin() -> str:
        created, password = serve_app.bootstrap_admin(settings)
        if not created:
            return "an admin exists"
        if password:
            admin_password[0] = password
        shown = f" password {password}" if password else " (password from BANKFLOW_ADMIN_PASSWORD)"
        return f"created {settings.admin_email}{shown} — shown once, keep it"

    def seed() -> str:
        try:
            return seed_demo(http_url(settings), settings.admin_email, admin_password[0])
        except DemoError as error:
            raise ServiceError(f"demo: {error}") from None

    steps: list[tuple[str, Callable[[], str]]] = [
        ("postgres", start_postgres),
        ("migrations", migrate),
        ("kafka", service("kafka_bootstrap", _kafka)),
        ("redis", service("redis_url", _redis)),
        ("smtp", service("smtp_url", _smtp)),
        ("ray", service("ray_address", _ray)),
        ("ledger", start_ledger),
        ("serve", deploy),
        ("admin", admin),
    ]
    if demo:
        steps.append(("demo", seed))
    with _stack_lock(settings):
        try:
            for index, (label, action) in enumerate(steps, start=1):
                _timed(progress, index, len(steps), label, action)
        finally:
            ray_runtime.disconnect()
        endpoints = Endpoints(http_url=http_url(settings), **found)
        _write_endpoints(settings, endpoints)
    return endpoints


def ledger_up(settings: Settings) -> str:
    """The account shards (recovered) and the outbox relay, on the connected Ray cluster."""
    resources = settings.ledger_actor_resources
    handles = placement.ensure_shards(
        settings.database_url,
        settings.account_shards,
        resources=resources,
        otlp_traces_endpoint=settings.otlp_traces_endpoint,
        trace_sample_ratio=settings.trace_sample_ratio,
        daily_limit_units=settings.daily_outgoing_limit_units,
    )
    outbox_relay.ensure_relay(settings.database_url, settings.kafka_bootstrap, resources=resources)
    shards = asyncio.run(placement.wait_ready(handles, settings.service_start_timeout_s * 5))
    jobs.ensure_jobs(settings)
    notifications.ensure_notifications(settings)
    accounts = sum(shard["accounts"] for shard in shards)
    return f"{len(shards)} shards, {accounts} accounts, outbox relay, scheduler, settlement and notifications running"


def ledger_down(settings: Settings, progress: Progress) -> None:
    """Snapshot and stop the shards, stop the relay; the journal keeps everything."""
    try:
        handles = placement.shard_handles(settings.account_shards)
    except ValueError:
        progress(f"{'ledger':<10} not running")
        return
    _stop_actor(jobs.JOBS_ACTOR_NAME, jobs.JOBS_NAMESPACE)
    _stop_actor(notifications.NOTIFICATIONS_ACTOR_NAME, notifications.NOTIFICATIONS_NAMESPACE)
    placement.stop_shards(handles, LEDGER_STOP_TIMEOUT_S)
    _stop_actor(outbox_relay.RELAY_ACTOR_NAME, outbox_relay.RELAY_NAMESPACE)
    progress(f"{'ledger':<10} stopped ({len(handles)} shards snapshotted)")


def _stop_actor(name: str, namespace: str) -> None:
    """Stop a named actor that has a `stop` method, then remove it for good; absent is fine."""
    try:
        # Any, as every handle of ours: Ray types an untyped handle's methods as Never, which
        # would make everything after the call unreachable to the type checker.
        actor: Any = ray.get_actor(name, namespace=namespace)
        ray.get(actor.stop.remote(), timeout=LEDGER_STOP_TIMEOUT_S)
        ray.kill(actor, no_restart=True)
    except (ValueError, ray.exceptions.RayError):
        pass


def down(settings: Settings, progress: Progress = print) -> int:
    """Stop every embedded component this data dir's `up` started; return processes stopped."""
    stopped = 0
    with _stack_lock(settings):
        resolved = settings.with_endpoints()
        if resolved.ray_address or ray_head.record(settings) is not None:
            try:
                ray_runtime.connect(resolved)
                ledger_down(resolved, progress)
            except (ConnectionError, ray.exceptions.RayError) as error:
                progress(f"{'ledger':<10} not reachable ({error})")
            finally:
                ray_runtime.disconnect()
        for label, stop in (
            ("ray", ray_head.stop),
            ("smtp", smtp.stop),
            ("redis", redis.stop),
            ("kafka", kafka.stop),
            ("postgres", postgres.stop),
        ):
            count = stop(settings)
            stopped += count
            progress(f"{label:<10} {'stopped (' + str(count) + ' processes)' if count else 'not running'}")
        (settings.data_dir / ENDPOINTS_FILE).unlink(missing_ok=True)
    return stopped


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    mode: str
    ok: bool
    detail: str


# The components `status` probes: (name, the setting naming its server, probe of that address).
_PROBED: tuple[tuple[str, str, Callable[[str], Awaitable[ProbeResult]]], ...] = (
    ("postgres", "database_url", probe_postgres),
    ("kafka", "kafka_bootstrap", probe_kafka),
    ("redis", "redis_url", probe_redis),
    ("smtp", "smtp_url", probe_smtp),
)


def _address(settings: Settings, field: str) -> str:
    value = getattr(settings, field)
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def status(settings: Settings) -> list[ComponentStatus]:
    """Each component: embedded or external, and whether it answers right now."""
    resolved = settings.with_endpoints()

    async def probe_all() -> list[ProbeResult]:
        results = []
        for name, field, probe in _PROBED:
            address = _address(resolved, field)
            results.append(
                await probe(address) if address else ProbeResult(name, False, "not started (run `bankflow up`)")
            )
        return results

    report = [
        ComponentStatus(
            result.component, "external" if _address(settings, field) else "embedded", result.ok, result.detail
        )
        for result, (_, field, _) in zip(asyncio.run(probe_all()), _PROBED, strict=True)
    ]
    ray_running = bool(settings.ray_address) or ray_head.record(settings) is not None
    report.append(
        ComponentStatus(
            "ray",
            "external" if settings.ray_address else "embedded",
            ray_running,
            resolved.ray_address or ray_head.address(settings) if ray_running else "not started",
        )
    )
    return report

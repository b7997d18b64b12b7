"""The test harness: one embedded stack (PostgreSQL, broker, Redis, SMTP, Ray + Serve) per session.

Tests isolate themselves with fresh ids, databases or topics, never by restarting servers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from actors.settings import Settings
from cluster import stack
from cluster.embedded.postgres import dsn as postgres_dsn
from cluster.embedded.process import free_ports
from models.identity import Role
from tests.audit_client import operator_granted
from tests.banking_client import Customer, new_customer
from tests.identity_client import bearer, login, new_email, register
from tests.trace_receiver import TraceReceiver

ADMIN_PASSWORD = "Operator-Secret-For-Tests-1"
ALLOWED_ORIGIN = "https://app.bankflow.example"
METRICS_TOKEN = "scrape-token-for-tests"


def isolated_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a private stack: own data dir, free ports, nothing read from .env."""
    postgres_port, kafka_port, redis_port, smtp_port, ray_port, http_port, dashboard_port = free_ports(7)
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": "",
        "kafka_bootstrap": "",
        "redis_url": "",
        "smtp_url": "",
        "ray_address": "",
        "postgres_port": postgres_port,
        "kafka_port": kafka_port,
        "redis_port": redis_port,
        "smtp_port": smtp_port,
        "ray_port": ray_port,
        "http_port": http_port,
        "ray_dashboard_port": dashboard_port,
        "ray_dashboard": False,
        # Logical CPUs are placement slots, not cores: the stack's actors take 6.25 of 8, and a test's
        # own shards (1.5) beside a training task (1) would wait for a slot that never frees.
        "ray_num_cpus": 12,
        "ray_object_store_mb": 512,
        "admin_password": ADMIN_PASSWORD,
        "auth_rate_limit_per_minute": 1_000,
        "rate_limit_per_minute": 600,
        "ach_window_s": 2,
        "wire_delay_s": 0.2,
        "jobs_poll_interval_ms": 100,
        "notification_retry_base_ms": 50,
        "notification_retry_cap_ms": 400,
        "cors_allowed_origins": [ALLOWED_ORIGIN],
        "metrics_token": METRICS_TOKEN,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def trace_receiver() -> Iterator[TraceReceiver]:
    """Where the session stack's processes export their spans (OTLP over HTTP)."""
    receiver = TraceReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, trace_receiver: TraceReceiver) -> Iterator[Settings]:
    """The session's stack, up once for the whole run; its settings carry the live addresses.
    Its spans are exported to the session's trace receiver."""
    own = isolated_settings(
        tmp_path_factory.mktemp("stack") / ".bankflow", otlp_traces_endpoint=trace_receiver.endpoint
    )
    endpoints = stack.up(own, progress=lambda line: None)
    try:
        yield own.with_endpoints().with_dev_keys().with_document_store()
        assert endpoints.http_url == stack.http_url(own)
    finally:
        stack.down(own, progress=lambda line: None)


@pytest.fixture(scope="session")
def api_url(settings: Settings) -> str:
    return stack.http_url(settings)


@pytest.fixture
async def fresh_database(settings: Settings) -> AsyncIterator[str]:
    """A new empty database on the session's PostgreSQL; its DSN."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(postgres_dsn(settings.postgres_port, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_dsn(settings.postgres_port, name)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def ledger_database(fresh_database: str) -> str:
    """A fresh database with every migration applied."""
    from cluster.migrations import apply_migrations

    await apply_migrations(fresh_database)
    return fresh_database


@pytest.fixture(scope="session")
def ray_driver(settings: Settings) -> Iterator[None]:
    """This test process connected to the session's Ray cluster as a driver."""
    from cluster import ray_runtime

    ray_runtime.connect(settings)
    yield
    ray_runtime.disconnect()


def point_pipelines_at(settings: Settings, environment: pytest.MonkeyPatch) -> None:
    """Set the environment `bankflow pipelines …` reads to the session's stack."""
    environment.setenv("BANKFLOW_DATA_DIR", str(settings.data_dir))
    environment.setenv("BANKFLOW_DATABASE_URL", settings.database_url)
    environment.setenv("BANKFLOW_DOCUMENT_STORE_URL", settings.document_store_url)


@pytest.fixture
def pipeline_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment `bankflow pipelines …` reads, pointing at the session's stack."""
    point_pipelines_at(settings, monkeypatch)
    return settings


@pytest.fixture(scope="module")
def api(api_url: str) -> Iterator[httpx.Client]:
    """An HTTP client on the session's API, one per test module."""
    with httpx.Client(base_url=api_url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def admin(api: httpx.Client, settings: Settings) -> dict[str, str]:
    """The first admin's Authorization header."""
    response = login(api, settings.admin_email, ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


@pytest.fixture(scope="module")
def checker(api: httpx.Client, settings: Settings) -> dict[str, str]:
    """A second admin's Authorization header: the other pair of eyes on the first admin's requests.
    The operator makes them (`bankflow users grant`), as a bank makes its first checker."""
    email = new_email()
    register(api, email)
    operator_granted(settings.database_url, email, [Role.ADMIN])
    return bearer(login(api, email).json()["access_token"])


@pytest.fixture(scope="module")
def ada(api: httpx.Client, admin: dict[str, str]) -> Customer:
    """A customer with approved KYC, one per test module."""
    return new_customer(api, admin)


@pytest.fixture(scope="module")
def bob(api: httpx.Client, admin: dict[str, str]) -> Customer:
    return new_customer(api, admin)

"""The Serve app over real HTTP: health, readiness of every component, docs, error shape."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx

from actors.settings import Settings
from cluster.embedded import ray_head
from cluster.embedded import redis as embedded_redis

READY_WAIT_S = 30


def test_healthz(api_url: str) -> None:
    response = httpx.get(f"{api_url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


def test_readyz_reports_every_component_ok(api_url: str) -> None:
    response = httpx.get(f"{api_url}/readyz", timeout=20)
    assert response.status_code == 200, response.text
    components = response.json()["components"]
    assert set(components) == {"postgres", "kafka", "redis", "ray", "ledger"}
    assert all(component["status"] == "ok" for component in components.values()), components


def test_docs_and_openapi_are_served(api_url: str) -> None:
    assert httpx.get(f"{api_url}/docs", timeout=10).status_code == 200
    schema = httpx.get(f"{api_url}/openapi.json", timeout=10).json()
    assert "/readyz" in schema["paths"]


def test_unknown_path_has_the_error_shape(api_url: str) -> None:
    response = httpx.get(f"{api_url}/api/v1/no-such-thing", timeout=10)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["request_id"] == response.headers["x-request-id"]


def _readyz_until(api_url: str, expected_status: int) -> httpx.Response:
    deadline = time.monotonic() + READY_WAIT_S
    response = httpx.get(f"{api_url}/readyz", timeout=20)
    while response.status_code != expected_status and time.monotonic() < deadline:
        time.sleep(0.5)
        response = httpx.get(f"{api_url}/readyz", timeout=20)
    return response


def test_readyz_is_503_naming_redis_when_redis_is_stopped(api_url: str, settings: Settings) -> None:
    assert embedded_redis.stop(settings) >= 1
    try:
        response = _readyz_until(api_url, 503)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "failing"
        assert body["components"]["redis"]["status"] == "failing"
        assert all(body["components"][name]["status"] == "ok" for name in ("postgres", "kafka", "ray", "ledger"))
    finally:
        embedded_redis.start(settings)
    assert _readyz_until(api_url, 200).status_code == 200


def test_log_lines_are_json_with_the_request_id(api_url: str, settings: Settings) -> None:
    request_id = f"log-check-{uuid.uuid4().hex}"
    assert httpx.get(f"{api_url}/healthz", headers={"X-Request-ID": request_id}, timeout=10).status_code == 200
    deadline = time.monotonic() + READY_WAIT_S
    found: list[dict[str, object]] = []
    while not found and time.monotonic() < deadline:
        for path in Path(ray_head.temp_dir(settings)).rglob("replica_bankflow_Gateway_*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if request_id in line:
                    found.append(json.loads(line))
        time.sleep(0.2)
    assert found, "the gateway logged the request"
    assert all(entry.get("request_id") == request_id for entry in found)


def test_cors_answers_only_the_allowed_origins(api_url: str) -> None:
    from tests.conftest import ALLOWED_ORIGIN

    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = httpx.options(f"{api_url}/api/v1/auth/login", headers={"Origin": ALLOWED_ORIGIN, **preflight}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    other = httpx.options(
        f"{api_url}/api/v1/auth/login", headers={"Origin": "https://evil.example", **preflight}, timeout=10
    )
    assert "access-control-allow-origin" not in other.headers

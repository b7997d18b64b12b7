"""Deploying the Serve application from its deploy config (deployments/serve_config.yaml)."""

from __future__ import annotations

import logging
import time
from importlib import resources
from typing import Any

import yaml
from ray import serve
from ray.serve._private import api as serve_private_api
from ray.serve.config import gRPCOptions
from ray.serve.schema import ServeDeploySchema

from actors.settings import Settings
from cluster.embedded.process import ServiceError

CONFIG_RESOURCE = ("deployments", "serve_config.yaml")
APP_NAME = "bankflow"
POLL_INTERVAL_S = 0.5


def load_config() -> dict[str, Any]:
    """The deploy config file exactly as committed."""
    package, name = CONFIG_RESOURCE
    text = resources.files(package).joinpath(name).read_text()
    config: dict[str, Any] = yaml.safe_load(text)
    return config


def service_env(settings: Settings) -> dict[str, str]:
    """Settings the replicas need that differ from their defaults, as BANKFLOW_* variables."""
    values = {
        "BANKFLOW_DATABASE_URL": settings.database_url,
        "BANKFLOW_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "BANKFLOW_REDIS_URL": settings.redis_url,
        "BANKFLOW_ACCOUNT_SHARDS": str(settings.account_shards),
        "BANKFLOW_LOG_LEVEL": settings.log_level,
    }
    return {name: value for name, value in values.items() if value}


def local_config(settings: Settings) -> ServeDeploySchema:
    """The committed config with this machine's HTTP address and service addresses."""
    config = load_config()
    config["http_options"] = {**config.get("http_options", {}), "host": settings.http_host, "port": settings.http_port}
    for application in config["applications"]:
        runtime_env = dict(application.get("runtime_env") or {})
        runtime_env["env_vars"] = {**runtime_env.get("env_vars", {}), **service_env(settings)}
        application["runtime_env"] = runtime_env
    return ServeDeploySchema.model_validate(config)


def deploy(settings: Settings) -> None:
    """Start Serve if needed and apply the config; return once the app is RUNNING."""
    config = local_config(settings)
    logging.getLogger("ray.serve").setLevel(logging.WARNING)
    client = serve_private_api.serve_start(
        http_options=config.http_options.model_dump(),
        proxy_location=config.proxy_location,
        grpc_options=gRPCOptions(**config.grpc_options.model_dump()),
    )
    client.deploy_apps(config, _blocking=False)
    wait_running(settings.service_start_timeout_s * 2)


def wait_running(timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    status = "NOT_STARTED"
    message = ""
    while time.monotonic() < deadline:
        application = serve.status().applications.get(APP_NAME)
        if application is not None:
            status, message = str(application.status.value), application.message
            if status == "RUNNING":
                return
            if status in ("DEPLOY_FAILED", "UNHEALTHY"):
                raise ServiceError(f"serve: application {APP_NAME} is {status}: {message}")
        time.sleep(POLL_INTERVAL_S)
    raise ServiceError(f"serve: application {APP_NAME} not RUNNING after {timeout_s:.0f} s (last: {status} {message})")

"""Deploying the Serve application from its deploy config (deployments/serve_config.yaml)."""

from __future__ import annotations

import json
import logging
import secrets
import time
from importlib import resources
from typing import Any

import yaml
from pydantic import SecretStr
from ray import serve
from ray.serve import context as serve_context
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


# Settings only the machine running `bankflow up` uses (where the embedded servers live).
_LOCAL_ONLY = frozenset(
    {
        "data_dir",
        "postgres_port",
        "kafka_port",
        "redis_port",
        "smtp_port",
        "ray_port",
        "ray_num_cpus",
        "ray_object_store_mb",
        "ray_dashboard",
        "ray_dashboard_port",
        "service_start_timeout_s",
        "http_host",
        "http_port",
        "admin_password",
        "admin_email",
    }
)


def _as_env(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def service_env(settings: Settings) -> dict[str, str]:
    """Every setting the replicas need that differs from its default, as a BANKFLOW_* variable.

    In production these come from the pod's environment (Kubernetes Secrets); locally the
    resolved addresses and the development keys are handed over this way.
    """
    env = {}
    for name, field in Settings.model_fields.items():
        if name in _LOCAL_ONLY:
            continue
        value = getattr(settings, name)
        default = field.get_default(call_default_factory=True)
        if _as_env(value) != _as_env(default):
            env[f"BANKFLOW_{name.upper()}"] = _as_env(value)
    return env


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


def reconfigure(deployment: str, user_config: dict[str, Any], timeout_s: float) -> None:
    """Change one deployment's `user_config` in the running app, all else as deployed.

    Serve applies a change of user_config alone to the live replicas (their `reconfigure`),
    without restarting them; an experiment (a benchmark) uses this to compare settings.
    """
    client = serve_context._get_global_client()
    if client is None:
        raise ServiceError("serve: not running on this Ray cluster")
    details = client.get_serve_details()
    application = details["applications"][APP_NAME]["deployed_app_config"]
    changed = [entry for entry in application.get("deployments", []) if entry["name"] == deployment]
    if not changed:
        raise ServiceError(f"serve: no deployment {deployment} in the config of {APP_NAME}")
    changed[0]["user_config"] = {**(changed[0].get("user_config") or {}), **user_config}
    config = ServeDeploySchema.model_validate(
        {
            "proxy_location": details["proxy_location"],
            "http_options": {key: details["http_options"][key] for key in ("host", "port")},
            "applications": [application],
        }
    )
    client.deploy_apps(config, _blocking=False)
    time.sleep(POLL_INTERVAL_S)  # the controller marks the app as updating only once it takes the config
    wait_running(timeout_s)


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


def bootstrap_admin(settings: Settings) -> tuple[bool, str | None]:
    """Ask the Identity deployment to create the first admin; (created?, generated password)."""
    configured = settings.admin_password.get_secret_value()
    password = configured or _generated_password()
    identity = serve.get_deployment_handle("Identity", app_name=APP_NAME)
    outcome = identity.bootstrap_admin.remote(settings.admin_email, password).result(timeout_s=60)
    if not isinstance(outcome, bool):
        raise ServiceError(
            f"admin: cannot create {settings.admin_email}: {outcome.message} (BANKFLOW_ADMIN_EMAIL / _PASSWORD)"
        )
    return outcome, (None if configured else password) if outcome else None


def _generated_password() -> str:
    # Long and random; the fixed tail guarantees every character class the strength rule asks for.
    return secrets.token_urlsafe(18) + "-Aa9"

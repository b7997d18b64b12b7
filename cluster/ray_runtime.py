"""Connecting this process to the stack's Ray cluster as a driver."""

from __future__ import annotations

import logging
import os

import ray

from actors.settings import Settings
from cluster.embedded import ray_head

SERVE_NAMESPACE = "serve"


def connect(settings: Settings, namespace: str = SERVE_NAMESPACE) -> None:
    """ray.init against the stack's Ray; the local head's token is used when we started it."""
    if ray.is_initialized():
        return
    if ray_head.record(settings) is not None:
        use_token_auth(ray_head.auth_env(settings))
    ray.init(
        address=settings.ray_address or ray_head.address(settings),
        namespace=namespace,
        logging_level=logging.WARNING,
        log_to_driver=False,
    )


def use_token_auth(environment: dict[str, str]) -> None:
    """Make this process authenticate to Ray with the given token settings.

    Ray reads RAY_AUTH_MODE when it is imported; a process that learns the token later
    (the CLI, a test session) has to refresh Ray's cached config and token, as Ray's own
    `_enable_token_auth` does.
    """
    from ray._raylet import (  # type: ignore[attr-defined]  # noqa: PLC0415 -- private API of the pinned Ray
        AuthenticationTokenLoader,
        Config,
    )

    os.environ.update(environment)
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def disconnect() -> None:
    if ray.is_initialized():
        ray.shutdown()

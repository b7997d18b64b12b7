"""The cluster's one-of-a-kind actors (outbox relay, banking jobs, notifications): named,
detached (they outlive whoever started them), found again rather than duplicated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

SINGLETON_CPUS: Final = 0.25  # light polling loops, mostly waiting on I/O


def singleton_options(name: str, namespace: str, resources: Mapping[str, float] | None = None) -> dict[str, Any]:
    """`.options(...)` for a named singleton actor, placed where `resources` are offered (if any)."""
    return {
        "name": name,
        "namespace": namespace,
        "lifetime": "detached",
        "get_if_exists": True,
        "num_cpus": SINGLETON_CPUS,
        "resources": dict(resources or {}),
    }

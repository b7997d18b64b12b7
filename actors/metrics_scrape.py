"""One Prometheus exposition of the whole Ray cluster: every node's metrics agent, merged.

Ray exports each node's metrics (its own and those our actors and replicas record) on that
node's metrics port. `GET /metrics` gathers them so that one scrape sees the cluster; in
production Prometheus may also scrape each Ray pod directly (the same series, the same names).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import aiohttp
import ray
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

logger = logging.getLogger("bankflow.metrics")

MAX_NODES: Final = 256
NODE_TIMEOUT_S: Final = 5.0
MAX_NODE_EXPOSITION_BYTES: Final = 32 * 1024 * 1024
READ_CHUNK_BYTES: Final = 256 * 1024
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


class ScrapeError(RuntimeError):
    """No node of the cluster answered with metrics that parse."""


class ExpositionTooLargeError(RuntimeError):
    """A node answered more than the bound: refused whole, never parsed cut short."""

    def __init__(self, url: str, max_bytes: int) -> None:
        super().__init__(f"{url} answered more than {max_bytes} bytes, the bound on one node's metrics")


def metrics_urls(nodes: Iterable[dict[str, Any]]) -> list[str]:
    """The metrics endpoint of every live node (at most MAX_NODES)."""
    urls = [
        f"http://{node['NodeManagerAddress']}:{node['MetricsExportPort']}/metrics"
        for node in nodes
        if node.get("Alive") and node.get("MetricsExportPort")
    ]
    return urls[:MAX_NODES]


class _Merged(Collector):
    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def _merged(node_families: Iterable[Sequence[Metric]]) -> bytes:
    """Several nodes' families as one exposition: each family once, with every node's samples."""
    families: dict[str, Metric] = {}
    for node in node_families:
        for family in node:
            merged = families.setdefault(family.name, Metric(family.name, family.documentation, family.type))
            merged.samples.extend(family.samples)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged(list(families.values())))
    return generate_latest(registry)


def merge_node_answers(urls: Sequence[str], answers: Sequence[str | BaseException]) -> bytes:
    """The nodes' answers as one exposition. A node that did not answer, or answered with text
    that does not parse (an agent caught mid-update), is left out of this scrape and logged."""
    node_families = []
    for url, answer in zip(urls, answers, strict=True):
        if isinstance(answer, ExpositionTooLargeError):
            logger.error("metrics of %s refused, left out of this scrape: %s", url, answer)
            continue
        if isinstance(answer, BaseException):
            logger.warning("metrics of %s not read: %s", url, answer)
            continue
        try:
            node_families.append(list(text_string_to_metric_families(answer)))
        except ValueError as error:
            logger.warning("metrics of %s do not parse, left out of this scrape: %s", url, error)
    if not node_families:
        raise ScrapeError(f"none of the {len(urls)} Ray nodes answered with metrics that parse")
    return _merged(node_families)


async def _fetch(session: aiohttp.ClientSession, url: str, max_bytes: int) -> str:
    """The node's whole exposition, read to its end: one read() returns whatever has arrived so
    far, and a prefix of an exposition may even parse, silently short of samples."""
    async with session.get(url) as response:
        response.raise_for_status()
        if response.content_length is not None and response.content_length > max_bytes:
            raise ExpositionTooLargeError(url, max_bytes)
        body = bytearray()
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise ExpositionTooLargeError(url, max_bytes)
        return body.decode()


async def scrape_nodes(urls: Sequence[str], max_bytes: int = MAX_NODE_EXPOSITION_BYTES) -> bytes:
    """These nodes' metrics, merged; a node that does not answer, or answers more than
    `max_bytes`, is left out (and logged)."""
    timeout = aiohttp.ClientTimeout(total=NODE_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        answers = await asyncio.gather(*(_fetch(session, url, max_bytes) for url in urls), return_exceptions=True)
    # Parsing a few MB of exposition takes seconds of CPU: off the event loop, so that the
    # gateway's other requests are not held up behind a scrape.
    return await asyncio.to_thread(merge_node_answers, urls, answers)


async def scrape_cluster() -> bytes:
    """Every live node's metrics, merged; a node that does not answer is left out (and logged)."""
    return await scrape_nodes(metrics_urls(await asyncio.to_thread(ray.nodes)))

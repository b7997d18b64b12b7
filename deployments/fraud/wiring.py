"""Building the fraud service from settings, and keeping its model the registry's serving one:
for the Fraud deployment and for every replica that scores in process."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import asyncpg

from actors.documents import document_store
from actors.fraud.registry import ModelRegistry
from actors.fraud.velocity import VelocityStore
from actors.redis_client import connect_redis
from actors.settings import Settings
from deployments.fraud.service import FraudService

MODEL_POLL_S: Final = 2.0
# Concurrent single movements scored together: at most this many, gathered for this long.
MAX_SCORING_BATCH: Final = 64
SCORING_BATCH_WAIT_S: Final = 0.002

logger = logging.getLogger("bankflow.fraud")


async def open_fraud_service(settings: Settings, pool_size: int) -> FraudService:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=pool_size)
    registry = ModelRegistry(pool, document_store(settings.document_store_url))
    return FraudService(pool, VelocityStore(connect_redis(settings.redis_url)), registry)


async def follow_model(service: FraudService) -> None:
    """Load the registry's serving model if it changed; a registry that cannot be read leaves
    the loaded model serving."""
    try:
        await service.follow_registry()
    except Exception:
        logger.exception("cannot load the serving fraud model; scoring goes on with the one loaded")


async def follow_model_forever(service: FraudService) -> None:
    """A promoted model is picked up within MODEL_POLL_S, by every scorer, without a restart."""
    while True:
        await asyncio.sleep(MODEL_POLL_S)
        await follow_model(service)

"""The Redis velocity store (online) and the in-memory tracker (training) tell the same
story about the same history: the same behaviour, hence the same features."""

from __future__ import annotations

import asyncio
import random
import uuid

from actors.fraud.velocity import Observation, VelocityStore
from actors.redis_client import connect_redis
from actors.settings import Settings
from models.fraud.features import DAY_MS, HOUR_MS, MINUTE_MS
from models.fraud.tracker import BehaviourTracker


def test_the_store_and_the_tracker_agree_on_every_movement(settings: Settings) -> None:
    rng = random.Random(5)
    accounts = [str(uuid.uuid4()) for _ in range(4)]
    payees = [str(uuid.uuid4()) for _ in range(5)]
    at_ms = 1_796_000_000_000
    history = []
    for _ in range(120):
        at_ms += rng.choice([1, 30_000, MINUTE_MS, 20 * MINUTE_MS, 3 * HOUR_MS, DAY_MS - 1, DAY_MS])
        history.append((rng.choice(accounts), rng.choice(payees), rng.randint(1, 50_000), at_ms))

    async def replay() -> None:
        redis = connect_redis(settings.redis_url)
        store = VelocityStore(redis)
        tracker = BehaviourTracker()
        try:
            for index, (account, payee, amount_minor, when_ms) in enumerate(history):
                seen = Observation(f"m{index}", account, payee, amount_minor, when_ms)
                (online,) = await store.behaviours([seen], [10_000])
                offline = tracker.behaviour(account, payee, when_ms, 10_000)
                assert sorted(online.recent) == sorted(offline.recent), index
                assert online == offline.__class__(**{**offline.__dict__, "recent": online.recent}), index
                await store.record([seen])
                tracker.record(account, payee, amount_minor, when_ms)
        finally:
            await redis.aclose()

    asyncio.run(replay())
